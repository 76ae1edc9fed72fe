import { CampaignPressError } from '../errors.js';

/** Flat views of i18next JSON (nested objects <-> dotted keys) and plural groups. */

export type Flat = Map<string, unknown>;

/** Dotted keys in document order; non-string leaves are kept so they can be reported. */
export function flatten(obj: unknown, prefix = '', out: Flat = new Map()): Flat {
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
      else out.set(key, v);
    }
  }
  return out;
}

/** Key segments that would reach an object's prototype if used as property names. */
const UNSAFE_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** The first segment of a dotted key that may not be a property name, if any. */
export function unsafeKeySegment(key: string): string | undefined {
  return key.split('.').find((p) => UNSAFE_SEGMENTS.has(p));
}

/**
 * Rebuild nested JSON from dotted keys, in the order given. Keys come from translators' files
 * (XLIFF unit ids), so the objects have no prototype and a `__proto__`, `prototype` or
 * `constructor` segment is refused: `__proto__.polluted` must not reach Object.prototype.
 */
export function unflatten(entries: Iterable<[string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  for (const [key, value] of entries) {
    const bad = unsafeKeySegment(key);
    if (bad) throw new CampaignPressError('key-unsafe', `the key "${key}" uses "${bad}", which is not allowed in a key`, { field: key });
    const parts = key.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      if (typeof node[p] !== 'object' || node[p] === null) node[p] = Object.create(null);
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

/** `stories_one` -> { base: 'stories', category: 'one' }. */
export function pluralPart(key: string): { base: string; category: string } | undefined {
  const m = /^(.*)_(zero|one|two|few|many|other)$/.exec(key);
  return m ? { base: m[1]!, category: m[2]! } : undefined;
}

/** Plural bases of a flat map: base -> categories present. */
export function pluralGroups(flat: Flat): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const key of flat.keys()) {
    const p = pluralPart(key);
    if (!p) continue;
    if (!groups.has(p.base)) groups.set(p.base, new Set());
    groups.get(p.base)!.add(p.category);
  }
  // A base counts as plural only when it has an _other form (i18next's rule).
  for (const [base, cats] of groups) if (!cats.has('other')) groups.delete(base);
  return groups;
}

/**
 * Any `{{…}}` is a placeholder, whatever letters it holds: a translator who writes `{{تعداد}}`
 * ("count" in Dari) has renamed one, and that must be an error, never ink on a leaflet.
 */
export const PLACEHOLDER_RE = /\{\{\s*(-?)\s*([^{}\s,][^{},]*?)\s*(?:,[^{}]*)?\}\}/g;
/** A name the build can fill: the source texts only use these. */
export const PLACEHOLDER_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Template or i18next syntax that must never reach a printed page. */
export const RAW_SYNTAX_RE = /\{\{|\}\}|\$t\(/;
export const NESTING_RE = /\$t\(\s*([A-Za-z0-9_.:-]+)\s*\)/g;
export const MARKUP_RE = /<\/?([A-Za-z][A-Za-z0-9]*)\b[^>]*>/g;

export function placeholders(s: string): string[] {
  return [...s.matchAll(PLACEHOLDER_RE)].map((m) => m[2]!).sort();
}
export function nestings(s: string): string[] {
  return [...s.matchAll(NESTING_RE)].map((m) => m[1]!).sort();
}
export function markup(s: string): string[] {
  return [...s.matchAll(MARKUP_RE)].map((m) => m[0].replace(/\s+[^>]*/, '').toLowerCase()).sort();
}

/** The locale whose template labels (locales/<LABEL_SOURCE>/common.json) are the source for translators. */
export const LABEL_SOURCE = 'en';

/** Label keys the code (not a template literal) asks for: `locales check` counts them as used. */
export const CODE_KEYS = ['content_warning.loss_of_life', 'content_warning.violence'];
