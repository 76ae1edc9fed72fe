/**
 * Left-to-right runs inside right-to-left text. Partners write phone numbers and web addresses
 * into running Sorani, Arabic, Persian, Pashto and Urdu text; the Unicode bidi algorithm then
 * lays the space-separated digit groups of `0750 123 4567` out right to left (`4567 123 0750`:
 * a wrong number on a poster), and a line may break at an address's hyphen with the hyphen shown
 * at the wrong end. Such runs are isolated left to right and kept on one line. A phone number is
 * also overridden left to right: Arabic-Indic digit groups separated by spaces stay right to left
 * even inside a left-to-right isolate (the spaces between two Arabic numbers resolve as R).
 */

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Content that is not running text. */
const OPAQUE = new Set(['style', 'script', 'svg', 'math', 'textarea', 'title']);

const DIGIT = String.raw`\p{Nd}`;
/** Digit groups joined by spaces or hyphens, optionally after a "+": a phone number, or a number grouped by spaces. */
const PHONE = String.raw`\+?${DIGIT}+(?:[ \u00A0\u202F\u2009-]${DIGIT}+)+`;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
/** A web or e-mail address written as text: `www.safe-routes.org`, `https://x.org/a-b`, `info@x.org`. */
const ADDRESS = String.raw`(?:https?:\/\/)?(?:[A-Za-z0-9._%+-]+@)?(?:${LABEL}\.)+[A-Za-z]{2,}(?:\/[^\s<]*)?`;
const RUN_RE = new RegExp(String.raw`(?<![\p{L}\p{N}@./:-])(?:(${ADDRESS})|(${PHONE}))(?![\p{L}\p{N}])`, 'gu');

const PHONE_STYLE = 'unicode-bidi: isolate-override; white-space: nowrap';
const ADDRESS_STYLE = 'unicode-bidi: isolate; white-space: nowrap';

/** Worth isolating: a "+" number, or at least 6 digits in groups (a year or "20 30" is left to bidi). */
function isPhone(run: string): boolean {
  return run.startsWith('+') || (run.match(/\p{Nd}/gu) ?? []).length >= 6;
}

/** Sentence punctuation after an address ("… www.x.org/help.") belongs to the sentence. */
function splitTrailing(address: string): [string, string] {
  const m = /[.,;:!?)\]]+$/.exec(address);
  return m ? [address.slice(0, m.index), m[0]] : [address, ''];
}

function isolateText(text: string): string {
  return text.replace(RUN_RE, (whole: string, address: string | undefined, phone: string | undefined) => {
    if (address !== undefined) {
      const [run, rest] = splitTrailing(address);
      return `<bdi dir="ltr" style="${ADDRESS_STYLE}">${run}</bdi>${rest}`;
    }
    if (phone !== undefined && isPhone(phone)) return `<bdo dir="ltr" style="${PHONE_STYLE}">${phone}</bdo>`;
    return whole;
  });
}

interface Open {
  name: string;
  dir?: string;
  opaque: boolean;
}

/**
 * The body HTML with every phone number and address in right-to-left text isolated left to right.
 * Text under an element with `dir="ltr"` (or on a left-to-right page outside any `dir="rtl"`) and
 * the content of style, script and SVG elements are left as they are; tags are never touched.
 */
export function isolateLtrRuns(html: string, pageDir: 'ltr' | 'rtl'): string {
  if (pageDir === 'ltr' && !/\sdir\s*=\s*["']?(?:rtl|auto)/i.test(html)) return html;
  const stack: Open[] = [];
  return html.replace(/(<[^>]*>)|([^<]+)/g, (token, tag: string | undefined, text: string | undefined) => {
    if (tag !== undefined) {
      const m = /^<(\/?)([A-Za-z][\w-]*)/.exec(tag);
      if (!m) return token;
      const name = m[2]!.toLowerCase();
      if (m[1]) {
        const at = stack.map((o) => o.name).lastIndexOf(name);
        if (at >= 0) stack.length = at;
      } else if (!VOID.has(name) && !tag.endsWith('/>')) {
        const dir = /\sdir\s*=\s*["']?(ltr|rtl|auto)/i.exec(tag)?.[1]?.toLowerCase();
        stack.push({ name, dir, opaque: OPAQUE.has(name) });
      }
      return token;
    }
    if (stack.some((o) => o.opaque)) return token;
    const dir = [...stack].reverse().find((o) => o.dir)?.dir ?? pageDir;
    return dir === 'ltr' ? token : isolateText(text!);
  });
}
