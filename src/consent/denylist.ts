import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * Deny-list normalization and scanning (FORMAT.md 4.2). One function reduces both the term (before
 * it is hashed) and every text (before it is scanned) to a canonical form, because the list holds
 * only hashes: a spelling the function does not fold is a spelling the scanner cannot see.
 */

/** Tatweel, ZWNJ, ZWJ, ZWSP, soft hyphen, word joiner, BOM, bidi controls (all format characters). */
const INVISIBLE = /[\u0640\p{Cf}]/gu;

const FOLD: Record<string, string> = {
  ي: 'ی',
  ى: 'ی',
  ئ: 'ی',
  ك: 'ک',
  ة: 'ه',
  ۀ: 'ه',
  ھ: 'ه',
  ہ: 'ه',
  ە: 'ه',
  ؤ: 'و',
  أ: 'ا',
  إ: 'ا',
  آ: 'ا',
  ٱ: 'ا',
  ٲ: 'ا',
  ٳ: 'ا',
};
const FOLD_RE = new RegExp(`[${Object.keys(FOLD).join('')}]`, 'gu');

// The TR39 confusables table that unhomoglyph ships (one code point -> its skeleton).
const SKELETON = createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>;
/**
 * Only Latin, Cyrillic and Greek letters take the TR39 skeleton: the same table maps Arabic-Indic
 * digits and Arabic letters (ا, ه, ٥) to Latin shapes, which would make ٥ and ه one letter.
 */
const LOOKALIKE = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;

function skeleton(s: string): string {
  let out = '';
  for (const ch of s) out += LOOKALIKE.test(ch) ? (SKELETON[ch] ?? ch) : ch;
  return out;
}

/** Value of a decimal digit of any script: Unicode keeps each script's 0-9 contiguous, from 0. */
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  let start = cp;
  // Scripts whose digits sit side by side form one longer run, still in tens from its start.
  while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Separators a phone number or date is written with: spaces, dots, hyphens, Arabic separators. */
const DIGIT_JOIN = /(?<=[0-9])[\s.\u066B\u066C\u06D4\-\u2010-\u2015\u2212]+(?=[0-9])/gu;

export function normalizeTerm(s: string): string {
  // 1. Decompose, drop every mark (harakat, hamza above/below, madda, accents) and invisibles.
  let t = s.normalize('NFKD').replace(/\p{M}/gu, '').replace(INVISIBLE, '');
  // 2. Letter variants; look-alikes to one skeleton; lower case (twice: the skeleton of an
  // upper-case letter is upper case, and a lower-case letter's skeleton may differ from it).
  t = t.replace(FOLD_RE, (c) => FOLD[c] ?? c);
  t = skeleton(t.toLowerCase()).toLowerCase();
  // 3. Digits of every script to ASCII; a phone number written in groups becomes one token.
  t = t.replace(/\p{Nd}/gu, (d) => (d >= '0' && d <= '9' ? d : String(digitValue(d)))).replace(DIGIT_JOIN, '');
  // 4. Punctuation and symbols separate words; NFKC last.
  t = t.replace(/[\p{P}\p{S}]/gu, ' ').replace(/\s+/gu, ' ');
  return t.trim().normalize('NFKC');
}

function digest(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function hashTerm(term: string): string {
  return digest(normalizeTerm(term));
}

/** Why a term cannot be hashed safely, or undefined: empty, or one token shorter than 3 letters. */
export function termProblem(term: string): string | undefined {
  const n = normalizeTerm(term);
  if (!n) return 'the term is empty after normalization (only spaces, punctuation or marks)';
  if (!n.includes(' ') && [...n].length < 3)
    return 'a one-word term shorter than 3 letters would match inside too much ordinary text to scan safely';
  return undefined;
}

/** Normalized words of a text. */
export function words(text: string): string[] {
  return normalizeTerm(text).split(' ').filter(Boolean);
}

// Clitics, written as normalization leaves them (ە is folded to ه, so لە is له and ەکە is هکه).
const PREFIXES = ['و', 'ب', 'ل', 'ف', 'ک', 'ال', 'لە', 'بە'].map(normalizeTerm);
const SUFFIXES = ['ی', 'ەکە', 'ەکان', 'ان', 'ها', 'یش', 'ش'].map(normalizeTerm);
const ARABIC_LETTER = /\p{Script=Arabic}/u;

/** A token, and its forms with one clitic removed (kept only if two letters remain). */
function variants(token: string, prefixes: boolean, suffixes: boolean): string[] {
  const out = [token];
  const keep = (s: string) => [...s].length >= 2 && out.push(s);
  if (ARABIC_LETTER.test(token)) {
    if (prefixes) for (const p of PREFIXES) if (token.startsWith(p)) keep(token.slice(p.length));
    if (suffixes) for (const s of SUFFIXES) if (token.endsWith(s)) keep(token.slice(0, -s.length));
  } else if (suffixes && token.endsWith('s')) keep(token.slice(0, -1)); // a possessive written without its apostrophe
  return out;
}

export const MAX_RUN = 8;

function scanWords(w: readonly string[], denied: ReadonlySet<string>, maxRun: number, clitics: boolean): string | undefined {
  for (let i = 0; i < w.length; i++) {
    // A prefix clitic attaches to the first word of a name, a suffix to its last.
    for (const first of clitics ? variants(w[i]!, true, true) : [w[i]!]) {
      let h = digest(first);
      if (denied.has(h)) return h;
      let run = first;
      for (let n = 1; n < maxRun && i + n < w.length; n++) {
        const last = w[i + n]!;
        for (const v of clitics ? variants(last, false, true) : [last]) {
          h = digest(`${run} ${v}`);
          if (denied.has(h)) return h;
        }
        run = `${run} ${last}`;
      }
    }
  }
  return undefined;
}

/** Split CamelCase words (a hashtag such as #KarwanAziz) before case is folded away. */
function splitCamel(text: string): string {
  return text.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2');
}

/**
 * The normalization before FORMAT.md 4.2 changed (NFKC, lower case, a few Arabic folds, marks
 * and format characters dropped). Deny-lists hashed with it stay in campaigns, so texts are
 * scanned under it too: a hash that silently stopped matching would fail open.
 */
export function legacyNormalize(s: string): string {
  let t = s.normalize('NFKC').toLowerCase();
  t = t.replace(/[يىكةأإآٱٲٳ]/g, (c) => ({ ي: 'ی', ى: 'ی', ك: 'ک', ة: 'ه' })[c as 'ي'] ?? 'ا');
  t = t.replace(/\u0640/g, '');
  t = t.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
  t = t.replace(/\p{Cf}/gu, '');
  return t.replace(/\s+/gu, ' ').trim();
}

function legacyWords(text: string): string[] {
  return legacyNormalize(text)
    .split(' ')
    .map((w) => w.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''))
    .filter((w) => w.length > 0);
}

/**
 * Does the text hide a deny-listed term? Candidates are runs of 1 to 8 normalized words, with one
 * clitic removed from the first and last word of a run. Returns the matching digest (never the
 * term), or undefined.
 */
export function findDenied(text: string, denied: ReadonlySet<string>): string | undefined {
  if (denied.size === 0 || !text) return undefined;
  const camel = splitCamel(text);
  return (
    scanWords(words(text), denied, MAX_RUN, true) ??
    (camel !== text ? scanWords(words(camel), denied, MAX_RUN, true) : undefined) ??
    scanWords(legacyWords(text), denied, 4, false)
  );
}

/** Every URI a text may carry percent-encoded (a link target): scanned as written and decoded. */
export function decodeUriText(uri: string): string {
  let s = uri;
  for (let i = 0; i < 3; i++) {
    try {
      const d = decodeURIComponent(s.replace(/\+/g, ' '));
      if (d === s) break;
      s = d;
    } catch {
      break;
    }
  }
  return s === uri ? uri : `${uri}\n${s}`;
}
