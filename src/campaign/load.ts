import path from 'node:path';
import { CampaignPressError, Diagnostics, ValidationErrors } from '../errors.js';
import type { LocaleTable } from '../i18n/table.js';
import { displayPath, isDirInside, listInside, readTextInside, resolveInside, sha256 } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';
import { parseFrontmatter } from './frontmatter.js';
import { isFresh, translatableSha256 } from './staleness.js';
import { lineOfPath, validate } from '../util/structured.js';
import {
  campaignSchema,
  campaignTranslationSchema,
  testimonySchema,
  testimonyTranslationSchema,
  type CampaignFrontmatter,
  type TestimonyFrontmatter,
  type TestimonyTranslationFrontmatter,
} from './schema.js';

export interface TranslationInfo {
  file: string;
  bodyLine?: number;
  status: 'draft' | 'reviewed';
  stale: boolean;
}

export interface Testimony {
  id: string;
  /** Line in the file where the Markdown body starts. */
  bodyLine: number;
  file: string;
  /** sha256 of the source file (what earlier versions recorded in translations). */
  sha256: string;
  /** sha256 of the translatable fields, what translations record as source_sha256 (staleness.ts). */
  contentSha256: string;
  data: TestimonyFrontmatter;
  body: string;
  /** Absolute real path of the photo, checked to be inside the campaign. */
  photoPath?: string;
  translations: Map<string, TestimonyTranslationFrontmatter & { body: string } & TranslationInfo>;
  /** Line of the consent block, for messages. */
  consentLine?: number;
  /** Line of the photo field, for messages. */
  photoLine?: number;
}

export interface Campaign {
  id: string;
  dir: string;
  file: string;
  sha256: string;
  /** sha256 of the description, what translations record as source_sha256 (staleness.ts). */
  contentSha256: string;
  data: CampaignFrontmatter;
  body: string;
  bodyLine: number;
  logoPath?: string;
  /** Translated descriptions (campaign.<lng>.md). */
  bodies: Map<string, { body: string } & TranslationInfo>;
  /** Campaign messages per locale, including the source locale (from campaign.md). */
  messages: Map<string, Record<string, unknown>>;
  messageFiles: Map<string, string>;
  testimonies: Testimony[];
  warnings: CampaignPressError[];
  /** Line of a frontmatter field of campaign.md, for messages. */
  lineOf: (path: (string | number)[]) => number | undefined;
}

const IN_CAMPAIGN = { rootName: 'the campaign folder' };
const IN_LOCALES = { rootName: 'the locales folder' };

/**
 * Load and validate a campaign folder. Reports every problem it finds in one pass
 * (ValidationErrors), each naming file:line and field.
 */
export function loadCampaign(campaignDir: string, table: LocaleTable, localesDir: string): Campaign {
  const dir = path.resolve(campaignDir);
  const diag = new Diagnostics();
  const collect = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ValidationErrors) for (const x of e.errors) diag.error(x);
      else if (e instanceof CampaignPressError) diag.error(e);
      else throw e;
    }
  };
  if (!isDirInside(dir, '.')) {
    throw new CampaignPressError('path-not-found', `campaign folder ${campaignDir} does not exist or is not a folder`, {
      file: campaignDir,
    });
  }
  const mainFile = path.join(dir, 'campaign.md');
  const shownMain = displayPath(mainFile);
  const main = readTextInside(dir, mainFile, IN_CAMPAIGN);
  const fm = parseFrontmatter(main.text, shownMain);
  const { value: data, errors } = validate(campaignSchema, fm);
  if (!data) throw new ValidationErrors(errors);

  const folderName = path.basename(dir);
  if (data.id !== folderName) {
    diag.error(
      new CampaignPressError('id-mismatch', `id "${data.id}" does not match the folder name "${folderName}"`, {
        file: shownMain,
        line: lineOfPath(fm, ['id']),
        field: 'id',
      }),
    );
  }
  data.locales.forEach((l, i) => {
    if (!table.has(l))
      diag.error(table.unknownLocale(l, { file: shownMain, line: lineOfPath(fm, ['locales', i]), field: `locales[${i}]` }));
  });
  if (!table.has(data.source_locale)) {
    diag.error(
      table.unknownLocale(
        data.source_locale,
        { file: shownMain, line: lineOfPath(fm, ['source_locale']), field: 'source_locale' },
        'source locale',
      ),
    );
  } else if (!data.locales.includes(data.source_locale)) {
    diag.error(
      new CampaignPressError(
        'schema-invalid',
        `source_locale "${data.source_locale}" is not in locales`,
        { file: shownMain, line: lineOfPath(fm, ['locales']), field: 'locales' },
        'List the source language in locales too.',
      ),
    );
  }
  let logoPath: string | undefined;
  if (data.brand.logo) {
    const logo = data.brand.logo;
    collect(() => {
      logoPath = resolveInside(dir, logo, { file: shownMain, line: lineOfPath(fm, ['brand', 'logo']), field: 'brand.logo' });
    });
  }

  const campaign: Campaign = {
    id: data.id,
    dir,
    file: shownMain,
    sha256: sha256(main.bytes),
    contentSha256: translatableSha256({ body: fm.body }),
    data,
    body: fm.body,
    bodyLine: fm.bodyLine,
    logoPath,
    bodies: new Map(),
    messages: new Map([[data.source_locale, { title: data.title, ...data.messages }]]),
    messageFiles: new Map([[data.source_locale, shownMain]]),
    testimonies: [],
    warnings: [],
    lineOf: (p) => lineOfPath(fm, p),
  };

  // Translated descriptions: campaign.<lng>.md
  for (const { name } of listInside(dir, '.', IN_CAMPAIGN)) {
    const m = /^campaign\.([A-Za-z-]+)\.md$/.exec(name);
    if (!m) continue;
    const lng = m[1]!;
    const file = path.join(dir, name);
    const shown = displayPath(file);
    collect(() => {
      const tf = parseFrontmatter(readTextInside(dir, file, IN_CAMPAIGN).text, shown);
      const { value, errors: errs } = validate(campaignTranslationSchema, tf);
      if (!value) throw new ValidationErrors(errs);
      if (!table.has(lng)) throw table.unknownLocale(lng, { file: shown }, 'locale in the file name');
      if (value.translation_of !== data.id) {
        throw new CampaignPressError('id-mismatch', `translation_of "${value.translation_of}" is not this campaign (${data.id})`, {
          file: shown,
          line: lineOfPath(tf, ['translation_of']),
          field: 'translation_of',
        });
      }
      const stale = !isFresh(value.source_sha256, campaign);
      if (stale) {
        campaign.warnings.push(
          new CampaignPressError('translation-stale', `the ${lng} description was translated from an older campaign.md`, {
            file: shown,
            line: lineOfPath(tf, ['source_sha256']),
            field: 'source_sha256',
          }),
        );
      }
      campaign.bodies.set(lng, { body: tf.body, bodyLine: tf.bodyLine, file: shown, status: value.status, stale });
    });
  }

  // Campaign messages in other locales: locales/<lng>/<campaign-id>.json
  for (const lng of data.locales) {
    if (lng === data.source_locale || !table.has(lng)) continue;
    const file = path.join(localesDir, lng, `${data.id}.json`);
    const shown = displayPath(file);
    let text: string | undefined;
    collect(() => {
      try {
        text = readTextInside(localesDir, file, IN_LOCALES).text;
      } catch (e) {
        if (!(e instanceof CampaignPressError && e.code === 'path-not-found')) throw e;
        campaign.warnings.push(
          new CampaignPressError('translation-missing', `no ${lng} translation of the campaign messages`, { file: shown }),
        );
      }
    });
    if (text === undefined) continue;
    const json = text;
    collect(() => {
      const parsed = parseJsonStrict(json, shown);
      if (typeof parsed.data !== 'object' || parsed.data === null || Array.isArray(parsed.data)) {
        throw new CampaignPressError('schema-invalid', 'a locale file must hold one JSON object', { file: shown, line: 1 });
      }
      campaign.messages.set(lng, parsed.data as Record<string, unknown>);
      campaign.messageFiles.set(lng, shown);
    });
  }

  // Testimonies
  const tdir = path.join(dir, 'testimonies');
  const names = listInside(dir, tdir, IN_CAMPAIGN)
    .map((e) => e.name)
    .filter((n) => n.endsWith('.md'));
  const translations: string[] = [];
  for (const name of names) {
    const parts = name.slice(0, -3).split('.');
    if (parts.length === 2) {
      translations.push(name);
      continue;
    }
    if (parts.length !== 1) {
      diag.error(
        new CampaignPressError(
          'schema-invalid',
          `unexpected file name ${name}`,
          { file: displayPath(path.join(tdir, name)) },
          'Name testimonies <id>.md and translations <id>.<lng>.md.',
        ),
      );
      continue;
    }
    const file = path.join(tdir, name);
    const shown = displayPath(file);
    collect(() => {
      const source = readTextInside(dir, file, IN_CAMPAIGN);
      const tf = parseFrontmatter(source.text, shown);
      const { value, errors: errs } = validate(testimonySchema, tf);
      if (!value) throw new ValidationErrors(errs);
      if (value.id !== parts[0]) {
        throw new CampaignPressError('id-mismatch', `id "${value.id}" does not match the file name "${parts[0]}"`, {
          file: shown,
          line: lineOfPath(tf, ['id']),
          field: 'id',
        });
      }
      const t: Testimony = {
        id: value.id,
        file: shown,
        sha256: sha256(source.bytes),
        contentSha256: translatableSha256({ title: value.title, quote: value.quote, paraphrase: value.paraphrase, body: tf.body }),
        bodyLine: tf.bodyLine,
        data: value,
        body: tf.body,
        translations: new Map(),
        consentLine: value.consent ? lineOfPath(tf, ['consent'], true) : undefined,
        photoLine: value.photo ? lineOfPath(tf, ['photo']) : undefined,
      };
      if (value.photo) {
        const photo = value.photo;
        t.photoPath = resolveInside(dir, photo, { file: shown, line: lineOfPath(tf, ['photo']), field: 'photo' });
      }
      if (value.consent) {
        value.consent.scope.locales.forEach((l, i) => {
          if (!table.has(l)) {
            diag.error(
              table.unknownLocale(l, {
                file: shown,
                line: lineOfPath(tf, ['consent', 'scope', 'locales', i]),
                field: `consent.scope.locales[${i}]`,
              }),
            );
          }
        });
      }
      campaign.testimonies.push(t);
    });
  }
  for (const name of translations) {
    const [tid, lng] = name.slice(0, -3).split('.') as [string, string];
    const file = path.join(tdir, name);
    const shown = displayPath(file);
    collect(() => {
      const tf = parseFrontmatter(readTextInside(dir, file, IN_CAMPAIGN).text, shown);
      const { value, errors: errs } = validate(testimonyTranslationSchema, tf);
      if (!value) throw new ValidationErrors(errs);
      if (!table.has(lng)) throw table.unknownLocale(lng, { file: shown }, 'locale in the file name');
      const src = campaign.testimonies.find((t) => t.id === tid);
      if (!src || value.translation_of !== tid) {
        throw new CampaignPressError('id-mismatch', `translation_of "${value.translation_of}" has no source testimony ${tid}.md`, {
          file: shown,
          line: lineOfPath(tf, ['translation_of']),
          field: 'translation_of',
        });
      }
      if (value.quote && !src.data.quote) {
        throw new CampaignPressError('schema-invalid', 'the translation has a quote but the source has none', {
          file: shown,
          line: lineOfPath(tf, ['quote']),
          field: 'quote',
        });
      }
      if (value.paraphrase && !src.data.paraphrase) {
        throw new CampaignPressError('schema-invalid', 'the translation has a paraphrase but the source has none', {
          file: shown,
          line: lineOfPath(tf, ['paraphrase']),
          field: 'paraphrase',
        });
      }
      const stale = !isFresh(value.source_sha256, src);
      if (stale) {
        campaign.warnings.push(
          new CampaignPressError('translation-stale', `the ${lng} translation of ${tid} was made from an older source`, {
            file: shown,
            line: lineOfPath(tf, ['source_sha256']),
            field: 'source_sha256',
          }),
        );
      }
      src.translations.set(lng, { ...value, body: tf.body, bodyLine: tf.bodyLine, file: shown, status: value.status, stale });
    });
  }
  diag.throwIfErrors();
  return campaign;
}
