import path from 'node:path';
import xliff, { type XliffJs, type XliffUnit } from 'xliff';
import type { Campaign } from '../campaign/load.js';
import { CampaignPressError } from '../errors.js';
import { pluralCategories, type LocaleTable } from '../i18n/table.js';
import { parseJsonStrict } from '../util/structured.js';
import { readTextInside } from '../util/files.js';
import { assertWellFormedXml } from './xliff-xml.js';
import { LABEL_SOURCE, unsafeKeySegment } from '../i18n/keys.js';
import { flatten, pluralGroups, pluralPart, unflatten, type Flat } from '../i18n/keys.js';
import { CodeWriter, type Code, decodeTarget, encodeLabel, labelCodes, labelTargetProblem, type XliffFormat } from './segments.js';
import { composeTranslation, type Doc, documentsFor, encodeMarkdown, markdownCodes } from './documents.js';
import { RAW_SYNTAX_RE } from '../i18n/keys.js';
import type { RuleCode } from '../consent/gate.js';
import { findDenied } from '../consent/denylist.js';
import { deniedHashes } from '../consent/inputs.js';
import { addStates, reviewOf, scanStates, stateFor } from './xliff-states.js';

export type { XliffFormat } from './segments.js';

/**
 * XLIFF exchange for translators' CAT tools (the `xliff` package, 1.2 and 2.0). One <file> per
 * namespace: `common` (template labels) and one per campaign; its `original` names the locale
 * file it was exported from, so a file retagged by a tool cannot land on another locale unnoticed.
 * Placeholders and nesting are inline codes. Plural forms are expanded for the target language's
 * categories. Unit order is the target file's own key order (then new keys), so an export
 * imported back writes the same JSON byte for byte.
 */

interface Namespace {
  name: string;
  source: Flat;
  sourceLocale: string;
  /** Context for translators. */
  note: string;
}

export function namespacesFor(root: string, campaigns: Campaign[], locale: string): Namespace[] {
  const common = flatten(
    parseJsonStrict(
      readTextInside(path.join(root, 'locales'), path.join(LABEL_SOURCE, 'common.json')).text,
      `locales/${LABEL_SOURCE}/common.json`,
    ).data,
  );
  const out: Namespace[] = [
    { name: 'common', source: common, sourceLocale: LABEL_SOURCE, note: 'Labels printed on posters, leaflets and cards' },
  ];
  for (const c of campaigns) {
    if (!c.data.locales.includes(locale) || c.data.source_locale === locale) continue;
    out.push({
      name: c.id,
      source: flatten(c.messages.get(c.data.source_locale) ?? {}),
      sourceLocale: c.data.source_locale,
      note: `Campaign "${c.data.title}"`,
    });
  }
  return out;
}

function readTarget(root: string, locale: string, ns: string): Flat {
  const file = path.join(locale, `${ns}.json`);
  try {
    return flatten(parseJsonStrict(readTextInside(path.join(root, 'locales'), file).text, `locales/${locale}/${ns}.json`).data);
  } catch (e) {
    if (e instanceof CampaignPressError && e.code !== 'path-not-found') throw e;
    return new Map();
  }
}

/** The keys a locale translates for a source namespace, in export order: the target's own order, then new keys. */
function unitKeys(ns: Namespace, target: Flat, cats: string[]): string[] {
  const srcPlurals = pluralGroups(ns.source);
  const order: string[] = [];
  const seen = new Set<string>();
  const push = (k: string) => {
    if (!seen.has(k)) {
      seen.add(k);
      order.push(k);
    }
  };
  const expand = (key: string) => {
    const pp = pluralPart(key);
    if (pp && srcPlurals.has(pp.base)) {
      for (const cat of cats) push(`${pp.base}_${cat}`);
    } else push(key);
  };
  for (const k of target.keys()) {
    const pp = pluralPart(k);
    if (ns.source.has(k) || (pp && srcPlurals.has(pp.base))) expand(k);
  }
  for (const k of ns.source.keys()) expand(k);
  return order;
}

/** The source text of a unit: a plural category the source language lacks is translated from `_other`. */
function sourceOf(ns: Namespace, key: string): { source: string; plural?: { base: string; category: string } } {
  const pp = pluralPart(key);
  const isPlural = !!pp && pluralGroups(ns.source).has(pp.base);
  const raw = ns.source.get(key) ?? (isPlural ? ns.source.get(`${pp.base}_other`) : '');
  return { source: String(raw ?? ''), plural: isPlural ? pp : undefined };
}

export function localeFileOf(locale: string, ns: string): string {
  return `locales/${locale}/${ns}.json`;
}

export async function exportXliff(
  root: string,
  table: LocaleTable,
  campaigns: Campaign[],
  locale: string,
  format: XliffFormat,
  asOf: string,
): Promise<{ xml: string; units: number; untranslated: number; documents: number; withheld: { testimony: string; rules: RuleCode[] }[] }> {
  if (!table.has(locale)) throw table.unknownLocale(locale, { field: '--locale' });
  const cats = pluralCategories(table, locale);
  const js: XliffJs = { resources: {}, sourceLanguage: LABEL_SOURCE, targetLanguage: locale };
  const w = new CodeWriter(format);
  const review = table.get(locale).status === 'machine-drafted' ? 'draft' : 'reviewed';
  const states: (string | undefined)[] = [];
  const originals: [string, string][] = [];
  let units = 0;
  let untranslated = 0;
  for (const ns of namespacesFor(root, campaigns, locale)) {
    const target = readTarget(root, locale, ns.name);
    const res: Record<string, XliffUnit> = {};
    for (const key of unitKeys(ns, target, cats)) {
      const { source, plural } = sourceOf(ns, key);
      const codes = labelCodes(source);
      const unit: XliffUnit = { source: encodeLabel(source, codes, w) };
      const t = target.get(key);
      if (typeof t === 'string' && t !== '') unit.target = encodeLabel(t, codes, w);
      else untranslated++;
      const notes = [ns.note];
      if (plural)
        notes.push(
          `Plural form "${plural.category}" of "${plural.base}" (${table.get(locale).english} uses: ${cats.join(', ')}). {{count}} is the number.`,
        );
      if (codes.size) notes.push('The grey tags are placeholders: keep each one, move it where the sentence needs it.');
      unit.note = notes.join(' ');
      res[key] = unit;
      units++;
    }
    js.resources[ns.name] = res;
    originals.push([ns.name, localeFileOf(locale, ns.name)]);
    for (const k of Object.keys(res)) states.push(res[k]!.target === undefined ? undefined : stateFor(review, format));
  }
  const { docs, withheld } = documentsFor(root, campaigns, locale, asOf);
  for (const doc of docs) {
    const res: Record<string, XliffUnit> = {};
    const docReview = doc.existing?.status === 'reviewed' && !doc.existing.stale ? 'reviewed' : 'draft';
    for (const u of doc.units) {
      const codes = markdownCodes(u.text);
      const unit: XliffUnit = { source: encodeMarkdown(u.text, codes, w), note: u.note };
      const t = doc.existing?.fields.get(u.id);
      if (t) unit.target = encodeMarkdown(t, codes, w);
      else untranslated++;
      res[u.id] = unit;
      units++;
    }
    js.resources[doc.key] = res;
    originals.push([doc.key, doc.file]);
    for (const k of Object.keys(res)) states.push(res[k]!.target === undefined ? undefined : stateFor(docReview, format));
  }
  let xml = format === 'xliff12' ? await xliff.jsToXliff12(js) : await xliff.js2xliff(js);
  xml = addStates(w.splice(xml), states, format);
  xml = addOriginals(xml, originals, format);
  return { xml: xml.endsWith('\n') ? xml : `${xml}\n`, units, untranslated, documents: docs.length, withheld };
}

function escAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** Each <file> names the project file it stands for (1.2 `original` replaces the bare namespace; 2.0 adds it). */
function addOriginals(xml: string, originals: [string, string][], format: XliffFormat): string {
  let out = xml;
  for (const [ns, original] of originals) {
    out =
      format === 'xliff12'
        ? out.replace(`<file original="${escAttr(ns)}"`, `<file original="${escAttr(original)}"`)
        : out.replace(`<file id="${escAttr(ns)}">`, `<file id="${escAttr(ns)}" original="${escAttr(original)}">`);
  }
  return out;
}

export interface ImportedNamespace {
  locale: string;
  /** The label namespace, or the document's XLIFF file key. */
  namespace: string;
  /** The new text of the file. */
  content: string;
  file: string;
  units: number;
  translated: number;
  /** Units left out on purpose: no target, or a state that says it is not a translation. */
  skipped: number;
}

export interface RefusedUnit {
  namespace: string;
  unit: string;
  rule: string;
  reason: string;
}

export interface ImportResult {
  /** The project locale the file was written into. */
  locale: string;
  /** The file's own target language, as the CAT tool wrote it. */
  tag: string;
  namespaces: ImportedNamespace[];
  refused: RefusedUnit[];
}

/** The locale and namespace (or document key) a file's `original` names. */
function parseOriginal(original: string | undefined): { locale: string; ns: string } | undefined {
  if (!original) return undefined;
  let m = /^locales\/([A-Za-z0-9-]+)\/([a-z0-9-]+)\.json$/.exec(original);
  if (m) return { locale: m[1]!, ns: m[2]! };
  m = /^campaigns\/([a-z0-9-]+)\/campaign\.([A-Za-z0-9-]+)\.md$/.exec(original);
  if (m) return { locale: m[2]!, ns: `${m[1]}.description` };
  m = /^campaigns\/([a-z0-9-]+)\/testimonies\/([a-z0-9-]+)\.([A-Za-z0-9-]+)\.md$/.exec(original);
  if (m) return { locale: m[3]!, ns: `${m[1]}.testimony.${m[2]}` };
  return undefined;
}

async function readXliff(xml: string, file: string): Promise<{ js: XliffJs; version2: boolean }> {
  const version2 = /<xliff[^>]*version=["']2\./.test(xml);
  const version12 = /<xliff[^>]*version=["']1\.2/.test(xml);
  if (!version2 && !version12)
    throw new CampaignPressError(
      'schema-invalid',
      'not an XLIFF 1.2 or 2.0 file',
      { file },
      'Export again with `campaign-press locales export`, and save from your CAT tool as XLIFF 1.2 or 2.0.',
    );
  assertWellFormedXml(xml, file);
  let js: XliffJs;
  try {
    js = version2 ? await xliff.xliff2js(xml) : await xliff.xliff12ToJs(xml);
  } catch (e) {
    throw new CampaignPressError('schema-invalid', `cannot read the XLIFF: ${(e as Error).message}`, { file });
  }
  for (const [key, units] of Object.entries(js.resources)) js.resources[key] = flattenGroups(units, file, key);
  return { js, version2 };
}

/**
 * CAT tools nest units in <group> elements (sections, plural sets, whatever the tool likes): the
 * units count, the groups do not. The result has no prototype, so a unit id `__proto__` stays a
 * key and is refused like any unsafe id instead of vanishing into the object's prototype.
 */
function flattenGroups(
  units: Record<string, unknown>,
  file: string,
  ns: string,
  out: Record<string, XliffUnit> = Object.create(null),
): Record<string, XliffUnit> {
  for (const [id, unit] of Object.entries(units)) {
    const group = (unit as { groupUnits?: unknown } | null)?.groupUnits;
    if (group && typeof group === 'object') {
      flattenGroups(group as Record<string, unknown>, file, ns, out);
      continue;
    }
    if (Object.hasOwn(out, id))
      throw new CampaignPressError(
        'schema-invalid',
        `unit id "${id}" appears twice in "${ns}"`,
        { file, field: id },
        'Each unit id is one key; save the file from the CAT tool again without duplicated units.',
      );
    out[id] = unit as XliffUnit;
  }
  return out;
}

/**
 * The project locale a file is imported into. The file's target language goes through the
 * table's language tags (fa-AF is Dari, prs). A file exported for one locale and retagged as
 * another (a Dari file saved as `fa`) is refused unless `--as` says which locale it is.
 */
function targetLocale(table: LocaleTable, tag: string, exportedFor: Set<string>, as: string | undefined, file: string): string {
  if (as !== undefined) {
    if (!table.has(as)) throw table.unknownLocale(as, { field: '--as' });
    return as;
  }
  if (!tag)
    throw new CampaignPressError(
      'locale-unknown',
      'the file has no target language',
      { file, field: 'trgLang' },
      'Give it with --as <locale>.',
    );
  const locale = table.resolveTag(tag);
  if (!locale || table.get(locale).status === 'pseudo') throw table.unknownLocale(tag, { file, field: 'trgLang' }, 'target language');
  const other = [...exportedFor].find((l) => l !== locale);
  if (other)
    throw new CampaignPressError(
      'locale-mismatch',
      `the file was exported for ${other} (${table.has(other) ? table.get(other).english : 'unknown'}), but its target language "${tag}" is ${locale} (${table.get(locale).english}); importing it would overwrite ${locale}`,
      { file, field: 'trgLang' },
      `If the translation is ${other}, import with --as ${other}; if it really is ${locale}, use --as ${locale}.`,
    );
  return locale;
}

/**
 * Parse an XLIFF file (1.2 or 2.0) into the JSON files it stands for, merged into the locale's
 * current files. Writes nothing. File-level problems throw; a unit that cannot be imported is
 * refused on its own (returned with its id and reason) and the current text is kept.
 */
export async function importXliff(
  root: string,
  table: LocaleTable,
  campaigns: Campaign[],
  xml: string,
  file: string,
  opts: { as?: string; asOf: string },
): Promise<ImportResult> {
  const { js, version2 } = await readXliff(xml, file);
  const scanned = scanStates(xml, version2);
  const files = new Map(scanned.map((f) => [f.key, f]));
  const exportedFor = new Set<string>();
  const nsOf = new Map<string, string>();
  for (const key of Object.keys(js.resources)) {
    const orig = parseOriginal(version2 ? files.get(key)?.original : key);
    if (orig) exportedFor.add(orig.locale);
    nsOf.set(key, orig?.ns ?? key);
  }
  const tag = js.targetLanguage ?? '';
  const locale = targetLocale(table, tag, exportedFor, opts.as, file);
  const cats = pluralCategories(table, locale);
  const reviewedLocale = table.get(locale).status !== 'machine-drafted';
  const spaces = new Map(namespacesFor(root, campaigns, locale).map((n) => [n.name, n]));
  const { docs, withheld } = documentsFor(root, campaigns, locale, opts.asOf);
  const docMap = new Map(docs.map((d) => [d.key, d]));
  const refused: RefusedUnit[] = [];
  const namespaces: ImportedNamespace[] = [];
  for (const [key, units] of Object.entries(js.resources)) {
    const nsName = nsOf.get(key)!;
    const doc = docMap.get(nsName);
    if (doc) {
      const d = importDocument(root, doc, units, files.get(key)?.units, locale, refused);
      if (d) namespaces.push(d);
      continue;
    }
    const held = withheld.find(
      (h) => nsName.endsWith(`.testimony.${h.testimony}`) && campaigns.some((c) => nsName === `${c.id}.testimony.${h.testimony}`),
    );
    if (held) {
      // Consent changed since the export: nothing of this testimony is written.
      for (const id of Object.keys(units))
        refused.push({
          namespace: nsName,
          unit: id,
          rule: 'consent-refused',
          reason: `the consent does not allow this translation (${held.rules.join(', ')})`,
        });
      continue;
    }
    const ns = spaces.get(nsName);
    if (!ns)
      throw new CampaignPressError(
        'schema-invalid',
        `unknown namespace (file) "${key}" for ${locale}`,
        { file, field: key },
        `Namespaces are common and the ids of campaigns that list ${locale}.`,
      );
    const scannedUnits = files.get(key)?.units;
    const current = readTarget(root, locale, nsName);
    const required = new Set(unitKeys(ns, current, cats));
    const merged: Flat = new Map(current);
    let translated = 0;
    let skipped = 0;
    for (const [id, unit] of Object.entries(units)) {
      const refuse = (rule: string, reason: string) => refused.push({ namespace: nsName, unit: id, rule, reason });
      const bad = unsafeKeySegment(id);
      if (bad) {
        refuse('key-unsafe', `the unit id uses "${bad}", which is not allowed in a key`);
        continue;
      }
      if (!required.has(id)) {
        refuse('key-unknown', `"${id}" is not a key of the source (${ns.sourceLocale}) for ${locale}`);
        continue;
      }
      const st = scannedUnits?.get(id);
      const review = reviewOf(st?.state, st?.approved ?? unit.additionalAttributes?.approved === 'yes');
      if (review === 'skip' || unit.target === undefined || unit.target === '') {
        skipped++;
        continue;
      }
      const { source, plural } = sourceOf(ns, id);
      const codes = labelCodes(source);
      let text: string;
      try {
        const d = decodeTarget(unit.target, codes);
        text = d.text;
        const problem = labelTargetProblem(source, codes, text, d.used, !!plural && plural.category !== 'other');
        if (problem) {
          refuse('placeholder-mismatch', problem);
          continue;
        }
      } catch (e) {
        refuse('inline-code', (e as Error).message);
        continue;
      }
      if (text.trim() === '') {
        skipped++;
        continue;
      }
      const before = current.get(id);
      if (reviewedLocale && review === 'draft' && typeof before === 'string' && before !== '' && before !== text) {
        refuse(
          'reviewed-kept',
          `would replace a reviewed string with a draft (state "${st?.state ?? 'none'}"); mark it final or signed-off once reviewed`,
        );
        continue;
      }
      merged.set(id, text);
      translated++;
    }
    const json = `${JSON.stringify(unflatten([...merged].map(([k, v]) => [k, v as string])), null, 2)}\n`;
    namespaces.push({
      locale,
      namespace: nsName,
      content: json,
      file: path.join(root, localeFileOf(locale, nsName)),
      units: Object.keys(units).length,
      translated,
      skipped,
    });
  }
  return { locale, tag, namespaces, refused };
}

/** The source text the file carries for a unit, read with the current source's codes; undefined when it does not read. */
function fileSource(value: XliffUnit['source'], codes: Map<string, Code>): string | undefined {
  try {
    return decodeTarget(value, codes).text;
  } catch {
    return undefined;
  }
}

/**
 * One translated document: every unit checked like a label, then the file rebuilt on the
 * source's paragraph structure. A document is written whole or not at all (half a testimony in
 * another language is not a translation), and only from units exported from the current source.
 */
function importDocument(
  root: string,
  doc: Doc,
  units: Record<string, XliffUnit>,
  scanned: Map<string, { state?: string; approved: boolean }> | undefined,
  locale: string,
  refused: RefusedUnit[],
): ImportedNamespace | undefined {
  const fresh = doc.existing && !doc.existing.stale ? doc.existing : undefined;
  const values = new Map(fresh?.fields ?? []);
  // The pseudonym translates no source text, so a stale file's spelling of it stays.
  const kept = doc.existing?.fields.get('display_name');
  if (!fresh && kept !== undefined) values.set('display_name', kept);
  const reviewed = new Map([...values.keys()].map((k) => [k, doc.existing?.status === 'reviewed' && (!!fresh || k === 'display_name')]));
  const denied = deniedHashes(doc.campaign);
  const byId = new Map(doc.units.map((u) => [u.id, u]));
  let translated = 0;
  let skipped = 0;
  let refusedHere = 0;
  const staleUnchanged: string[] = [];
  for (const [id, unit] of Object.entries(units)) {
    const refuse = (rule: string, reason: string) => {
      refused.push({ namespace: doc.key, unit: id, rule, reason });
      refusedHere++;
    };
    const src = byId.get(id);
    if (!src) {
      refuse('key-unknown', `is not a paragraph or field of ${doc.file}'s source`);
      continue;
    }
    const st = scanned?.get(id);
    const review = reviewOf(st?.state, st?.approved ?? unit.additionalAttributes?.approved === 'yes');
    if (review === 'skip' || unit.target === undefined || unit.target === '') {
      skipped++;
      continue;
    }
    const codes = markdownCodes(src.text);
    if (fileSource(unit.source, codes) !== src.text) {
      refuse('source-changed', 'was translated from a source text that has changed since the export; export again');
      continue;
    }
    let text: string;
    try {
      const d = decodeTarget(unit.target, codes);
      text = d.text.trim();
      const missing = [...codes.keys()].find((c) => !d.used.has(c));
      if (missing) {
        const c = codes.get(missing)!;
        refuse('inline-code', `drops the inline code ${missing} (${c.kind === 'pc' ? `${c.open}…${c.close}` : c.text})`);
        continue;
      }
    } catch (e) {
      refuse('inline-code', (e as Error).message);
      continue;
    }
    if (RAW_SYNTAX_RE.test(text)) {
      refuse('placeholder-mismatch', 'has "{{", "}}" or "$t(", which would be printed as it is');
      continue;
    }
    if (text === '' || /[\r\n]/.test(text)) {
      refuse('segment-invalid', text === '' ? 'is empty' : 'has a line break; a paragraph is one unit');
      continue;
    }
    if (findDenied(text, denied)) {
      // Caught here, before the file is written; the build would refuse the testimony (exit 3).
      refuse('denylist', 'holds a term on the deny-list (not shown): write the pseudonym, never the real name or place');
      continue;
    }
    if (fresh?.status === 'reviewed' && review === 'draft' && values.get(id) !== undefined && values.get(id) !== text) {
      refuse(
        'reviewed-kept',
        `would replace reviewed text with a draft (state "${st?.state ?? 'none'}"); mark it final or signed-off once reviewed`,
      );
      continue;
    }
    if (doc.existing?.stale && review === 'draft' && text === doc.existing.fields.get(id)) {
      // The old translation came back as it was exported: it translates a source that has changed.
      staleUnchanged.push(id);
      continue;
    }
    if (values.get(id) !== text || reviewed.get(id) !== (review === 'reviewed')) translated++;
    values.set(id, text);
    reviewed.set(id, review === 'reviewed');
  }
  if (!translated) return undefined;
  for (const id of staleUnchanged)
    refused.push({
      namespace: doc.key,
      unit: id,
      rule: 'stale-unreviewed',
      reason: 'is unchanged from a translation of an older source: review it against the new source and mark it final or signed-off',
    });
  const missing = doc.units.filter((u) => !u.optional && !values.has(u.id) && !staleUnchanged.includes(u.id));
  if (staleUnchanged.length) refusedHere++;
  if (missing.length || refusedHere) {
    for (const u of missing)
      refused.push({
        namespace: doc.key,
        unit: u.id,
        rule: 'document-incomplete',
        reason: `has no translation, so ${doc.file} is not written`,
      });
    if (!missing.length)
      refused.push({
        namespace: doc.key,
        unit: '*',
        rule: 'document-incomplete',
        reason: `a unit was refused, so ${doc.file} is not written`,
      });
    return undefined;
  }
  const status = doc.units.every((u) => (u.optional && !values.has(u.id)) || reviewed.get(u.id)) ? 'reviewed' : 'draft';
  return {
    locale,
    namespace: doc.key,
    content: composeTranslation(doc, values, status),
    file: path.join(root, doc.file),
    units: Object.keys(units).length,
    translated,
    skipped,
  };
}
