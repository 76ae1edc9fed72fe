import { createHash } from 'node:crypto';

/**
 * Deny-list normalization (FORMAT.md 4.2): NFKC, lower case, Arabic-script letter variants
 * folded, tatweel, ZWNJ and diacritics removed, whitespace collapsed. The same function
 * normalizes the term before hashing and the rendered text before scanning.
 */
const FOLD: Record<string, string> = {
  ي: 'ی', // Arabic yeh -> Farsi yeh
  ى: 'ی', // alef maksura
  ك: 'ک', // Arabic kaf -> keheh
  ة: 'ه', // teh marbuta
  أ: 'ا',
  إ: 'ا',
  آ: 'ا',
  ٱ: 'ا',
  ٲ: 'ا',
  ٳ: 'ا',
};

export function normalizeTerm(s: string): string {
  let t = s.normalize('NFKC').toLowerCase();
  t = t.replace(/[يىكةأإآٱٲٳ]/g, (c) => FOLD[c] ?? c);
  t = t.replace(/\u0640/g, ''); // tatweel
  // Diacritics: decompose, drop combining marks (Latin accents, Arabic harakat, hamza marks).
  t = t.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
  // Format characters: ZWNJ, ZWJ, bidi controls, soft hyphen.
  t = t.replace(/\p{Cf}/gu, '');
  return t.replace(/\s+/gu, ' ').trim();
}

export function hashTerm(term: string): string {
  return createHash('sha256').update(normalizeTerm(term), 'utf8').digest('hex');
}

/** Normalized words of a text, with punctuation trimmed from their edges. */
export function words(text: string): string[] {
  return normalizeTerm(text)
    .split(' ')
    .map((w) => w.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''))
    .filter((w) => w.length > 0);
}

/**
 * Does any run of one to four words of `text` hash to a deny-listed digest? Returns the index of
 * the first matching digest (never the term itself), or -1.
 */
export function findDenied(text: string, denied: ReadonlySet<string>): string | undefined {
  if (denied.size === 0) return undefined;
  const w = words(text);
  for (let i = 0; i < w.length; i++) {
    let run = '';
    for (let n = 0; n < 4 && i + n < w.length; n++) {
      run = n === 0 ? w[i]! : `${run} ${w[i + n]!}`;
      const h = createHash('sha256').update(run, 'utf8').digest('hex');
      if (denied.has(h)) return h;
    }
  }
  return undefined;
}
