import path from 'node:path';
import Handlebars from 'handlebars';
import i18next from 'i18next';
import { loadCampaign, type Campaign } from '../campaign/load.js';
import { CODE_KEYS, LABEL_SOURCE } from '../i18n/keys.js';
import { CampaignPressError, ValidationErrors } from '../errors.js';
import { codePoint, LATIN_FALLBACK, missingGlyphs } from '../fonts/fonts.js';
import { pluralCategories, type LocaleEntry, type LocaleTable } from '../i18n/table.js';
import { listTemplates } from '../templates/engine.js';
import { displayPath, isDirInside, listInside, readTextInside } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';
import { flatten, markup, nestings, placeholders, pluralGroups, pluralPart, type Flat } from '../i18n/keys.js';

/**
 * Translator checks (the `locales check` command): every locale file against its source, with
 * the same plural rules the build uses and the fonts the build bundles. Reports, never throws.
 */

export type Severity = 'error' | 'warning';
export interface Finding {
  locale: string;
  file: string;
  key: string;
  rule: string;
  severity: Severity;
  message: string;
  line?: number;
}

/** The language template labels (common.json) are written in. */
const ARABIC_VARIANT_LOCALES = new Set(['fa', 'prs', 'ckb', 'ur']);

export interface LocaleProject {
  root: string;
  table: LocaleTable;
  campaigns: Campaign[];
  /** Keys templates use: `common` labels and `campaign:` messages, with where they are used. */
  templateKeys: { key: string; file: string }[];
}

/** Sub-folders of a folder, sorted; none when it does not exist. */
function subfolders(dir: string): string[] {
  return listInside(dir, '.')
    .map((e) => e.name)
    .filter((n) => isDirInside(dir, n));
}

function codeRewritten(code: string): string | undefined {
  const i18n = i18next.createInstance();
  void i18n.init({ initAsync: false, resources: {}, lng: 'en' });
  const formatted = i18n.services.languageUtils.formatLanguageCode(code);
  return formatted !== code ? formatted : undefined;
}

/** Keys a template asks for with {{t "…"}} (string literals only). */
export function templateKeysOf(file: string): string[] {
  const ast = Handlebars.parse(readTextInside(path.dirname(path.dirname(file)), file).text);
  const keys: string[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; path?: { original?: string }; params?: { type: string; value?: unknown }[] };
    if ((n.type === 'MustacheStatement' || n.type === 'SubExpression') && n.path?.original === 't') {
      const p = n.params?.[0];
      if (p?.type === 'StringLiteral' && typeof p.value === 'string') keys.push(p.value);
    }
    for (const v of Object.values(node)) {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object' && 'type' in v) visit(v);
    }
  };
  visit(ast);
  return keys;
}

export function loadLocaleProject(root: string, table: LocaleTable): { project: LocaleProject; findings: Finding[] } {
  const findings: Finding[] = [];
  const campaigns: Campaign[] = [];
  const cdir = path.join(root, 'campaigns');
  for (const n of subfolders(cdir)) {
    try {
      campaigns.push(loadCampaign(path.join(cdir, n), table, path.join(root, 'locales')));
    } catch (e) {
      const errs = e instanceof ValidationErrors ? e.errors : e instanceof CampaignPressError ? [e] : undefined;
      if (!errs) throw e;
      for (const x of errs)
        findings.push({
          locale: '-',
          file: x.location.file ?? n,
          key: x.location.field ?? '',
          rule: 'campaign-invalid',
          severity: 'error',
          message: x.message,
          line: x.location.line,
        });
    }
  }
  const templateKeys: { key: string; file: string }[] = [];
  const tdir = path.join(root, 'templates');
  for (const t of listTemplates(tdir)) {
    const f = path.join(tdir, t, 'template.hbs');
    try {
      for (const key of templateKeysOf(f)) templateKeys.push({ key, file: displayPath(f) });
    } catch {
      // A template that does not parse is reported by build/check, not here.
    }
  }
  return { project: { root, table, campaigns, templateKeys }, findings };
}

/** Checks on one translated string on its own. */
export function textFindings(
  text: string,
  entry: LocaleEntry,
  where: { locale: string; file: string; key: string; line?: number },
): Finding[] {
  const out: Finding[] = [];
  const add = (rule: string, severity: Severity, message: string) => out.push({ ...where, rule, severity, message });
  const overrides = text.match(/[\u202A-\u202E]/g);
  if (overrides)
    add(
      'bidi-override',
      'error',
      `bidi control ${[...new Set(overrides)].map(codePoint).join(', ')} can reorder or hide text (a phone number may print backwards)`,
    );
  let depth = 0;
  let unbalanced = false;
  for (const c of text) {
    if (c === '\u2066' || c === '\u2067' || c === '\u2068') depth++;
    else if (c === '\u2069') {
      depth--;
      if (depth < 0) unbalanced = true;
    }
  }
  if (unbalanced || depth !== 0) add('bidi-isolate-unbalanced', 'error', 'bidi isolates (U+2066..U+2069) are not balanced');
  const pres = text.match(/[\uFB50-\uFDFF\uFE70-\uFEFF]/g)?.filter((c) => c !== '\uFEFF');
  if (pres?.length)
    add(
      'presentation-forms',
      'error',
      `Arabic presentation forms (${[...new Set(pres)].slice(0, 5).map(codePoint).join(', ')}): text pasted from a PDF; it will not shape or search. Retype it or convert with NFKC`,
    );
  const invisible = [...text].filter(
    // Tested one code point at a time, so the ZWJ in the class never joins a sequence.
    // biome-ignore lint/suspicious/noMisleadingCharacterClass: single code points
    (c) => /[\u200B\u200D\u2060\uFEFF\u00AD\u180E\u200E\u200F]/.test(c) || (c === '\u200C' && entry.script !== 'Arab'),
  );
  if (invisible.length)
    add(
      'invisible-char',
      'error',
      `invisible character ${[...new Set(invisible)].map(codePoint).join(', ')}${entry.script === 'Arab' ? '' : ' (ZWNJ is only orthographic in Arabic-script languages)'}`,
    );
  if (ARABIC_VARIANT_LOCALES.has(entry.code) && /[يك]/.test(text)) {
    const found = [...new Set(text.match(/[يك]/g))].map((c) => `${c} (${codePoint(c)})`).join(', ');
    add(
      'letter-variant',
      'error',
      `Arabic ${found}: ${entry.english} uses ی (U+06CC) and ک (U+06A9); this text was typed on an Arabic keyboard`,
    );
  }
  const systems = new Set<string>();
  if (/[0-9]/.test(text)) systems.add('Latin');
  if (/[\u0660-\u0669]/.test(text)) systems.add('Arabic-Indic');
  if (/[\u06F0-\u06F9]/.test(text)) systems.add('Extended Arabic-Indic');
  if (systems.size > 1) add('mixed-digits', 'warning', `mixes ${[...systems].join(' and ')} digits`);
  if (text !== text.normalize('NFC')) add('not-nfc', 'error', 'text is not in Unicode NFC form; search and the deny-list compare NFC text');
  if (/\{\{[#/>^!{&]|\{\{\s*else\b/.test(text))
    add('handlebars-syntax', 'error', 'Handlebars syntax in a translation: only {{placeholder}} is allowed');
  if (/\{\{\s*-/.test(text)) add('unescaped-interpolation', 'error', '{{- name}} asks i18next not to escape the value; use {{name}}');
  const missing = missingGlyphs(text, entry.fonts);
  if (missing.length)
    add(
      'glyph-missing',
      'error',
      `no bundled font (${[...new Set([...entry.fonts, LATIN_FALLBACK])].join(', ')}) has ${missing.map((c) => `"${c}" ${codePoint(c)}`).join(', ')}`,
    );
  return out;
}

/** Checks of a translation against its source string. */
function pairFindings(
  target: string,
  source: string,
  isPluralForm: boolean,
  isSourceLocale: boolean,
  where: { locale: string; file: string; key: string; line?: number },
): Finding[] {
  const out: Finding[] = [];
  const add = (rule: string, severity: Severity, message: string) => out.push({ ...where, rule, severity, message });
  const ps = placeholders(source);
  const pt = placeholders(target);
  const unknown = pt.filter((p) => !ps.includes(p));
  const lost = ps.filter((p) => !pt.includes(p));
  // A plural form may leave out {{count}} ("قصتان": two stories), but may not invent a placeholder.
  if (unknown.length || (!isPluralForm && lost.length)) {
    add(
      'placeholder-mismatch',
      'error',
      `placeholders differ from the source: ${unknown.length ? `unknown {{${unknown.join('}}, {{')}}}` : ''}${unknown.length && lost.length ? '; ' : ''}${lost.length ? `missing {{${lost.join('}}, {{')}}}` : ''} (placeholders are not translated)`,
    );
  }
  if (nestings(source).join() !== nestings(target).join())
    add('nesting-mismatch', 'error', `$t() references differ from the source (${nestings(source).join(', ') || 'none'} expected)`);
  if (markup(source).join() !== markup(target).join())
    add('markup-mismatch', 'error', `markup differs from the source (${markup(source).join(' ') || 'none'} expected)`);
  if (!isSourceLocale && target === source && /\p{L}{3,}/u.test(source))
    add('same-as-source', 'warning', 'identical to the source text: untranslated?');
  if (target !== target.trim() && source === source.trim())
    add('whitespace', 'warning', 'leading or trailing whitespace the source does not have');
  if (/ {2,}/.test(target) && !/ {2,}/.test(source)) add('whitespace', 'warning', 'double space');
  return out;
}

interface NamespaceSource {
  flat: Flat;
  locale: string;
  file: string;
}

function readFlat(file: string, locale: string, key: string, findings: Finding[]): Flat | undefined {
  try {
    // file is locales/<lng>/<ns>.json: the locales folder is its root.
    const text = readTextInside(path.dirname(path.dirname(file)), file).text;
    const parsed = parseJsonStrict(text, displayPath(file));
    if (!parsed.data || typeof parsed.data !== 'object' || Array.isArray(parsed.data)) {
      findings.push({
        locale,
        file: displayPath(file),
        key,
        rule: 'json-invalid',
        severity: 'error',
        message: 'a locale file must hold one JSON object',
        line: 1,
      });
      return undefined;
    }
    return flatten(parsed.data);
  } catch (e) {
    if (!(e instanceof CampaignPressError)) throw e;
    if (e.code === 'path-not-found') return undefined;
    findings.push({
      locale,
      file: displayPath(file),
      key,
      rule: e.code === 'json-duplicate-key' ? 'json-duplicate-key' : 'json-invalid',
      severity: 'error',
      message: e.message,
      line: e.location.line,
    });
    return undefined;
  }
}

/** Compare one namespace file of one locale with its source. */
function checkNamespace(src: NamespaceSource, target: Flat, entry: LocaleEntry, file: string, table: LocaleTable): Finding[] {
  const out: Finding[] = [];
  const locale = entry.code;
  const isSource = locale === src.locale;
  const srcPlurals = pluralGroups(src.flat);
  const tgtPlurals = pluralGroups(target);
  const needed = pluralCategories(table, locale);
  // Non-plural keys.
  for (const [key, s] of src.flat) {
    const pp = pluralPart(key);
    if (pp && srcPlurals.has(pp.base)) continue;
    const t = target.get(key);
    if (t === undefined || t === '') {
      out.push({
        locale,
        file,
        key,
        rule: 'missing-key',
        severity: 'error',
        message: t === '' ? 'empty string (counts as missing; i18next would print nothing)' : 'missing',
      });
      continue;
    }
    if (typeof t !== 'string') {
      out.push({
        locale,
        file,
        key,
        rule: 'not-a-string',
        severity: 'error',
        message: `expected text, found ${Array.isArray(t) ? 'a list' : typeof t}`,
      });
      continue;
    }
    out.push(...textFindings(t, entry, { locale, file, key }), ...pairFindings(t, String(s), false, isSource, { locale, file, key }));
  }
  // Plural groups: every category the language's rules need.
  for (const [base, srcCats] of srcPlurals) {
    const have = tgtPlurals.get(base) ?? new Set<string>();
    for (const cat of needed) {
      const key = `${base}_${cat}`;
      const t = target.get(key);
      if (t === undefined || t === '') {
        out.push({
          locale,
          file,
          key,
          rule: 'plural-missing',
          severity: 'error',
          message: `plural form "${cat}" is missing; ${entry.english} needs ${needed.join(', ')}`,
        });
        continue;
      }
      if (typeof t !== 'string') continue;
      const s = String(src.flat.get(`${base}_${srcCats.has(cat) ? cat : 'other'}`) ?? '');
      out.push(...textFindings(t, entry, { locale, file, key }), ...pairFindings(t, s, true, isSource, { locale, file, key }));
    }
    for (const cat of have) {
      if (!needed.includes(cat))
        out.push({
          locale,
          file,
          key: `${base}_${cat}`,
          rule: 'plural-extra',
          severity: 'warning',
          message: `${entry.english} has no plural category "${cat}" (${needed.join(', ')}); it is never used`,
        });
    }
  }
  // Keys the source does not have.
  for (const key of target.keys()) {
    const pp = pluralPart(key);
    if (src.flat.has(key) || (pp && srcPlurals.has(pp.base))) continue;
    out.push({ locale, file, key, rule: 'obsolete-key', severity: 'warning', message: 'not in the source any more' });
  }
  return out;
}

export interface CheckOptions {
  locales?: string[];
}

export function checkLocales(project: LocaleProject, opts: CheckOptions = {}): Finding[] {
  const { root, table, campaigns } = project;
  const findings: Finding[] = [];
  const localesDir = path.join(root, 'locales');
  const only = opts.locales?.length ? new Set(opts.locales) : undefined;
  const wanted = (c: string) => !only || only.has(c);

  // Folders: codes i18next would rewrite, codes the table does not know.
  for (const f of subfolders(localesDir)) {
    if (!wanted(f)) continue;
    const rewritten = codeRewritten(f);
    if (rewritten)
      findings.push({
        locale: f,
        file: `locales/${f}/`,
        key: '',
        rule: 'locale-code-rewritten',
        severity: 'error',
        message: `i18next reads the code "${f}" as "${rewritten}" and would find no files; name the folder with a bare code listed in locales.json`,
      });
    else if (!table.has(f))
      findings.push({
        locale: f,
        file: `locales/${f}/`,
        key: '',
        rule: 'locale-unknown',
        severity: 'error',
        message: `"${f}" is not in locales/locales.json`,
      });
  }

  // The label source and the keys templates use.
  const commonSrcFile = path.join(localesDir, LABEL_SOURCE, 'common.json');
  const commonSrc = readFlat(commonSrcFile, LABEL_SOURCE, '', findings);
  if (commonSrc) {
    const srcPlurals = pluralGroups(commonSrc);
    const used = new Set<string>(CODE_KEYS);
    for (const { key, file } of project.templateKeys) {
      if (key.startsWith('campaign:')) {
        const k = key.slice('campaign:'.length);
        for (const c of campaigns) {
          if (!c.messages.get(c.data.source_locale)?.[k])
            findings.push({
              locale: c.data.source_locale,
              file: c.file,
              key: `messages.${k}`,
              rule: 'template-key-missing',
              severity: 'error',
              message: `${file} uses campaign:${k}, which campaign ${c.id} does not define`,
            });
        }
        continue;
      }
      const k = key.replace(/^common:/, '');
      used.add(k);
      if (!commonSrc.has(k) && !srcPlurals.has(k))
        findings.push({
          locale: LABEL_SOURCE,
          file: displayPath(commonSrcFile),
          key: k,
          rule: 'template-key-missing',
          severity: 'error',
          message: `${file} uses "${k}", which the source labels do not define`,
        });
    }
    if (wanted(LABEL_SOURCE)) {
      for (const key of commonSrc.keys()) {
        const base = pluralPart(key)?.base;
        if (!used.has(key) && !(base && used.has(base)))
          findings.push({
            locale: LABEL_SOURCE,
            file: displayPath(commonSrcFile),
            key,
            rule: 'unused-key',
            severity: 'warning',
            message: 'no template uses this label',
          });
      }
    }
  }

  for (const entry of table.entries.values()) {
    const code = entry.code;
    if (!wanted(code) || entry.status === 'pseudo') continue;
    // Labels.
    const file = path.join(localesDir, code, 'common.json');
    const shown = displayPath(file);
    const flat = readFlat(file, code, '', findings);
    if (!flat && !findings.some((f) => f.file === shown))
      findings.push({
        locale: code,
        file: shown,
        key: '',
        rule: 'missing-file',
        severity: 'error',
        message: 'no labels for this language',
      });
    if (flat && commonSrc)
      findings.push(
        ...checkNamespace({ flat: commonSrc, locale: LABEL_SOURCE, file: displayPath(commonSrcFile) }, flat, entry, shown, table),
      );
    // Campaign messages and translated Markdown.
    for (const c of campaigns) {
      if (!c.data.locales.includes(code)) continue;
      const src: NamespaceSource = {
        flat: flatten(c.messages.get(c.data.source_locale) ?? {}),
        locale: c.data.source_locale,
        file: c.file,
      };
      if (code !== c.data.source_locale) {
        const cfile = path.join(localesDir, code, `${c.id}.json`);
        const cflat = readFlat(cfile, code, '', findings);
        if (!cflat && !findings.some((f) => f.file === displayPath(cfile)))
          findings.push({
            locale: code,
            file: displayPath(cfile),
            key: '',
            rule: 'missing-file',
            severity: 'error',
            message: `campaign ${c.id} is published in ${code} but its messages are not translated`,
          });
        if (cflat) findings.push(...checkNamespace(src, cflat, entry, displayPath(cfile), table));
        const body = c.bodies.get(code);
        if (!body)
          findings.push({
            locale: code,
            file: `${path.relative(root, c.dir)}/campaign.${code}.md`,
            key: 'body',
            rule: 'missing-file',
            severity: 'warning',
            message: 'the campaign description is not translated (the source text is used)',
          });
        else {
          if (body.stale)
            findings.push({
              locale: code,
              file: body.file,
              key: 'source_sha256',
              rule: 'stale',
              severity: 'warning',
              message: 'translated from an older campaign.md',
            });
          findings.push(...textFindings(body.body, entry, { locale: code, file: body.file, key: 'body' }));
        }
      } else {
        for (const [key, v] of src.flat)
          findings.push(...textFindings(String(v), entry, { locale: code, file: c.file, key: `messages.${key}` }));
      }
      for (const t of c.testimonies) {
        const tr = t.translations.get(code);
        if (!tr) continue;
        if (tr.stale)
          findings.push({
            locale: code,
            file: tr.file,
            key: 'source_sha256',
            rule: 'stale',
            severity: 'warning',
            message: `translated from an older ${t.id}.md`,
          });
        for (const [key, v] of [
          ['title', tr.title],
          ['quote', tr.quote],
          ['paraphrase', tr.paraphrase],
          ['body', tr.body],
        ] as const) {
          if (v) findings.push(...textFindings(v, entry, { locale: code, file: tr.file, key }));
        }
      }
    }
    // Namespaces that belong to nothing.
    const files = listInside(localesDir, code)
      .map((e) => e.name)
      .filter((n) => n.endsWith('.json'));
    for (const n of files) {
      const ns = n.slice(0, -5);
      if (ns === 'common' || campaigns.some((c) => c.id === ns && c.data.locales.includes(code) && c.data.source_locale !== code)) continue;
      findings.push({
        locale: code,
        file: `locales/${code}/${n}`,
        key: '',
        rule: 'orphan-file',
        severity: 'warning',
        message: campaigns.some((c) => c.id === ns)
          ? `campaign ${ns} is not published in ${code}, or ${code} is its source language`
          : `no campaign "${ns}"`,
      });
    }
  }
  return findings.sort((a, b) =>
    `${a.locale}|${a.file}|${a.key}|${a.rule}`.localeCompare(`${b.locale}|${b.file}|${b.key}|${b.rule}`, 'en'),
  );
}
