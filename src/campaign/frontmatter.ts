import matter from 'gray-matter';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { CampaignPressError, type ErrorCode } from '../errors.js';

/**
 * Frontmatter is YAML, parsed by the `yaml` package with duplicate keys rejected and aliases
 * refused. gray-matter splits the file, but it evaluates `---js` / `---javascript` blocks with
 * eval by default, so every engine it knows is replaced by one that refuses.
 */

export interface ParsedYaml {
  data: unknown;
  doc: Document;
  lineCounter: LineCounter;
  /** Line number in the file of the YAML text's first line. */
  firstLine: number;
  file: string;
}

export interface ParsedFrontmatter extends ParsedYaml {
  body: string;
  /** Line number in the file where the body starts. */
  bodyLine: number;
}

function refuse(language: string) {
  return () => {
    throw new FrontmatterLanguageError(language);
  };
}
class FrontmatterLanguageError extends Error {
  constructor(readonly language: string) {
    super(language);
  }
}

const REFUSED_ENGINES = ['js', 'javascript', 'json', 'coffee', 'coffeescript', 'cson', 'toml', 'lua', 'ts', 'typescript'];

export function parseYaml(text: string, file: string, firstLine = 1): ParsedYaml {
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
  return { data: doc.toJS({ maxAliasCount: 0 }), doc, lineCounter, firstLine, file };
}

export function parseFrontmatter(source: string, file: string): ParsedFrontmatter {
  const text = source.replace(/^\uFEFF/, '');
  if (!/^---[^\S\r\n]*\S*[^\S\r\n]*\r?\n/.test(text)) {
    throw new CampaignPressError('frontmatter-missing', 'the file does not start with YAML frontmatter (---)', { file, line: 1 });
  }
  const lang = matter.language(text);
  if (lang.name && lang.name.toLowerCase() !== 'yaml' && lang.name.toLowerCase() !== 'yml') {
    throw new CampaignPressError('frontmatter-language', `frontmatter language "${lang.name}" is refused; only YAML is accepted`, { file, line: 1 });
  }
  const engines: Record<string, (s: string) => object> = {};
  for (const name of REFUSED_ENGINES) engines[name] = refuse(name);
  let parsed: ParsedYaml | undefined;
  engines.yaml = (s: string) => {
    parsed = parseYaml(s, file, 1);
    return {};
  };
  let file_: matter.GrayMatterFile<string>;
  try {
    // A fresh options object per call: gray-matter only caches calls made without options.
    file_ = matter(text, { engines, language: 'yaml', excerpt: false } as never);
  } catch (e) {
    if (e instanceof CampaignPressError) throw e;
    if (e instanceof FrontmatterLanguageError) {
      throw new CampaignPressError('frontmatter-language', `frontmatter language "${e.language}" is refused; only YAML is accepted`, { file, line: 1 });
    }
    throw new CampaignPressError('yaml-syntax', `cannot read the frontmatter: ${(e as Error).message}`, { file, line: 1 });
  }
  if (!parsed) {
    // Empty frontmatter block (--- followed by ---).
    parsed = parseYaml('', file, 2);
  }
  const matterLines = file_.matter.split('\n').length;
  const bodyLine = 1 + matterLines + 1;
  return { ...parsed, body: file_.content, bodyLine };
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
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
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
        errors.push(
          new CampaignPressError('schema-unknown-field', `unknown field "${k}"`, { file: y.file, line: lineOfPath(y, full, true), field: formatPath(full) }),
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
