import type { Campaign } from '../campaign/load.js';
import { fontsFor } from '../fonts/fonts.js';
import type { LocaleTable } from '../i18n/table.js';
import type { Translator } from '../i18n/translator.js';
import { ASSET_ORIGIN } from '../util/origin.js';
import { pagePixels } from '../templates/format.js';
import { assertPageSafe, runTemplate, type HelperContext } from '../templates/engine.js';
import { escapeHtml } from '../util/html.js';
import { RAW_SYNTAX_RE } from '../i18n/keys.js';
import { CampaignPressError } from '../errors.js';
import type { RenderJob, TestimonyPiece } from './plan.js';
import { brandColours } from './contrast.js';
import { markSources, resolveSource } from './sources.js';
import { isolateLtrRuns } from '../templates/bidi.js';
import { pickLocalized } from '../campaign/brand.js';

/**
 * Localize + render HTML: the template context for a job, and the full page document around the
 * template's body (language, direction, CSP, fonts, brand colours). Pure.
 */

export interface DocumentInputs {
  campaign: Campaign;
  table: LocaleTable;
  translator: Translator;
  /** Campaign-relative asset path -> in-memory URL. */
  assets: ReadonlyMap<string, string>;
  /** Testimony id -> photo URL (only for photos that passed the consent gate). */
  photos: ReadonlyMap<string, string>;
  /** The date in the edition code of print assets (YYYY-MM-DD): --as-of, SOURCE_DATE_EPOCH or today. */
  editionDate?: string;
  /** Raster logos by URL, for the print resolution check after render (src/pipeline/brand-images.ts). */
  rasters?: ReadonlyMap<string, { width: number; height: number; ref: string; where: { file?: string; line?: number; field?: string } }>;
}

/**
 * Stands for the content key in the edition code while the key is computed (the key hashes the
 * page, so the page cannot hold its own key): replaced by the key's first 8 characters at render.
 */
export const EDITION_KEY_SLOT = '\u2063KEY\u2063';

export interface RenderedDocument {
  html: string;
  title: string;
  fontFingerprint: string;
}

function pieceView(p: TestimonyPiece, photos: ReadonlyMap<string, string>) {
  return {
    id: p.id,
    title: p.title,
    quote: p.quote,
    quote_is_paraphrase: p.quoteKind === 'paraphrase',
    body: p.body,
    display_name: p.displayName,
    name_changed_note: p.nameChangedNote,
    photo: p.photo && photos.has(p.id) ? (p.testimony.data.photo ?? null) : null,
    // Validated by the schema as two percentages, so it is safe in a style attribute.
    photo_focus: p.testimony.data.photo_focus ?? null,
    content_warning: p.contentWarning === 'none' ? null : `content_warning.${p.contentWarning}`,
  };
}

/**
 * The images one page may name: the campaign's, plus the photos of this asset's own testimonies
 * that the gate allowed on it. Another testimony's photo is not in the map, so `{{asset "…"}}`
 * naming it fails like any unknown image (FORMAT.md 4.1).
 */
function jobAssets(job: RenderJob, inp: DocumentInputs): ReadonlyMap<string, string> {
  const own = job.pieces.filter((p) => p.photo && p.testimony.data.photo && inp.photos.has(p.id));
  if (!own.length) return inp.assets;
  return new Map([...inp.assets, ...own.map((p) => [p.testimony.data.photo!, inp.photos.get(p.id)!] as const)]);
}

/** What templates see of the brand: colours, logo, the name and the "Funded by" label in this locale's language or its nearest fallback. */
function brandView(campaign: Campaign, chain: string[], table: LocaleTable, assets: ReadonlyMap<string, string>) {
  const b = campaign.brand;
  const inLang = (x: { text: string; lang: string } | null) =>
    x ? { text: x.text, lang: x.lang, dir: table.has(x.lang) ? table.get(x.lang).dir : 'ltr', foreign: x.lang !== chain[0] } : null;
  const logos = (b.partners?.logos ?? []).filter((p) => assets.has(p.ref)).map((p) => ({ name: p.name, image: p.ref }));
  return {
    primary: b.primary,
    accent: b.accent,
    logo: b.logo && assets.has(b.logo.ref) ? b.logo.ref : null,
    name: inLang(pickLocalized(b.name, chain)),
    social: b.social,
    partners: logos.length ? { label: inLang(pickLocalized(b.partners?.label, chain)), logos } : null,
  };
}

function heroView(campaign: Campaign, assets: ReadonlyMap<string, string>) {
  const h = campaign.hero;
  if (!h || !assets.has(h.ref)) return null;
  return { image: h.ref, focus: `object-position: ${h.focus}`, licence: h.licence, treatment: h.treatment };
}

export function renderDocument(job: RenderJob, inp: DocumentInputs, contentKey?: string): RenderedDocument {
  const { campaign, table, translator } = inp;
  const entry = table.get(job.locale);
  const body = job.locale === campaign.data.source_locale ? campaign.body : campaign.bodies.get(job.locale)?.body;
  const fonts = fontsFor(entry);
  const px = pagePixels(job.format);
  const testimonies = job.pieces.map((p) => pieceView(p, inp.photos));
  const ctx: HelperContext = { lng: job.locale, table, translator, assets: jobAssets(job, inp) };
  const context = {
    _ctx: ctx,
    locale: { code: job.locale, dir: entry.dir, name: entry.name, script: entry.script },
    format: {
      name: job.format.name,
      width: job.format.width,
      height: job.format.height,
      unit: job.format.unit,
      bleed: job.format.bleed,
      output: job.format.output,
      landscape: px.width > px.height,
      square: px.width === px.height,
    },
    campaign: {
      id: campaign.id,
      body: body ?? null,
      body_is_fallback: body === undefined,
      // The language the description is actually in, so a fallback is marked and isolated.
      body_lang: body === undefined ? campaign.data.source_locale : job.locale,
      body_dir: body === undefined ? table.get(campaign.data.source_locale).dir : entry.dir,
      contact: {
        hotline: campaign.data.contact.hotline,
        url: campaign.data.contact.url,
        url_display: campaign.data.contact.url.replace(/^https:\/\//, '').replace(/\/$/, ''),
      },
      brand: brandView(campaign, table.chain(job.locale), table, inp.assets),
      hero: heroView(campaign, inp.assets),
    },
    variant: job.variant,
    // Print assets carry a small edition code: campaign, locale, date, content key.
    edition:
      job.template.channel === 'print' && inp.editionDate
        ? `${campaign.id} · ${job.locale} · ${inp.editionDate} · ${contentKey ? contentKey.slice(0, 8) : EDITION_KEY_SLOT}`
        : null,
    testimonies,
    testimony: testimonies[0] ?? null,
    count: testimonies.length,
  };
  if (body === undefined && campaign.body.trim()) {
    // The description falls back to the source text, marked as such by the template.
    context.campaign.body = campaign.body;
  }
  // Layout errors name the file and key of each text block's string (see sources.ts).
  // Phone numbers and addresses in right-to-left text keep their left-to-right order (templates/bidi.ts).
  const bodyHtml = isolateLtrRuns(
    markSources(runTemplate(job.template, context), (k, t) => resolveSource(k, t, job, campaign, table)),
    entry.dir,
  );
  refuseRawSyntax(job, bodyHtml, context.campaign.body, campaign);
  const title = translator.text(job.locale, 'campaign:title');
  const lineHeight = entry.line_height ?? (entry.script === 'Arab' ? 1.6 : 1.35);
  // A print page's sharing PNG (format.ppi) is laid out in mm like its PDF, so both show one layout.
  const isPdf = job.format.output === 'pdf' || job.format.ppi !== undefined;
  const pageCss = isPdf
    ? `@page { size: ${job.format.width + 2 * job.format.bleed}mm ${job.format.height + 2 * job.format.bleed}mm; margin: 0; }`
    : '';
  const vars = [
    `--primary: ${campaign.brand.primary}`,
    `--accent: ${campaign.brand.accent}`,
    // Brand colours as text, each checked against its ground (WCAG 2.2) with a safe fallback.
    ...Object.entries(brandColours(campaign.brand).vars).map(([k, v]) => `${k}: ${v}`),
    `--font: ${fonts.stack}`,
    `--display-font: ${fonts.displayStack}`,
    `--line: ${lineHeight}`,
    `--page-w: ${isPdf ? `${job.format.width + 2 * job.format.bleed}mm` : `${px.width}px`}`,
    `--page-h: ${isPdf ? `${job.format.height + 2 * job.format.bleed}mm` : `${px.height}px`}`,
    `--bleed: ${job.format.bleed}mm`,
    `--unit: ${isPdf ? `${(job.format.width / 100).toFixed(3)}mm` : `${(px.width / 100).toFixed(3)}px`}`,
    // Type sizes use --type-unit, so a tall script gets its own metrics from locales.json.
    `--type-unit: calc(var(--unit) * ${entry.type_scale ?? 1})`,
  ].join('; ');
  const csp = `default-src 'none'; font-src ${ASSET_ORIGIN}; img-src ${ASSET_ORIGIN} data:; style-src 'unsafe-inline'`;
  const html = `<!doctype html>
<html lang="${escapeHtml(job.locale)}" dir="${entry.dir}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(title)}</title>
<style>
${fonts.css}
${pageCss}
:root { ${vars}; }
${job.template.css}
</style>
</head>
<body class="tpl-${job.template.name} fmt-${job.format.name}${job.variant ? ` variant-${job.variant}` : ''} dir-${entry.dir} script-${entry.script} out-${job.format.output}${lineHeight >= 2 ? ' tall-script' : ''}">
${bodyHtml}
</body>
</html>
`;
  assertPageSafe(job.template, html);
  return { html, title, fontFingerprint: fonts.fingerprint };
}

/**
 * Template or i18next syntax in the page text (`{{`, `}}`, `$t(`) means a string was not what the
 * template expected; it must never print. Labels are checked key by key in the Translator; this
 * catches the rest (Markdown descriptions, testimony fields) and names the file it came from.
 */
function refuseRawSyntax(job: RenderJob, bodyHtml: string, description: string | null, campaign: Campaign): void {
  const text = bodyHtml.replace(/<[^>]*>/g, ' ');
  const m = RAW_SYNTAX_RE.exec(text);
  if (!m) return;
  const sources: [string | null | undefined, string, string][] = [
    [description, campaign.bodies.get(job.locale)?.file ?? campaign.file, 'body'],
  ];
  for (const p of job.pieces) {
    sources.push(
      [p.title, p.bodyFile, 'title'],
      [p.quote, p.bodyFile, 'quote'],
      [p.body, p.bodyFile, 'body'],
      [p.displayName, p.bodyFile, 'display_name'],
    );
  }
  const from = sources.find(([s]) => typeof s === 'string' && RAW_SYNTAX_RE.test(s));
  const snippet = text
    .slice(Math.max(0, m.index - 20), m.index + 30)
    .replace(/\s+/g, ' ')
    .trim();
  throw new CampaignPressError(
    'render-raw-syntax',
    `${job.relPath} would print template syntax: "${snippet}"`,
    from ? { file: from[1], field: from[2] } : { file: `templates/${job.template.name}/template.hbs` },
  );
}
