import type { LocaleTable } from '../i18n/table.js';
import { pluralCategories } from '../i18n/table.js';
import type { LocaleProject } from './check.js';
import { LABEL_SOURCE } from '../i18n/keys.js';
import { flatten, pluralGroups, pluralPart, type Flat } from '../i18n/keys.js';
import path from 'node:path';
import { CampaignPressError } from '../errors.js';
import { displayPath, readTextInside } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';

/** Coverage per locale and namespace: translated, reviewed, draft, missing and stale (the `locales status` command). */

export interface StatusRow {
  locale: string;
  language: string;
  locale_status: string;
  namespace: string;
  total: number;
  translated: number;
  missing: number;
  stale: number;
  draft: number;
  /** Translated, reviewed and not stale: label files of a locale that is not machine-drafted, documents with status reviewed. */
  reviewed: number;
  coverage: number;
}

/** A locale file's keys; undefined when the file does not exist (nothing translated yet). A file
 * that exists but does not parse is an error, never "0 translated". */
function readFlat(file: string): Flat | undefined {
  let text: string;
  try {
    text = readTextInside(path.dirname(path.dirname(file)), file).text;
  } catch (e) {
    if (e instanceof CampaignPressError && e.code === 'path-not-found') return undefined;
    throw e;
  }
  return flatten(parseJsonStrict(text, displayPath(file)).data);
}

/** Units a locale must translate for a source namespace (plurals counted per needed category). */
function required(source: Flat, table: LocaleTable, locale: string): string[] {
  const plurals = pluralGroups(source);
  const cats = pluralCategories(table, locale);
  const keys: string[] = [];
  const done = new Set<string>();
  for (const key of source.keys()) {
    const pp = pluralPart(key);
    if (pp && plurals.has(pp.base)) {
      if (!done.has(pp.base)) for (const c of cats) keys.push(`${pp.base}_${c}`);
      done.add(pp.base);
    } else keys.push(key);
  }
  return keys;
}

export function localeStatus(project: LocaleProject): StatusRow[] {
  const { root, table, campaigns } = project;
  const rows: StatusRow[] = [];
  const common = readFlat(path.join(root, 'locales', LABEL_SOURCE, 'common.json')) ?? new Map();
  for (const entry of table.entries.values()) {
    if (entry.status === 'pseudo') continue;
    const code = entry.code;
    const base = { locale: code, language: entry.english, locale_status: entry.status };
    const count = (source: Flat, target: Flat | undefined) => {
      const req = required(source, table, code);
      const translated = req.filter((k) => typeof target?.get(k) === 'string' && target.get(k) !== '').length;
      return { total: req.length, translated, missing: req.length - translated };
    };
    const c = count(common, code === LABEL_SOURCE ? common : readFlat(path.join(root, 'locales', code, 'common.json')));
    rows.push({
      ...base,
      namespace: 'common',
      ...c,
      stale: 0,
      draft: entry.status === 'machine-drafted' ? c.translated : 0,
      reviewed: entry.status === 'machine-drafted' ? 0 : c.translated,
      coverage: c.total ? c.translated / c.total : 1,
    });
    for (const camp of campaigns) {
      if (!camp.data.locales.includes(code)) continue;
      const source = flatten(camp.messages.get(camp.data.source_locale) ?? {});
      const isSource = code === camp.data.source_locale;
      const m = count(source, isSource ? source : readFlat(path.join(root, 'locales', code, `${camp.id}.json`)));
      // Markdown translations: the description and each testimony.
      let total = m.total;
      let translated = m.translated;
      let stale = 0;
      let draft = entry.status === 'machine-drafted' ? m.translated : 0;
      let reviewed = m.translated - draft;
      if (!isSource) {
        const docs = [camp.bodies.get(code), ...camp.testimonies.map((t) => t.translations.get(code))];
        total += docs.length;
        for (const d of docs) {
          if (!d) continue;
          translated++;
          if (d.stale) stale++;
          if (d.status === 'draft') draft++;
          else if (!d.stale) reviewed++;
        }
      }
      rows.push({
        ...base,
        namespace: camp.id,
        total,
        translated,
        missing: total - translated,
        stale,
        draft,
        reviewed,
        coverage: total ? translated / total : 1,
      });
    }
  }
  return rows;
}
