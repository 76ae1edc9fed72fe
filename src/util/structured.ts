import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { CampaignPressError, catalog, didYouMean, type ErrorCode } from '../errors.js';

/**
 * Structured text with positions: YAML (frontmatter, template.json as JSON) parsed by the `yaml`
 * package with duplicate keys and aliases refused, and JSON whose syntax errors are located by
 * jsonc-parser (Node 20's JSON.parse does not always say where).
 */

/**
 * Drop a BOM; CRLF and lone CR become LF. Each is one line break, so every line number still
 * points at the line an editor shows (Notepad saves CRLF and a BOM; old Mac tools save CR).
 */
export function normalizeNewlines(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** Key segments that would reach Object.prototype when data is merged or unflattened. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

export function isUnsafeKey(key: string): boolean {
  return key.split('.').some((seg) => UNSAFE_KEYS.has(seg));
}

/** Refuse __proto__, prototype and constructor as keys (or dotted key segments) anywhere in the data. */
function refuseUnsafeKeys(y: ParsedYaml): ParsedYaml {
  const stack: { v: unknown; p: PropertyKey[] }[] = [{ v: y.data, p: [] }];
  // Iterative and bounded by the data itself (already limited in size by the reader).
  while (stack.length) {
    const { v, p } = stack.pop()!;
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) stack.push({ v: x, p: [...p, i] });
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        const full = [...p, k];
        if (isUnsafeKey(k))
          throw new CampaignPressError('key-unsafe', `key "${k}" is not allowed`, {
            file: y.file,
            line: lineOfPath(y, full, true),
            field: formatPath(full),
          });
        stack.push({ v: (v as Record<string, unknown>)[k], p: full });
      }
    }
  }
  return y;
}

export interface ParsedYaml {
  data: unknown;
  doc: Document;
  lineCounter: LineCounter;
  /** Line number in the file of the YAML text's first line. */
  firstLine: number;
  file: string;
}

export function parseYaml(source: string, file: string, firstLine = 1): ParsedYaml {
  const text = normalizeNewlines(source);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, schema: 'core', strict: true });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line + firstLine - 1;
  const first = doc.errors[0];
  if (first) {
    const dup = first.code === 'DUPLICATE_KEY';
    const msg = first.message.split('\n')[0] ?? first.message;
    throw new CampaignPressError(dup ? 'yaml-duplicate-key' : 'yaml-syntax', dup ? `duplicate key: ${msg}` : `YAML syntax error: ${msg}`, {
      file,
      line: lineOf(first.pos[0]),
    });
  }
  let aliasAt: number | undefined;
  visit(doc, {
    Alias(_, node) {
      aliasAt = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  if (aliasAt !== undefined) {
    throw new CampaignPressError('yaml-alias', 'YAML aliases are not accepted', { file, line: lineOf(aliasAt) });
  }
  return refuseUnsafeKeys({ data: doc.toJS({ maxAliasCount: 0 }), doc, lineCounter, firstLine, file });
}

/**
 * Read a JSON file strictly: syntax errors and duplicate keys are errors with a line number.
 * JSON is a subset of YAML 1.2, so the yaml parser gives duplicate-key detection and the line of
 * every path; the data itself comes from JSON.parse.
 */
export function parseJsonStrict(text: string, file: string): ParsedYaml {
  const src = normalizeNewlines(text);
  try {
    JSON.parse(src);
  } catch (e) {
    const errors: ParseError[] = [];
    parseJsonc(src, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const msg = (e as Error).message.split('\n')[0] ?? '';
    const offset = first?.offset ?? Number(/position (\d+)/.exec(msg)?.[1] ?? -1);
    const line = offset >= 0 ? src.slice(0, offset).split('\n').length : undefined;
    const what = first ? printParseErrorCode(first.error) : msg.replace(/, ".*$/, '');
    throw new CampaignPressError('json-syntax', `invalid JSON: ${what}`, { file, line });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(src, { uniqueKeys: true, lineCounter, schema: 'json' });
  const dup = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (dup) {
    const line = lineCounter.linePos(dup.pos[0]).line;
    throw new CampaignPressError('json-duplicate-key', `duplicate key: ${dup.message.split('\n')[0]}`, { file, line });
  }
  // Other YAML-only complaints about valid JSON are irrelevant: the data comes from JSON.parse.
  return refuseUnsafeKeys({ data: JSON.parse(src), doc, lineCounter, firstLine: 1, file });
}

/** Find the line of a value (or, for `key: true`, of the key itself) at a path in a YAML document. */
export function lineOfPath(y: ParsedYaml, path: readonly PropertyKey[], key = false): number | undefined {
  let node: unknown = y.doc.contents;
  let best: number | undefined = (node as YamlNode | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      const isLast = i === path.length - 1;
      const keyNode = pair.key as YamlNode | null;
      best = (key && isLast ? keyNode?.range?.[0] : ((pair.value as YamlNode | null)?.range?.[0] ?? keyNode?.range?.[0])) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else break;
  }
  if (best === undefined) return y.firstLine;
  return y.lineCounter.linePos(best).line + y.firstLine - 1;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Validate parsed YAML with a strict zod schema; every issue becomes an error with file:line and field. */
export function validate<S extends z.ZodType>(schema: S, y: ParsedYaml): { value?: z.infer<S>; errors: CampaignPressError[] } {
  const result = schema.safeParse(y.data ?? {});
  if (result.success) return { value: result.data, errors: [] };
  const errors: CampaignPressError[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const full = [...path, k];
        const guess = didYouMean(k, keysAt(schema, path));
        errors.push(
          new CampaignPressError(
            'schema-unknown-field',
            `unknown field "${k}"${guess ? `; ${guess.charAt(0).toLowerCase()}${guess.slice(1)}` : ''}`,
            { file: y.file, line: lineOfPath(y, full, true), field: formatPath(full) },
            guess ? `${guess} ${catalog['schema-unknown-field'].hint}` : undefined,
          ),
        );
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const code: ErrorCode = missing ? 'schema-missing-field' : 'schema-invalid';
    const field = formatPath(path) || '(frontmatter)';
    const message = missing ? `missing required field "${field}"` : `${field}: ${issue.message}`;
    const line = missing ? lineOfPath(y, path.slice(0, -1), true) : lineOfPath(y, path);
    errors.push(new CampaignPressError(code, message, { file: y.file, line, field }));
  }
  return { errors };
}

/** The zod definition fields this module reads (zod 4 keeps them on `_zod.def`). */
interface ZodDef {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  innerType?: { _zod: { def: ZodDef } };
  element?: { _zod: { def: ZodDef } };
  in?: { _zod: { def: ZodDef } };
  out?: { _zod: { def: ZodDef } };
}

/** Past optional, default, nullable and preprocess wrappers to the schema that holds the data. */
function unwrap(def: ZodDef): ZodDef {
  for (let i = 0; i < 16; i++) {
    const next = def.innerType ?? (def.type === 'pipe' ? (def.in?._zod.def.type === 'transform' ? def.out : def.in) : undefined);
    if (!next) return def;
    def = next._zod.def;
  }
  return def;
}

/** The field names an object schema accepts at `path` (for "did you mean"); empty when the path leads elsewhere. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def = unwrap((schema as unknown as { _zod: { def: ZodDef } })._zod.def);
  for (const seg of path) {
    if (def.type === 'object' && typeof seg === 'string' && def.shape?.[seg]) def = unwrap(def.shape[seg]._zod.def);
    else if (def.type === 'array' && typeof seg === 'number' && def.element) def = unwrap(def.element._zod.def);
    else return [];
  }
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
