import type { XliffFormat } from './segments.js';

/**
 * Workflow states, which the xliff package neither writes nor reads (XLIFF 1.2 keeps them on
 * <target state>, 2.0 on <segment state>): added to the serialized file on export, and read from
 * the raw XML on import.
 */

export type Review = 'draft' | 'reviewed';

/** 1.2 states that say a target is not a translation (a copied source, an empty shell). */
const NOT_TRANSLATED = new Set(['needs-translation', 'new']);
const REVIEWED = new Set(['final', 'signed-off', 'reviewed']);

export function stateFor(review: Review, format: XliffFormat): string {
  if (review === 'reviewed') return 'final';
  return format === 'xliff12' ? 'needs-review-translation' : 'initial';
}

/** What an imported target's state means: skip it, or import it as draft or reviewed. */
export function reviewOf(state: string | undefined, approved: boolean): Review | 'skip' {
  if (state && NOT_TRANSLATED.has(state)) return 'skip';
  if (approved || (state && REVIEWED.has(state))) return 'reviewed';
  return 'draft';
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    return String.fromCodePoint(l.startsWith('#x') ? Number.parseInt(l.slice(2), 16) : Number(l.slice(1)));
  });
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return m ? unescapeXml(m[1] ?? m[2] ?? '') : undefined;
}

export interface ScannedFile {
  /** The namespace the xliff package keys this file by (1.2 original, 2.0 id). */
  key: string;
  original?: string;
  units: Map<string, { state?: string; approved: boolean }>;
}

/** Comments and CDATA removed, so a commented-out unit cannot lend its state to a real one. */
function stripOpaque(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
}

/** Files, units and their states as written in the raw XML. */
export function scanStates(xml: string, version2: boolean): ScannedFile[] {
  const files: ScannedFile[] = [];
  const text = stripOpaque(xml);
  for (const f of text.matchAll(/<file\b([^>]*)>([\s\S]*?)<\/file>/g)) {
    const head = f[1]!;
    const original = attr(head, 'original');
    const key = (version2 ? attr(head, 'id') : original) ?? '';
    const units = new Map<string, { state?: string; approved: boolean }>();
    const unitRe = version2 ? /<unit\b([^>]*)>([\s\S]*?)<\/unit>/g : /<trans-unit\b([^>]*)>([\s\S]*?)<\/trans-unit>/g;
    for (const u of f[2]!.matchAll(unitRe)) {
      const id = attr(u[1]!, 'id');
      if (id === undefined) continue;
      const holder = version2 ? /<segment\b([^>]*)>/.exec(u[2]!) : /<target\b([^>]*)>/.exec(u[2]!);
      units.set(id, { state: holder ? attr(holder[1]!, 'state') : undefined, approved: attr(u[1]!, 'approved') === 'yes' });
    }
    files.push({ key, original, units });
  }
  return files;
}

/**
 * Adds states to a file the xliff package wrote, unit by unit in the order it wrote them.
 * `states[i]` is for the i-th unit; undefined leaves it without one (no target).
 */
export function addStates(xml: string, states: (string | undefined)[], format: XliffFormat): string {
  const opener = format === 'xliff12' ? '<trans-unit ' : '<unit ';
  const parts = xml.split(opener);
  if (parts.length - 1 !== states.length) throw new Error(`XLIFF writer: ${parts.length - 1} units written for ${states.length} states`);
  for (let i = 1; i < parts.length; i++) {
    const st = states[i - 1];
    if (!st) continue;
    parts[i] =
      format === 'xliff12'
        ? parts[i]!.replace('<target>', `<target state="${st}">`)
        : parts[i]!.replace('<segment>', `<segment state="${st}">`);
  }
  return parts.join(opener);
}
