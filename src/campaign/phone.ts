/**
 * Hotline numbers as people paste them: from Word (curly quotes, no-break spaces, en dashes),
 * typed on an Arabic-script keyboard (Arabic-Indic or Persian digits, as Sorani and Persian
 * writers do), or copied out of right-to-left text (invisible direction marks). Each of these is
 * the same number, so it is normalized to ASCII; anything else is refused, naming the character.
 */

const QUOTES = '"\'\u201C\u201D\u201E\u201F\u2018\u2019\u201A\u201B\u00AB\u00BB\u2039\u203A\u300C\u300D';
const AROUND = new RegExp(`^[\\s${QUOTES}]+|[\\s${QUOTES}]+$`, 'g');
/** Direction marks and isolates: invisible, and never part of a number. */
const BIDI = /[\u200B-\u200F\u061C\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const SPACES = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;
/** Zero of each digit set a hotline is typed in: Arabic-Indic, Persian (extended), fullwidth, Devanagari, Bengali. */
const ZEROS = [0x0660, 0x06f0, 0xff10, 0x0966, 0x09e6];

function asciiDigit(ch: string): string {
  const cp = ch.codePointAt(0)!;
  for (const z of ZEROS) if (cp >= z && cp <= z + 9) return String(cp - z);
  return ch;
}

/** Digits of any set above as ASCII, and direction marks removed; everything else as it was. */
export function asciiDigits(text: string): string {
  return text.replace(BIDI, '').replace(/\p{Nd}/gu, asciiDigit);
}

export function normalizePhone(raw: string): string {
  return raw
    .replace(BIDI, '')
    .replace(AROUND, '')
    .replace(SPACES, ' ')
    .replace(DASHES, '-')
    .replace(/\uFF0B/g, '+')
    .replace(/\p{Nd}/gu, asciiDigit)
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** The first character a normalized number may not hold, shown with its code point; undefined when there is none. */
export function strayPhoneCharacter(normalized: string): string | undefined {
  const ch = [...normalized].find((c) => !/[0-9 ()+-]/.test(c));
  if (ch === undefined) return undefined;
  return `"${ch}" (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}
