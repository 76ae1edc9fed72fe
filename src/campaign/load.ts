import path from 'node:path';
import { CampaignPressError, Diagnostics, ValidationErrors } from '../errors.js';
import type { LocaleTable } from '../i18n/table.js';
import { displayPath, isDirInside, listInside, readBytesInside, readTextInside, resolveInside, sha256 } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';
import { type BrandImage, brandTranslationWarnings, type HeroImage, type ResolvedBrand, resolveBrand, resolveHero } from './brand.js';
import { type ParsedFrontmatter, parseFrontmatter } from './frontmatter.js';
import type { ParseCache } from './parse-cache.js';
import { countEvent } from '../util/profile.js';
import { isFresh, translatableSha256 } from './staleness.js';
import { lineOfPath, validate } from '../util/structured.js';
import { deniedInputErrors, misroutedPhotoErrors } from '../consent/inputs.js';
import {
  campaignSchema,
  campaignTranslationSchema,
  testimonyOutsideConsentSchema,
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
  /** sha256 of the photo file as loaded: the one input the gate, `check` and `consent report` share. */
  photoSha256?: string;
  /** The file's name in testimonies/. */
  fileName: string;
  /** consent.id as written, also when the block is invalid. */
  consentId?: string;
  /** consent.identity.denylist_sha256 as written (every 64-hex entry), also when the block is invalid. */
  denylist: string[];
  /** Set when the consent block is invalid: the testimony is refused (consent-invalid), the rest builds. */
  consentInvalid?: { field: string; message: string; line?: number };
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
  /** Real path of the logo (inline or kit), kept for callers that only need the file. */
  logoPath?: string;
  /** Colours, logos, name and partners: the inline brand or the kit it names. */
  brand: ResolvedBrand;
  hero?: HeroImage;
  /** Translated descriptions (campaign.<lng>.md). */
  bodies: Map<string, { body: string } & TranslationInfo>;
  /** Campaign messages per locale, including the source locale (from campaign.md). */
  messages: Map<string, Record<string, unknown>>;
  messageFiles: Map<string, string>;
  testimonies: Testimony[];
  /** Every .md file name in testimonies/ (sources and translations). */
  testimonyFiles: string[];
  warnings: CampaignPressError[];
  /** Line of a frontmatter field of campaign.md, for messages. */
  lineOf: (path: (string | number)[]) => number | undefined;
}

const IN_CAMPAIGN = { rootName: 'the campaign folder' };
/** The image size limit of src/images (which this stage may not import): photos are hashed at load. */
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const IN_LOCALES = { rootName: 'the locales folder' };

/**
 * Load and validate a campaign folder. Reports every problem it finds in one pass
 * (ValidationErrors), each naming file:line and field.
 */
export function loadCampaign(campaignDir: string, table: LocaleTable, localesDir: string, opts: { cache?: ParseCache } = {}): Campaign {
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
  const lineOfMain = (p: (string | number)[]) => lineOfPath(fm, p);
  let brand: ResolvedBrand = {
    id: null,
    primary: '#000000',
    accent: '#000000',
    colourAt: () => ({}),
    name: null,
    social: [],
    partners: null,
  };
  let hero: HeroImage | undefined;
  collect(() => {
    brand = resolveBrand(data, dir, shownMain, lineOfMain, path.join(path.dirname(path.resolve(localesDir)), 'brands'));
  });
  collect(() => {
    hero = resolveHero(data, dir, shownMain, lineOfMain);
  });
  const logoPath = brand.logo?.abs;

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
    brand,
    hero,
    bodies: new Map(),
    messages: new Map([[data.source_locale, { title: data.title, ...data.messages }]]),
    messageFiles: new Map([[data.source_locale, shownMain]]),
    testimonies: [],
    testimonyFiles: [],
    warnings: brandTranslationWarnings(brand, data.locales),
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
  campaign.testimonyFiles = names;
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
      countEvent(`read: ${shown}`);
      const fileSha256 = sha256(source.bytes);
      const tf = parsedSource(source.text, shown, fileSha256, opts.cache);
      const { value, consentInvalid } = tf;
      if (value.id !== parts[0]) {
        throw new CampaignPressError('id-mismatch', `id "${value.id}" does not match the file name "${parts[0]}"`, {
          file: shown,
          line: tf.lineOf(['id']),
          field: 'id',
        });
      }
      const t: Testimony = {
        id: value.id,
        file: shown,
        sha256: fileSha256,
        contentSha256: translatableSha256({ title: value.title, quote: value.quote, paraphrase: value.paraphrase, body: tf.body }),
        bodyLine: tf.bodyLine,
        data: value,
        body: tf.body,
        translations: new Map(),
        fileName: name,
        ...tf.raw,
        consentInvalid,
        consentLine: consentInvalid?.line ?? (value.consent ? tf.lineOf(['consent'], true) : undefined),
        photoLine: value.photo ? tf.lineOf(['photo']) : undefined,
      };
      if (value.photo) {
        const photo = value.photo;
        t.photoPath = resolveInside(dir, photo, { file: shown, line: tf.lineOf(['photo']), field: 'photo' });
        const where = { file: shown, line: tf.lineOf(['photo']), field: 'photo' };
        t.photoSha256 = sha256(readBytesInside(dir, t.photoPath, { ...IN_CAMPAIGN, maxBytes: MAX_IMAGE_BYTES, where }).bytes);
      }
      const unknown = value.consent?.scope.locales.findIndex((l) => !table.has(l)) ?? -1;
      if (value.consent && unknown >= 0) {
        // Part of the consent block: it refuses this testimony, not the campaign.
        const field = `consent.scope.locales[${unknown}]`;
        const line = tf.lineOf(['consent', 'scope', 'locales', unknown]);
        t.consentInvalid = {
          field,
          message: table.unknownLocale(value.consent.scope.locales[unknown]!, { file: shown, line, field }).message,
          line,
        };
        t.consentLine = line;
        t.data = { ...value, consent: undefined };
      }
      campaign.testimonies.push(t);
    });
  }
  // By id: a release has a dozen translations of each of hundreds of testimonies.
  const sources = new Map(campaign.testimonies.map((t) => [t.id, t]));
  for (const name of translations) {
    const [tid, lng] = name.slice(0, -3).split('.') as [string, string];
    const file = path.join(tdir, name);
    const shown = displayPath(file);
    collect(() => {
      const text = readTextInside(dir, file, IN_CAMPAIGN);
      countEvent(`read: ${shown}`);
      const tf = parsedTranslation(text.text, shown, sha256(text.bytes), opts.cache);
      const { value } = tf;
      if (!table.has(lng)) throw table.unknownLocale(lng, { file: shown }, 'locale in the file name');
      const src = sources.get(tid);
      if (!src || value.translation_of !== tid) {
        throw new CampaignPressError('id-mismatch', `translation_of "${value.translation_of}" has no source testimony ${tid}.md`, {
          file: shown,
          line: tf.lineOf(['translation_of']),
          field: 'translation_of',
        });
      }
      if (value.quote && !src.data.quote) {
        throw new CampaignPressError('schema-invalid', 'the translation has a quote but the source has none', {
          file: shown,
          line: tf.lineOf(['quote']),
          field: 'quote',
        });
      }
      if (value.paraphrase && !src.data.paraphrase) {
        throw new CampaignPressError('schema-invalid', 'the translation has a paraphrase but the source has none', {
          file: shown,
          line: tf.lineOf(['paraphrase']),
          field: 'paraphrase',
        });
      }
      const stale = !isFresh(value.source_sha256, src);
      if (stale) {
        campaign.warnings.push(
          new CampaignPressError('translation-stale', `the ${lng} translation of ${tid} was made from an older source`, {
            file: shown,
            line: tf.lineOf(['source_sha256']),
            field: 'source_sha256',
          }),
        );
      }
      src.translations.set(lng, { ...value, body: tf.body, bodyLine: tf.bodyLine, file: shown, status: value.status, stale });
    });
  }
  // Before any other error is shown: those may quote an id or a file name that is deny-listed.
  const denied = deniedInputErrors(campaign);
  if (denied.length) throw new ValidationErrors(denied);
  diag.throwIfErrors();
  const misrouted = misroutedPhotoErrors(
    campaign,
    brandImages(campaign).map((img) => ({
      file: img.where.file ?? shownMain,
      line: img.where.line,
      field: img.where.field ?? 'brand',
      path: img.abs,
      sha256: sha256(readBytesInside(img.root, img.abs, { maxBytes: MAX_IMAGE_BYTES, where: img.where }).bytes),
    })),
  );
  if (misrouted.length) throw new ValidationErrors(misrouted);
  return campaign;
}

/** Every image of the campaign that is not a testimony photo: logo, partner logos, hero. */
export function brandImages(campaign: Pick<Campaign, 'brand' | 'hero'>): BrandImage[] {
  const b = campaign.brand;
  return [...(b.logo ? [b.logo] : []), ...(b.partners?.logos ?? []), ...(campaign.hero ? [campaign.hero] : [])];
}

/** consent.id and the deny-list as written, read before validation so that an invalid block still protects. */
function rawConsent(data: unknown): { consentId?: string; denylist: string[] } {
  const c = (data as { consent?: { id?: unknown; identity?: { denylist_sha256?: unknown } } } | null)?.consent;
  const list = c?.identity?.denylist_sha256;
  return {
    consentId: typeof c?.id === 'string' ? c.id : undefined,
    denylist: Array.isArray(list)
      ? list.filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/i.test(h)).map((h) => h.toLowerCase())
      : [],
  };
}

/**
 * Validate a testimony. Errors outside the consent block stop the campaign (exit 2); an invalid
 * consent block only refuses its testimony (FORMAT.md 4.1), naming the first invalid field.
 */
function validateTestimony(tf: ReturnType<typeof parseFrontmatter>): {
  value: TestimonyFrontmatter;
  consentInvalid?: { field: string; message: string; line?: number };
} {
  const full = validate(testimonySchema, tf);
  if (full.value) return { value: full.value };
  const inConsent = (e: CampaignPressError) => /^consent(?:$|[.[])/.test(e.location.field ?? '');
  const loose = validate(testimonyOutsideConsentSchema, tf);
  if (!loose.value || !full.errors.every(inConsent)) throw new ValidationErrors(full.errors);
  const first = full.errors[0]!;
  return {
    value: { ...loose.value, consent: undefined },
    consentInvalid: { field: first.location.field!, message: first.message, line: first.location.line },
  };
}

/** A parsed file as the loader uses it: lines it needs on every build are kept, any other is found by parsing again. */
interface Parsed {
  body: string;
  bodyLine: number;
  lineOf: (p: (string | number)[], key?: boolean) => number | undefined;
}

interface CachedFile {
  body: string;
  bodyLine: number;
  /** Lines of the paths every build asks for, by JSON.stringify([path, key]); null: none. */
  lines: Record<string, number | null>;
}

interface CachedSource extends CachedFile {
  value: TestimonyFrontmatter;
  consentInvalid?: { field: string; message: string; line?: number };
  raw: { consentId?: string; denylist: string[] };
}

interface CachedTranslation extends CachedFile {
  value: TestimonyTranslationFrontmatter;
}

// The shape of a cached value; bump it when that shape or what produces it changes.
const SOURCE_KIND = 'testimony@1';
const TRANSLATION_KIND = 'translation@1';

/**
 * A source testimony parsed and validated (the consent block included, as data: the gate judges
 * it later, on every build). From the cache when these bytes were parsed before by this tool.
 */
function parsedSource(text: string, shown: string, fileSha256: string, cache?: ParseCache): CachedSource & Parsed {
  const hit = cache?.get<CachedSource>(SOURCE_KIND, fileSha256);
  if (hit) return withLines(hit, text, shown);
  const tf = parseFrontmatter(text, shown);
  const { value, consentInvalid } = validateTestimony(tf);
  const entry = plain<CachedSource>({
    value,
    consentInvalid,
    body: tf.body,
    bodyLine: tf.bodyLine,
    raw: rawConsent(tf.data),
    lines: linesOf(tf, [
      [['consent'], true],
      [['photo'], false],
    ]),
  });
  cache?.set(SOURCE_KIND, fileSha256, entry);
  return withLines(entry, text, shown, tf);
}

/** A translation parsed and validated against its schema; an invalid one throws and is not cached. */
function parsedTranslation(text: string, shown: string, fileSha256: string, cache?: ParseCache): CachedTranslation & Parsed {
  const hit = cache?.get<CachedTranslation>(TRANSLATION_KIND, fileSha256);
  if (hit) return withLines(hit, text, shown);
  const tf = parseFrontmatter(text, shown);
  const { value, errors } = validate(testimonyTranslationSchema, tf);
  if (!value) throw new ValidationErrors(errors);
  const entry = plain<CachedTranslation>({ value, body: tf.body, bodyLine: tf.bodyLine, lines: linesOf(tf, [[['source_sha256'], false]]) });
  cache?.set(TRANSLATION_KIND, fileSha256, entry);
  return withLines(entry, text, shown, tf);
}

/**
 * The value as the cache gives it back (JSON: no undefined members), also when it was just parsed,
 * so that a cached and a fresh parse give the same input keys.
 */
function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function linesOf(tf: ParsedFrontmatter, paths: [(string | number)[], boolean][]): Record<string, number | null> {
  return Object.fromEntries(paths.map(([p, key]) => [JSON.stringify([p, key]), lineOfPath(tf, p, key) ?? null]));
}

function withLines<T extends CachedFile>(entry: T, text: string, shown: string, parsed?: ParsedFrontmatter): T & Parsed {
  let tf = parsed;
  const lineOf = (p: (string | number)[], key = false) => {
    const k = JSON.stringify([p, key]);
    if (Object.hasOwn(entry.lines, k)) return entry.lines[k] ?? undefined;
    // A line no build needs unless something is wrong: parse the text again to find it.
    tf ??= parseFrontmatter(text, shown);
    return lineOfPath(tf, p, key);
  };
  return { ...entry, lineOf };
}
