import path from 'node:path';
import xliff, { type XliffJs, type XliffUnit } from 'xliff';
import type { Campaign } from '../campaign/load.js';
import { CampaignPressError } from '../errors.js';
import { pluralCategories, type LocaleTable } from '../i18n/table.js';
import { parseJsonStrict } from '../util/structured.js';
import { isDirInside, listInside, readTextInside } from '../util/files.js';
import { LABEL_SOURCE } from '../i18n/keys.js';
import { flatten, pluralGroups, pluralPart, unflatten, type Flat } from '../i18n/keys.js';

/**
 * XLIFF exchange for translators' CAT tools (the `xliff` package, 1.2 and 2.0). One <file> per
 * namespace: `common` (template labels) and one per campaign. Plural forms are expanded for the
 * target language's categories. Unit order is the target file's own key order (then new keys),
 * so an export imported back writes the same JSON byte for byte.
 */

export type XliffFormat = 'xliff12' | 'xliff2';

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

export async function exportXliff(
  root: string,
  table: LocaleTable,
  campaigns: Campaign[],
  locale: string,
  format: XliffFormat,
): Promise<{ xml: string; units: number; untranslated: number }> {
  if (!table.has(locale)) throw new CampaignPressError('locale-unknown', `unknown locale "${locale}"`, { field: '--locale' });
  const cats = pluralCategories(table, locale);
  const js: XliffJs = { resources: {}, sourceLanguage: LABEL_SOURCE, targetLanguage: locale };
  let units = 0;
  let untranslated = 0;
  for (const ns of namespacesFor(root, campaigns, locale)) {
    const target = readTarget(root, locale, ns.name);
    const srcPlurals = pluralGroups(ns.source);
    // Keys in target order first (so an import rebuilds the file as it was), then new ones.
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
    const res: Record<string, XliffUnit> = {};
    for (const key of order) {
      const pp = pluralPart(key);
      const isPlural = pp && srcPlurals.has(pp.base);
      const source = String(ns.source.get(key) ?? (isPlural ? ns.source.get(`${pp.base}_other`) : '') ?? '');
      const unit: XliffUnit = { source };
      const t = target.get(key);
      if (typeof t === 'string' && t !== '') unit.target = t;
      else untranslated++;
      const notes = [ns.note];
      if (isPlural)
        notes.push(
          `Plural form "${pp.category}" of "${pp.base}" (${table.get(locale).english} uses: ${cats.join(', ')}). {{count}} is the number.`,
        );
      const ph = [...source.matchAll(/\{\{\s*-?\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
      if (ph.length && !isPlural) notes.push(`Keep the placeholders as they are: ${[...new Set(ph)].map((p) => `{{${p}}}`).join(' ')}`);
      unit.note = notes.join(' ');
      res[key] = unit;
      units++;
    }
    js.resources[ns.name] = res;
  }
  const xml = format === 'xliff12' ? await xliff.jsToXliff12(js) : await xliff.js2xliff(js);
  return { xml: xml.endsWith('\n') ? xml : `${xml}\n`, units, untranslated };
}

export interface ImportedNamespace {
  locale: string;
  namespace: string;
  json: string;
  file: string;
  units: number;
  translated: number;
}

/** Parse an XLIFF file (1.2 or 2.0) into the JSON files it stands for. Writes nothing. */
export async function importXliff(root: string, table: LocaleTable, xml: string, file: string): Promise<ImportedNamespace[]> {
  const version2 = /<xliff[^>]*version=["']2\./.test(xml);
  const version12 = /<xliff[^>]*version=["']1\.2/.test(xml);
  if (!version2 && !version12)
    throw new CampaignPressError(
      'schema-invalid',
      'not an XLIFF 1.2 or 2.0 file',
      { file },
      'Export again with `campaign-press locales export`, and save from your CAT tool as XLIFF.',
    );
  let js: XliffJs;
  try {
    js = version2 ? await xliff.xliff2js(xml) : await xliff.xliff12ToJs(xml);
  } catch (e) {
    throw new CampaignPressError('schema-invalid', `cannot read the XLIFF: ${(e as Error).message}`, { file });
  }
  const locale = js.targetLanguage ?? '';
  if (!table.has(locale))
    throw new CampaignPressError(
      'locale-unknown',
      `target language "${locale}" is not in locales/locales.json`,
      { file, field: 'trgLang' },
      'Set the target language to a bare code from locales.json (for example ckb).',
    );
  const out: ImportedNamespace[] = [];
  const campaigns = path.join(root, 'campaigns');
  const known = new Set([
    'common',
    ...listInside(campaigns, '.')
      .map((e) => e.name)
      .filter((n) => isDirInside(campaigns, n)),
  ]);
  for (const [ns, units] of Object.entries(js.resources)) {
    if (!/^[a-z0-9-]+$/.test(ns) || !known.has(ns))
      throw new CampaignPressError(
        'schema-invalid',
        `unknown namespace (file id) "${ns}"`,
        { file, field: ns },
        'Namespaces are common and campaign ids.',
      );
    const entries: [string, string][] = [];
    let translated = 0;
    for (const [key, unit] of Object.entries(units)) {
      const target = typeof unit.target === 'string' ? unit.target : Array.isArray(unit.target) ? undefined : undefined;
      if (Array.isArray(unit.target))
        throw new CampaignPressError(
          'schema-invalid',
          `unit "${key}" has inline markup the JSON cannot hold`,
          { file, field: `${ns}:${key}` },
          'Keep {{placeholders}} as plain text in your CAT tool.',
        );
      if (target === undefined || target === '') continue;
      entries.push([key, target]);
      translated++;
    }
    const json = `${JSON.stringify(unflatten(entries), null, 2)}\n`;
    out.push({
      locale,
      namespace: ns,
      json,
      file: path.join(root, 'locales', locale, `${ns}.json`),
      units: Object.keys(units).length,
      translated,
    });
  }
  return out;
}
