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
}

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

export function renderDocument(job: RenderJob, inp: DocumentInputs): RenderedDocument {
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
      brand: {
        primary: campaign.data.brand.primary,
        accent: campaign.data.brand.accent,
        logo: campaign.data.brand.logo && inp.assets.has(campaign.data.brand.logo) ? campaign.data.brand.logo : null,
      },
    },
    testimonies,
    testimony: testimonies[0] ?? null,
    count: testimonies.length,
  };
  if (body === undefined && campaign.body.trim()) {
    // The description falls back to the source text, marked as such by the template.
    context.campaign.body = campaign.body;
  }
  // Layout errors name the file and key of each text block's string (see sources.ts).
  const bodyHtml = markSources(runTemplate(job.template, context), (k, t) => resolveSource(k, t, job, campaign, table));
  refuseRawSyntax(job, bodyHtml, context.campaign.body, campaign);
  const title = translator.text(job.locale, 'campaign:title');
  const lineHeight = entry.line_height ?? (entry.script === 'Arab' ? 1.6 : 1.35);
  const isPdf = job.format.output === 'pdf';
  const pageCss = isPdf
    ? `@page { size: ${job.format.width + 2 * job.format.bleed}mm ${job.format.height + 2 * job.format.bleed}mm; margin: 0; }`
    : '';
  const vars = [
    `--primary: ${campaign.data.brand.primary}`,
    `--accent: ${campaign.data.brand.accent}`,
    // Brand colours as text, each checked against its ground (WCAG 2.2) with a safe fallback.
    ...Object.entries(brandColours(campaign.data.brand).vars).map(([k, v]) => `${k}: ${v}`),
    `--font: ${fonts.stack}`,
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
<body class="tpl-${job.template.name} fmt-${job.format.name} dir-${entry.dir} script-${entry.script} out-${job.format.output}${lineHeight >= 2 ? ' tall-script' : ''}">
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
