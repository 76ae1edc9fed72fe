import { pluralCategories, type LocaleTable } from './table.js';
import { flatten, pluralGroups, pluralPart, unflatten, type Flat } from './keys.js';

/**
 * Pseudo-locales, computed from the source text, so layouts can be tested for expansion and
 * direction before real translations arrive:
 *  - en-XA: accented Latin, expanded by IBM's length table, bracketed;
 *  - ar-XB: right-to-left, real Arabic-script letters, every Arabic plural form.
 * Placeholders, $t() references, markup and URLs are protected.
 */

export const PSEUDO_LOCALES = ['en-XA', 'ar-XB'] as const;
export type PseudoLocale = (typeof PSEUDO_LOCALES)[number];

export function isPseudo(code: string): code is PseudoLocale {
  return (PSEUDO_LOCALES as readonly string[]).includes(code);
}

const ACCENTED: Record<string, string> = {
  a: 'á',
  b: 'ƀ',
  c: 'ç',
  d: 'ď',
  e: 'é',
  f: 'ƒ',
  g: 'ğ',
  h: 'ĥ',
  i: 'í',
  j: 'ĵ',
  k: 'ķ',
  l: 'ľ',
  m: 'ḿ',
  n: 'ñ',
  o: 'ö',
  p: 'ƥ',
  q: 'ɋ',
  r: 'ř',
  s: 'š',
  t: 'ť',
  u: 'ü',
  v: 'ṽ',
  w: 'ŵ',
  x: 'ẋ',
  y: 'ý',
  z: 'ž',
};
const ARABIC: Record<string, string> = {
  a: 'ا',
  b: 'ب',
  c: 'س',
  d: 'د',
  e: 'ع',
  f: 'ف',
  g: 'غ',
  h: 'ه',
  i: 'ي',
  j: 'ج',
  k: 'ك',
  l: 'ل',
  m: 'م',
  n: 'ن',
  o: 'و',
  p: 'پ',
  q: 'ق',
  r: 'ر',
  s: 'ص',
  t: 'ت',
  u: 'ؤ',
  v: 'ڤ',
  w: 'و',
  x: 'خ',
  y: 'ى',
  z: 'ز',
};
const FILLER = 'ľöřéḿ íƥšüḿ ďöľöř šíť áḿéť çöñšéçťéťüř áďíƥíšçíñğ éľíť šéď ďö éíüšḿöď ťéḿƥöř'.split(' ');

/** Parts of a string that must survive untouched: placeholders, nesting, tags, URLs, Markdown link targets. */
const PROTECTED = /(\{\{[^}]*\}\}|\$t\([^)]*\)|<[^>]+>|https?:\/\/\S+|\]\([^)]*\)|`[^`]*`)/g;

function mapText(s: string, table: Record<string, string>): string {
  return s
    .split(PROTECTED)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : [...part]
            .map((c) => {
              const lower = c.toLowerCase();
              const m = table[lower];
              if (!m) return c;
              return c !== lower && table === ACCENTED ? m.toUpperCase() : m;
            })
            .join(''),
    )
    .join('');
}

/** IBM's expansion budget for English text of this length (upper bounds). */
export function expansionFactor(length: number): number {
  if (length <= 10) return 2.0;
  if (length <= 20) return 1.0;
  if (length <= 30) return 0.8;
  if (length <= 50) return 0.6;
  if (length <= 70) return 0.4;
  return 0.3;
}

export function pseudoEnXA(s: string): string {
  const visible = s.replace(PROTECTED, '').length;
  const extra = Math.round(visible * expansionFactor(visible));
  let pad = '';
  for (let i = 0; pad.length < extra; i++) pad += ` ${FILLER[i % FILLER.length]}`;
  return `[${mapText(s, ACCENTED)}${pad.slice(0, Math.max(extra, 0)).trimEnd()}]`;
}

export function pseudoArXB(s: string): string {
  return mapText(s, ARABIC);
}

export function pseudoText(code: PseudoLocale, s: string): string {
  return code === 'en-XA' ? pseudoEnXA(s) : pseudoArXB(s);
}

/** Markdown: only the text, never the syntax or link targets (a fenced or indented block stays as it is). */
export function pseudoMarkdown(code: PseudoLocale, md: string): string {
  return md
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:[-*+]|\d+\.|#{1,6}|>)?\s*)(.*)$/.exec(line)!;
      if (!m[2]) return line;
      const body = m[2].replace(/(\*\*|__|\*|_)/g, '\u0000$1\u0000');
      const mapped = body
        .split('\u0000')
        .map((p) => (/^(\*\*|__|\*|_)$/.test(p) ? p : code === 'en-XA' ? mapText(p, ACCENTED) : pseudoArXB(p)))
        .join('');
      return `${m[1]}${mapped}`;
    })
    .join('\n');
}

/** A whole namespace: every key, with the plural forms the pseudo-locale's rules need. */
export function pseudoNamespace(table: LocaleTable, code: PseudoLocale, source: Flat): Record<string, unknown> {
  const plurals = pluralGroups(source);
  const cats = pluralCategories(table, code);
  const entries: [string, string][] = [];
  const done = new Set<string>();
  for (const [key, value] of source) {
    const pp = pluralPart(key);
    if (pp && plurals.has(pp.base)) {
      if (done.has(pp.base)) continue;
      done.add(pp.base);
      for (const cat of cats) {
        const src = String(
          source.get(`${pp.base}_${cat}`) ??
            source.get(`${pp.base}_${cat === 'one' ? 'one' : 'other'}`) ??
            source.get(`${pp.base}_other`) ??
            '',
        );
        entries.push([`${pp.base}_${cat}`, pseudoText(code, src)]);
      }
      continue;
    }
    if (typeof value === 'string') entries.push([key, pseudoText(code, value)]);
  }
  return unflatten(entries);
}

export function pseudoResources(
  table: LocaleTable,
  code: PseudoLocale,
  common: unknown,
  campaignMessages: Record<string, unknown>,
): { common: Record<string, unknown>; campaign: Record<string, unknown> } {
  return { common: pseudoNamespace(table, code, flatten(common)), campaign: pseudoNamespace(table, code, flatten(campaignMessages)) };
}
