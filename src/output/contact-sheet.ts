import type { Refusal } from '../consent/gate.js';
import { findDenied } from '../consent/denylist.js';
import { CampaignPressError } from '../errors.js';
import type { LocaleTable } from '../i18n/table.js';
import { sha256 } from '../util/files.js';
import { escapeHtml } from '../util/html.js';
import type { Manifest, ManifestAsset } from './manifest.js';
import { deniedInFile } from './scan.js';

/**
 * The contact sheet: <out>/<campaign>/index.html, a whole release at a glance. One row per asset
 * (template, format, testimony) with its versions in every locale side by side, LTR next to RTL,
 * each with its thumbnail (a PDF's page thumbnails, embedded), alt text, consent ids and the
 * warnings its page gave; refusals in place and in a table.
 *
 * It opens from a double click and inside an unpacked zip: one file, inline CSS, relative links
 * to the files beside it, no script (a CSP forbids any), nothing fetched from a network.
 *
 * Its bytes are a function of the manifest (warnings included: the manifest keeps each asset's),
 * of the thumbnail bytes it names and of the project (locale names, campaign locale order,
 * deny-list) only: nothing of the run that wrote it (no clock, timings, paths).
 * Build, bundle and bundle --merge all write it with withContactSheet(), so one build and merged
 * shards hold the same sheet, and a bundle of a whole build packs the very bytes on disk.
 */

export const CONTACT_SHEET = 'index.html';

export interface SheetLocale {
  name: string;
  english: string;
  dir: 'ltr' | 'rtl';
}

/** What the sheet takes from the project: the same for a build, its bundle and merged shards. */
export interface SheetContext {
  /** Locale names and direction; a locale missing here is shown with dir="auto". */
  locales: Readonly<Record<string, SheetLocale>>;
  /** Locale order of the campaign (others follow, sorted). */
  order?: readonly string[];
  /** Deny-listed hashes: free text that carries a term is not shown, and the page is scanned whole. */
  denied: ReadonlySet<string>;
  /** PNG bytes of the PDF page thumbnails the manifest names, by sha256 (see thumbnailsIn). */
  thumbs?: ReadonlyMap<string, Buffer>;
}

export interface SheetInput extends SheetContext {
  manifest: Manifest;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const esc = escapeHtml;
/** A relative URL to a file beside the sheet (each path segment encoded; never a scheme or a '..'). */
const href = (rel: string) => rel.split('/').map(encodeURIComponent).join('/');
const NOT_SHOWN = '(not shown: it contains a deny-listed term)';

interface Cell {
  locale: string;
  asset?: ManifestAsset;
  refusals: Refusal[];
}

interface Row {
  /** The file name without its locale folder: the same asset in every locale. */
  name: string;
  template: string;
  format: string;
  cells: Map<string, Cell>;
}

/** The file name an asset has in every locale (`ckb/poster-a3.pdf` -> `poster-a3.pdf`). */
function rowName(p: string, locale: string): string {
  return p.startsWith(`${locale}/`) ? p.slice(locale.length + 1) : p;
}

function alt(a: ManifestAsset): string | undefined {
  const v = (a as { alt?: unknown }).alt;
  return typeof v === 'string' && v.trim() ? v : undefined;
}

function sizeOf(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/** Names and direction of every locale of the table. */
export function sheetLocales(table: LocaleTable): Record<string, SheetLocale> {
  return Object.fromEntries([...table.entries].map(([code, e]) => [code, { name: e.name, english: e.english, dir: e.dir }]));
}

/**
 * The manifest with its contact sheet: the sheet is rendered from the manifest without any sheet
 * entry, then the entry (path and sha256) is set. The one way build, bundle and merge make it.
 */
export function withContactSheet(manifest: Manifest, ctx: SheetContext): { manifest: Manifest; html: Buffer } {
  const { contact_sheet: _old, ...rest } = manifest;
  const html = Buffer.from(renderContactSheet({ ...ctx, manifest: rest }));
  return { manifest: { ...rest, contact_sheet: { path: CONTACT_SHEET, sha256: sha256(html) } }, html };
}

export function renderContactSheet(inp: SheetInput): string {
  const { manifest: m } = inp;
  const shown = (s: string) => (findDenied(s, inp.denied) ? NOT_SHOWN : s);
  const localeOrder = orderLocales(inp);
  const rows = buildRows(m, localeOrder);
  const templates = [...new Set([...rows.values()].map((r) => r.template))].sort(cmp);
  const ctx = { inp, shown, localeOrder };
  const body = [
    header(m, localeOrder, inp),
    ...templates.map((t) =>
      templateSection(
        t,
        [...rows.values()].filter((r) => r.template === t),
        ctx,
      ),
    ),
    byLocale(m, localeOrder, inp, shown),
    refusalTable(m.refusals, shown),
  ].join('\n');
  const html = `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; connect-src 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="${esc(m.generator)}">
<title>${esc(m.campaign)}: contact sheet</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
  // Last guard: the page is scanned as every written file is; a term that got through refuses it.
  if (deniedInFile(CONTACT_SHEET, Buffer.from(html), inp.denied))
    throw new CampaignPressError(
      'consent-refused',
      `the contact sheet of ${m.campaign} would carry a deny-listed term (the term is not shown); it was not written`,
      { field: 'denylist' },
    );
  return html;
}

function orderLocales(inp: SheetInput): string[] {
  const present = new Set([...inp.manifest.assets.map((a) => a.locale), ...inp.manifest.refusals.map((r) => r.locale).filter(Boolean)]);
  const first = (inp.order ?? []).filter((l) => present.has(l));
  return [...first, ...[...present].filter((l) => !first.includes(l)).sort(cmp)];
}

function buildRows(m: Manifest, locales: string[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  const cell = (name: string, template: string, format: string, locale: string): Cell => {
    let row = rows.get(name);
    if (!row) {
      row = { name, template, format, cells: new Map() };
      rows.set(name, row);
    }
    let c = row.cells.get(locale);
    if (!c) {
      c = { locale, refusals: [] };
      row.cells.set(locale, c);
    }
    return c;
  };
  for (const a of m.assets) cell(rowName(a.path, a.locale), a.template, a.format, a.locale).asset = a;
  // A refused asset has no file: its place in the row says why.
  for (const r of m.refusals) {
    if (!r.locale || !locales.includes(r.locale)) continue;
    cell(rowName(r.asset, r.locale), r.template, r.format, r.locale).refusals.push(r);
  }
  return new Map([...rows.entries()].sort(([a], [b]) => cmp(a, b)));
}

function localeAttrs(code: string, inp: SheetInput): string {
  const l = inp.locales[code];
  return `lang="${esc(code)}" dir="${l?.dir ?? 'auto'}"`;
}

function localeLabel(code: string, inp: SheetInput): string {
  const l = inp.locales[code];
  const dir = l?.dir === 'rtl' ? 'RTL' : l?.dir === 'ltr' ? 'LTR' : '';
  const native = l ? `<bdi ${localeAttrs(code, inp)}>${esc(l.name)}</bdi> · ` : '';
  return `${native}${esc(l?.english ?? code)} <code>${esc(code)}</code>${dir ? ` <small>${dir}</small>` : ''}`;
}

function header(m: Manifest, locales: string[], inp: SheetInput): string {
  const refused = new Set(m.refusals.map((r) => r.asset)).size;
  const warned = m.assets.filter((a) => a.warnings?.length).length;
  const count = (l: string) => m.assets.filter((a) => a.locale === l).length;
  const nav = locales.map((l) => `<li><a href="#locale-${esc(l)}">${localeLabel(l, inp)}</a>: ${count(l)} assets</li>`).join('\n');
  return `<header>
<h1>${esc(m.campaign)} <small>contact sheet</small></h1>
<p>Built as of ${esc(m.as_of)} for ${esc(m.regions.join(', ') || 'no region')}${m.shard ? ` (shard ${esc(m.shard)})` : ''} · ${m.assets.length} assets in ${locales.length} locales · <a href="#refusals">${refused} left out by consent</a>${warned ? ` · ${warned} with build warnings` : ''} · <a href="manifest.json">manifest.json</a></p>
<nav aria-label="Locales"><ul>
${nav}
</ul></nav>
</header>`;
}

interface Ctx {
  inp: SheetInput;
  shown: (s: string) => string;
  localeOrder: string[];
}

function templateSection(template: string, rows: Row[], ctx: Ctx): string {
  const body = rows
    .map((r) => {
      const cells = ctx.localeOrder
        .map((l) => r.cells.get(l))
        .filter((c): c is Cell => !!c)
        .map((c) => figure(c, ctx));
      return `<section class="row" aria-label="${esc(r.name)}">
<h3><code>${esc(r.name)}</code> <small>${esc(r.format)}</small></h3>
<div class="items">
${cells.join('\n')}
</div>
</section>`;
    })
    .join('\n');
  return `<section class="template" id="template-${esc(template)}">
<h2>${esc(template)}</h2>
${body}
</section>`;
}

function figure(c: Cell, ctx: Ctx): string {
  const { inp, shown } = ctx;
  const a = c.asset;
  if (!a) {
    const why = c.refusals.map((r) => `<li><code>${esc(r.rule)}</code>: ${esc(shown(r.reason))}</li>`).join('');
    return `<figure class="refused" ${localeAttrs(c.locale, inp)}>
<div class="none" lang="en" dir="ltr">Left out by the consent gate<ul>${why}</ul></div>
<figcaption><p class="locale" lang="en" dir="ltr">${localeLabel(c.locale, inp)}</p></figcaption>
</figure>`;
  }
  const text = alt(a);
  const meta = [
    `<dt>File</dt><dd><a href="${href(a.path)}">${esc(a.path)}</a></dd>`,
    `<dt>Size</dt><dd>${a.width ? `${a.width}×${a.height} px, ` : ''}${a.pages ? `${a.pages} ${a.pages === 1 ? 'page' : 'pages'}, ` : ''}${sizeOf(a.bytes)}</dd>`,
    `<dt>Consent</dt><dd>${a.consent_ids.length ? a.consent_ids.map((id) => `<code>${esc(id)}</code>`).join(', ') : 'none needed (no testimony)'}</dd>`,
    a.testimonies.length ? `<dt>Testimonies</dt><dd>${a.testimonies.map((t) => `<code>${esc(t)}</code>`).join(', ')}</dd>` : '',
    c.refusals.length
      ? `<dt>Left out</dt><dd>${c.refusals.map((r) => `${esc(r.testimony)} (<code>${esc(r.rule)}</code>)`).join(', ')}</dd>`
      : '',
  ].join('');
  return `<figure id="asset-${esc(a.path)}" ${localeAttrs(a.locale, inp)}>
${preview(a, text, ctx)}
<figcaption>
<p class="locale" lang="en" dir="ltr">${localeLabel(a.locale, inp)}</p>
${altLine(a, text, shown)}
<dl lang="en" dir="ltr">${meta}</dl>
${warningList(a, shown)}
</figcaption>
</figure>`;
}

/** Alt text of an image asset; its absence is flagged. A PDF has none by design (its title and text layer serve). */
function altLine(a: ManifestAsset, text: string | undefined, shown: (s: string) => string): string {
  if (text) return `<p class="alt"><span class="label" lang="en" dir="ltr">Alt text</span> ${esc(shown(text))}</p>`;
  return a.output === 'pdf' ? '' : '<p class="alt missing" lang="en" dir="ltr">No alt text in the manifest</p>';
}

/**
 * The warnings writing the asset's page gave (the manifest keeps them, so a reused asset shows
 * them too). Their messages are the build's own English, about the asset's language: they keep
 * lang="en" and LTR inside an RTL item, each isolated so a quoted key or path does not reorder.
 */
function warningList(a: ManifestAsset, shown: (s: string) => string): string {
  const ws = a.warnings ?? [];
  if (!ws.length) return '';
  const where = (w: (typeof ws)[number]) =>
    [w.file ? `${w.file}${w.line ? `:${w.line}` : ''}` : '', w.field ?? ''].filter(Boolean).join(', ');
  const items = ws.map((w) => {
    const at = where(w);
    return `<li><code>${esc(w.code)}</code> <bdi>${esc(shown(w.message))}</bdi>${at ? ` <small><bdi>${esc(shown(at))}</bdi></small>` : ''}${w.hint ? `<br><small><bdi>${esc(shown(w.hint))}</bdi></small>` : ''}</li>`;
  });
  return `<div class="warnings" lang="en" dir="ltr"><p><span class="label">${ws.length === 1 ? 'Warning' : `${ws.length} warnings`}</span></p><ul>${items.join('')}</ul></div>`;
}

/** The picture of an asset: the image itself, or a PDF's page thumbnails (first page large). */
function preview(a: ManifestAsset, text: string | undefined, ctx: Ctx): string {
  const altAttr = esc(ctx.shown(text ?? `${a.template} ${a.format}, ${a.locale}`));
  if (a.output !== 'pdf') {
    const size = a.width && a.height ? ` width="${a.width}" height="${a.height}"` : '';
    return `<a class="thumb" href="${href(a.path)}"><img src="${href(a.path)}"${size} alt="${altAttr}" loading="lazy"></a>`;
  }
  const thumbs = a.thumbnails ?? [];
  if (!thumbs.length) return `<a class="thumb none" href="${href(a.path)}" lang="en" dir="ltr">PDF, no thumbnail</a>`;
  const n = thumbs.length;
  const img = (t: (typeof thumbs)[number], i: number, cls: string) =>
    `<a class="${cls}" href="${href(a.path)}#page=${i + 1}"><img src="${dataUri(a, t.sha256, ctx)}" data-sha256="${t.sha256}" width="${t.width}" height="${t.height}" alt="${i === 0 ? altAttr : `page ${i + 1} of ${n}`}"></a>`;
  const rest = thumbs.slice(1).map((t, i) => img(t, i + 1, 'page'));
  return `${img(thumbs[0]!, 0, 'thumb')}${rest.length ? `<div class="pages">${rest.join('')}</div>` : ''}`;
}

/** A thumbnail the manifest names, embedded: the sheet stays one file that loads nothing. */
function dataUri(a: ManifestAsset, sha: string, ctx: Ctx): string {
  const png = ctx.inp.thumbs?.get(sha);
  if (!png)
    throw new CampaignPressError(
      'output-unsafe',
      `the page thumbnail ${sha.slice(0, 12)} of ${a.path} is neither rendered now nor in the contact sheet beside it`,
      { field: 'thumbnails' },
      'The contact sheet was changed or removed by hand: build the whole campaign again (no -l, --only or --shard), which renders the PDFs whose thumbnails are missing.',
    );
  return `data:image/png;base64,${png.toString('base64')}`;
}

const EMBEDDED = /<img src="data:image\/png;base64,([A-Za-z0-9+/]+={0,2})" data-sha256="([0-9a-f]{64})"/g;

/**
 * The page thumbnails embedded in a contact sheet, by sha256: only those whose bytes match
 * their checksum (a hand-edited sheet gives nothing it could slip in). Bundle and merge take a
 * build's thumbnails from here; a build takes the ones of assets it reuses.
 */
export function thumbnailsIn(html: Buffer | string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const m of html.toString().matchAll(EMBEDDED)) {
    const png = Buffer.from(m[1]!, 'base64');
    if (sha256(png) === m[2]) out.set(m[2]!, png);
  }
  return out;
}

function byLocale(m: Manifest, locales: string[], inp: SheetInput, shown: (s: string) => string): string {
  const parts = locales.map((l) => {
    const items = m.assets
      .filter((a) => a.locale === l)
      .sort((a, b) => cmp(a.path, b.path))
      .map((a) => {
        const text = alt(a);
        return `<li><a href="#asset-${esc(a.path)}">${esc(a.path)}</a>${text ? ` <span ${localeAttrs(l, inp)}>${esc(shown(text))}</span>` : ''}</li>`;
      })
      .join('\n');
    return `<section id="locale-${esc(l)}"><h3>${localeLabel(l, inp)}</h3><ul>
${items || '<li>No assets.</li>'}
</ul></section>`;
  });
  return `<section class="by-locale"><h2>By locale</h2>
${parts.join('\n')}
</section>`;
}

function refusalTable(refusals: readonly Refusal[], shown: (s: string) => string): string {
  if (!refusals.length) return '<section id="refusals"><h2>Left out by consent</h2><p>Nothing was left out.</p></section>';
  const rows = refusals
    .map(
      (r) =>
        `<tr><td><code>${esc(r.asset)}</code></td><td><code>${esc(r.testimony)}</code></td><td><code>${esc(r.consent_id ?? 'none')}</code></td><td><code>${esc(r.rule)}</code></td><td>${esc(shown(r.reason))}</td></tr>`,
    )
    .join('\n');
  return `<section id="refusals"><h2>Left out by consent</h2>
<table><thead><tr><th>Asset</th><th>Testimony</th><th>Consent</th><th>Rule</th><th>Reason</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

/** System fonts only: the sheet loads nothing. Thumbnails keep their aspect ratio at a fixed width. */
const STYLE = `
:root{color-scheme:light;--ink:#14212b;--muted:#4b5b66;--line:#d5dbe0;--bg:#f4f6f8;--accent:#0b3d5c}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--accent);color:#fff;padding:16px 24px}
header a{color:#fff}
header h1{margin:0 0 4px;font-size:22px}
header h1 small{font-weight:400;opacity:.8}
header p{margin:0 0 8px}
header ul{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px}
main,section.template,section.by-locale,#refusals{padding:0 24px}
h2{margin:24px 0 8px;font-size:19px;border-bottom:2px solid var(--accent)}
h3{margin:14px 0 6px;font-size:15px;font-weight:600}
h3 small{font-weight:400;color:var(--muted)}
.items{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
figure{margin:0;width:216px;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px}
figure img{display:block;width:100%;height:auto;background:#e9edf0}
a.thumb{display:block}
.pages{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
.pages a{width:56px}
figcaption{margin-top:6px;font-size:13px}
figcaption p{margin:0 0 4px}
.alt{font-size:14px}
.alt .label{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin-inline-end:4px}
.alt.missing{color:#8a5a00}
.warnings{margin-top:6px;padding:4px 6px;background:#fff8e6;border-inline-start:3px solid #c98a00;color:#5c3d00}
.warnings p{margin:0}
.warnings .label{font-size:11px;text-transform:uppercase;letter-spacing:.04em}
.warnings ul{margin:2px 0 0;padding-inline-start:16px}
.warnings li{overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 8px;margin:4px 0 0;color:var(--muted)}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
figure.refused{background:#fff6f6;border-color:#e6b3b3}
.none{padding:12px;color:#7a1f1f;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:start;vertical-align:top}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.92em}
section.by-locale ul{padding-inline-start:18px}
`;
