import type { XliffInline, XliffValue } from 'xliff';
import { NESTING_RE, PLACEHOLDER_RE, RAW_SYNTAX_RE } from '../i18n/keys.js';

/**
 * Inline codes for XLIFF: the parts of a string that must reach the page exactly as the source
 * has them (i18next placeholders and nesting, Markdown emphasis and links) travel as codes a CAT
 * tool protects, so a translator cannot translate `{{count}}` into `{{تعداد}}`.
 */

export type XliffFormat = 'xliff12' | 'xliff2';

/** A standalone code (`{{count}}`) or a span code (`**…**`, `[…](url)`) with its opening and closing text. */
export type Code = { kind: 'ph'; text: string } | { kind: 'pc'; open: string; close: string };

/** i18next syntax that the build fills in: `{{count}}`, `{{- name}}`, `$t(key)`. */
const CODE_RE = /\{\{[^{}]*\}\}|\$t\([^()]*\)/g;

/** Private-use marks that stand for a code while the xliff package pretty-prints the XML. */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARK_RE = /\uE000(\d+)\uE001/g;

function escAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Collects the XML of inline codes while units are built, and splices it into the serialized
 * file. The xliff package can write inline elements itself, but its pretty-printer puts newlines
 * and indentation inside <source>/<target> around them, which changes the text a CAT tool sees.
 */
export class CodeWriter {
  private readonly xml: string[] = [];
  constructor(readonly format: XliffFormat) {}

  private mark(xml: string): string {
    this.xml.push(xml);
    return `${OPEN}${this.xml.length - 1}${CLOSE}`;
  }

  ph(id: string, text: string): string {
    const attr = this.format === 'xliff12' ? 'equiv-text' : 'disp';
    return this.mark(`<${this.format === 'xliff12' ? 'x' : 'ph'} id="${escAttr(id)}" ${attr}="${escAttr(text)}"/>`);
  }

  pcOpen(id: string, open: string, close: string): string {
    return this.format === 'xliff12'
      ? this.mark(`<g id="${escAttr(id)}" equiv-text="${escAttr(open)}">`)
      : this.mark(`<pc id="${escAttr(id)}" dispStart="${escAttr(open)}" dispEnd="${escAttr(close)}">`);
  }

  pcClose(): string {
    return this.mark(this.format === 'xliff12' ? '</g>' : '</pc>');
  }

  /** Text as it goes into the JS form; refuses text that already holds a mark (it never does in a real file). */
  text(s: string): string {
    if (s.includes(OPEN) || s.includes(CLOSE)) throw new Error('text holds U+E000/U+E001, which the XLIFF writer reserves');
    return s;
  }

  splice(serialized: string): string {
    return serialized.replace(MARK_RE, (_m, i: string) => this.xml[Number(i)]!);
  }
}

/** The codes of a label string, numbered in order: ph1, ph2, … */
export function labelCodes(source: string): Map<string, Code> {
  const codes = new Map<string, Code>();
  let n = 0;
  for (const m of source.matchAll(CODE_RE)) codes.set(`ph${++n}`, { kind: 'ph', text: m[0] });
  return codes;
}

/**
 * A label string with its codes as marks. A target's codes take the source id of the same text;
 * a code the source does not have stays plain text, so the import refuses it as the translator wrote it.
 */
export function encodeLabel(s: string, codes: Map<string, Code>, w: CodeWriter): string {
  const free = [...codes].filter(([, c]) => c.kind === 'ph') as [string, Code & { kind: 'ph' }][];
  let out = '';
  let last = 0;
  for (const m of s.matchAll(CODE_RE)) {
    const i = free.findIndex(([, c]) => c.text === m[0]);
    if (i < 0) continue;
    const [id] = free.splice(i, 1)[0]!;
    out += w.text(s.slice(last, m.index)) + w.ph(id, m[0]);
    last = m.index + m[0].length;
  }
  return out + w.text(s.slice(last));
}

const TAG_NAMES: Record<string, string> = {
  Standalone: 'x/ph',
  GenericSpan: 'g/pc',
  Span: 'ph/pc',
  GenericSpanStart: 'bx/sc',
  GenericSpanEnd: 'ex/ec',
  SpanStart: 'bpt/sc',
  SpanEnd: 'ept/ec',
  Marker: 'mrk',
};

function describe(id: string, c: Code | undefined): string {
  if (!c) return `id="${id}"`;
  return c.kind === 'ph' ? `${id} (${c.text})` : `${id} (${c.open}…${c.close})`;
}

/**
 * A target from the xliff package's JS form (a string, or an array of strings and inline
 * elements such as `{ Standalone: { id: 'ph1', 'equiv-text': '{{count}}' } }`) back to text. The
 * codes are taken from the source by id, never from the file, so a tool that rewrites an
 * attribute cannot change what is printed. Throws a reason for a code invented or used twice.
 */
export function decodeTarget(value: XliffValue, codes: Map<string, Code>): { text: string; used: Set<string> } {
  const used = new Set<string>();
  const walk = (v: XliffValue): string => {
    if (typeof v === 'string') return v;
    let out = '';
    for (const part of Array.isArray(v) ? v : [v]) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      out += element(part);
    }
    return out;
  };
  const element = (el: XliffInline): string => {
    const [type, data] = Object.entries(el)[0] ?? [];
    if (!type || !data) throw new Error('has an empty inline element');
    const id = String(data.id ?? '');
    const code = codes.get(id);
    const tag = TAG_NAMES[type] ?? type;
    if (!code) throw new Error(`invents the inline code <${tag} id="${id}">, which the source does not have`);
    if (used.has(id)) throw new Error(`uses the inline code ${describe(id, code)} twice`);
    used.add(id);
    if (code.kind === 'ph') {
      // A 1.2 <ph> carries the native text as content; anything but the source's text is a change.
      if (data.contents !== undefined && walk(data.contents) !== code.text)
        throw new Error(`changes the text inside the inline code ${describe(id, code)}`);
      if (type !== 'Standalone' && type !== 'Span') throw new Error(`turns the inline code ${describe(id, code)} into <${tag}>`);
      return code.text;
    }
    if (type !== 'GenericSpan' && type !== 'Span') throw new Error(`turns the inline code ${describe(id, code)} into <${tag}>`);
    return code.open + walk(data.contents ?? '') + code.close;
  };
  return { text: walk(value), used };
}

/** i18next syntax in a string, as a multiset (sorted list). */
function syntaxOf(s: string): string[] {
  const names = [...s.matchAll(PLACEHOLDER_RE)].map((m) => `{{${m[2]!.trim()}}}`);
  const nest = [...s.matchAll(NESTING_RE)].map((m) => `$t(${m[1]})`);
  return [...names, ...nest].sort();
}

/**
 * Why a decoded label target cannot be imported, if it cannot: every placeholder and nesting of
 * the source exactly once (a plural form other than `other` may leave out `{{count}}`), nothing
 * invented (a Dari `{{تعداد}}` typed as text), and no stray `{{`, `}}` or `$t(`.
 */
export function labelTargetProblem(
  source: string,
  codes: Map<string, Code>,
  text: string,
  used: Set<string>,
  mayDropCount: boolean,
): string | undefined {
  const want = syntaxOf(source);
  const got = syntaxOf(text);
  for (const g of new Set(got)) {
    const extra = got.filter((x) => x === g).length - want.filter((x) => x === g).length;
    if (extra > 0) {
      const id = [...codes].find(([, c]) => c.kind === 'ph' && syntaxOf(c.text)[0] === g)?.[0];
      return id
        ? `has ${g} more often than the source (inline code ${id}): keep each inline code once`
        : `has ${g}, which is not a placeholder of the source${want.length ? ` (the source has ${[...new Set(want)].join(' ')})` : ''}: use the inline code, do not type it`;
    }
  }
  for (const w of new Set(want)) {
    const missing = want.filter((x) => x === w).length - got.filter((x) => x === w).length;
    if (missing > 0 && !(mayDropCount && w === '{{count}}')) {
      const id = [...codes].find(([i, c]) => c.kind === 'ph' && syntaxOf(c.text)[0] === w && !used.has(i))?.[0];
      return `drops the inline code ${id ? describe(id, codes.get(id)) : w}`;
    }
  }
  if (RAW_SYNTAX_RE.test(text.replace(CODE_RE, ''))) return 'has a stray "{{", "}}" or "$t(" outside the inline codes';
  return undefined;
}
