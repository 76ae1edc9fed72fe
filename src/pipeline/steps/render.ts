import path from 'node:path';
import pLimit from 'p-limit';
import { decodeUriText, findDenied } from '../../consent/denylist.js';
import { deniedInFile } from '../../output/scan.js';
import { type Refusal, RULES } from '../../consent/gate.js';
import { CampaignPressError, type Diagnostics } from '../../errors.js';
import { codePoint, missingGlyphs } from '../../fonts/fonts.js';
import { isPseudo } from '../../i18n/pseudo.js';
import { type ManifestAsset, sidecars } from '../../output/manifest.js';
import { THUMBS_DIR } from '../../output/commit.js';
import { describeCrop, describeMisfit } from '../../render/layout.js';
import type { MarkOptions } from '../../render/marks.js';
import { slugText } from '../../render/mark-text.js';
import { lowResolutionWarnings } from '../brand-images.js';
import { type RenderOutcome, renderAsset } from '../../render/page.js';
import { type MemoryAsset, RenderPool } from '../../render/pool.js';
import { isInside, sha256, writeFileAtomic } from '../../util/files.js';
import { addStage, timeStage } from '../../util/profile.js';
import { type DocumentInputs, renderDocument } from '../document.js';
import type { RenderJob } from '../plan.js';
import type { KeyedJob } from './plan.js';

/**
 * The render step: every job whose previous output cannot be reused is rendered in Chromium,
 * checked (fonts, blocked requests, overflow, deny-list) and written into the staging folder.
 * Nothing outside `staging` is written; the commit step moves the files into place.
 */

export type ProgressEvent =
  | { type: 'plan'; planned: number; toRender: number; cached: number }
  | { type: 'asset'; done: number; total: number; path: string; cached: boolean; ms: number };

export interface RenderStepInput {
  /** Jobs with the previous manifest entry to reuse, when the content key and the file still match. */
  jobs: (KeyedJob & { prev?: ManifestAsset })[];
  inputs: DocumentInputs;
  memory: ReadonlyMap<string, MemoryAsset>;
  denied: ReadonlySet<string>;
  /** CreationDate and ModDate of every PDF (part of the content key of PDF assets). */
  pdfDate: Date;
  staging: string;
  skipRefused: boolean;
  chromium?: string;
  browserEndpoint?: string;
  concurrency?: number;
  /** `--marks`: print PDFs get crop marks and a slug (campaign, locale, asset, edition = as-of date and key). */
  marks?: { asOf: string };
  onProgress?: (e: ProgressEvent) => void;
  /** On abort no new page starts and Chromium is closed at once; the caller discards the staging folder. */
  signal?: AbortSignal;
}

export interface RenderStepResult {
  /** Manifest entries of every asset of this build: reused and rendered. */
  assets: ManifestAsset[];
  /** Paths written below `staging`. */
  staged: string[];
  /** Deny-list refusals found on rendered pages. */
  refusals: Refusal[];
  rendered: number;
  cached: number;
  refused: number;
  /** Some asset failed: the build must not commit (unless it keeps going and every failure is a render failure). */
  failed: boolean;
  /** Paths of the assets that failed a render or quality check (not consent refusals). */
  failedPaths: string[];
}

const BROKEN_BROWSER = new Set(['render-failed', 'render-timeout', 'browser-not-found', 'browser-unreachable']);

export async function renderStep(inp: RenderStepInput, diag: Diagnostics): Promise<RenderStepResult> {
  const res: RenderStepResult = {
    assets: [],
    staged: [],
    refusals: [],
    rendered: 0,
    cached: 0,
    refused: 0,
    failed: false,
    failedPaths: [],
  };
  const total = inp.jobs.length;
  const toRender = inp.jobs.filter((k) => !k.prev).length;
  inp.onProgress?.({ type: 'plan', planned: total, toRender, cached: total - toRender });
  const pool = new RenderPool(new Map(inp.memory), {
    executablePath: inp.chromium,
    browserEndpoint: inp.browserEndpoint,
    concurrency: inp.concurrency,
  });
  // One more job in flight than pages: while a page renders the next asset, the previous one is
  // encoded (sharp, pdf-lib) and written.
  const limit = pLimit(pool.concurrency + 1);
  let done = 0;
  const progress = (job: RenderJob, cached: boolean, ms: number) =>
    inp.onProgress?.({ type: 'asset', done: ++done, total, path: job.relPath, cached, ms });
  // Errors of pages cut off by the abort are its consequence, not findings: they are dropped.
  const errorsBefore = diag.errors.length;
  const stop = () => {
    res.failed = true;
    void pool.close();
  };
  inp.signal?.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(
      inp.jobs.map(({ job, key, alt, pageKey, prev, inputs, warnings }) =>
        limit(async () => {
          // A quality failure (overflow, glyph) does not stop the others: the report lists every
          // problem at once. A broken browser does.
          if (inp.signal?.aborted) return;
          if (res.failed && diag.errors.some((e) => BROKEN_BROWSER.has(e.code))) return;
          const t0 = Date.now();
          if (prev) {
            res.assets.push(prev);
            res.cached++;
            progress(job, true, 0);
            return;
          }
          const asset = await renderOne(pool, { job, key, alt, pageKey, inputs, warnings }, inp, res, diag);
          if (!asset) return;
          res.assets.push(asset);
          res.staged.push(job.relPath, ...sidecars(asset).map((f) => f.path));
          res.rendered++;
          progress(job, false, Date.now() - t0);
        }),
      ),
    );
  } finally {
    inp.signal?.removeEventListener('abort', stop);
    await pool.close();
  }
  if (inp.signal?.aborted) {
    diag.errors.splice(errorsBefore);
    diag.error(new CampaignPressError('interrupted', 'interrupted; previous outputs kept'));
  }
  return res;
}

/** Render, check and stage one asset; undefined when it failed or was refused (recorded in `res` and `diag`). */
async function renderOne(
  pool: RenderPool,
  { job, key, alt, pageKey, inputs, warnings }: KeyedJob,
  inp: RenderStepInput,
  res: RenderStepResult,
  diag: Diagnostics,
): Promise<ManifestAsset | undefined> {
  const { campaign, translator, table } = inp.inputs;
  const doc = renderDocument(job, inp.inputs, pageKey ?? key);
  const pdfMeta = {
    title: doc.title,
    subject: translator.text(job.locale, 'campaign:headline'),
    keywords: [campaign.id, job.template.name, job.format.name, job.locale],
    lang: job.locale,
    date: inp.pdfDate,
  };
  let outcome: RenderOutcome;
  try {
    outcome = await renderAsset(pool, job.relPath, doc.html, job.format, pdfMeta, marksFor(job, pageKey ?? key, inp));
  } catch (e) {
    res.failed = true;
    res.failedPaths.push(job.relPath);
    diag.error(
      e instanceof CampaignPressError
        ? new CampaignPressError(e.code, e.message.startsWith(job.relPath) ? e.message : `${job.relPath}: ${e.message}`, e.location, e.hint)
        : new CampaignPressError('render-failed', `${job.relPath}: ${(e as Error).message}`),
    );
    return undefined;
  }
  const scanStart = performance.now();
  const qualityFailed = checkQuality(job, outcome, table.get(job.locale).fonts, diag);
  if (job.format.output === 'pdf' && inp.inputs.rasters)
    for (const w of lowResolutionWarnings(job.relPath, outcome.pictures, inp.inputs.rasters)) diag.warn(w);
  // Deny-list: page text, the asset's alt text (its sidecar too), file name and PDF metadata.
  const scanned = [
    outcome.text,
    alt ?? '',
    job.relPath.replace(/[-_./]/g, ' '),
    pdfMeta.title,
    pdfMeta.subject,
    pdfMeta.keywords.join(' '),
  ].join('\n');
  // Link targets too (a PDF keeps them as /URI strings), and the strings of the output file itself.
  const links = [...doc.html.matchAll(/\bhref="([^"]*)"/g)].map((m) => decodeUriText(m[1]!.replace(/&amp;/g, '&'))).join('\n');
  const denied = findDenied(`${scanned}\n${links}`, inp.denied) || deniedInFile(job.relPath, Buffer.from(outcome.bytes), inp.denied);
  addStage('quality and deny-list scan', performance.now() - scanStart);
  if (denied) {
    refuseDenied(job, inp.skipRefused, res, diag);
    return undefined;
  }
  if (qualityFailed) {
    res.failed = true;
    res.failedPaths.push(job.relPath);
    return undefined;
  }
  const file = path.join(inp.staging, job.relPath);
  if (!isInside(inp.staging, file)) throw new CampaignPressError('output-unsafe', `output path ${job.relPath} escapes the output folder`);
  await timeStage('write', () => writeFileAtomic(file, outcome.bytes));
  const entry = { ...manifestEntry(job, key, outcome, alt), ...(inputs ? { inputs } : {}), ...(warnings?.length ? { warnings } : {}) };
  for (const f of sidecars(entry)) await writeFileAtomic(path.join(inp.staging, f.path), f.bytes);
  // Page thumbnails go into the contact sheet, not beside the assets: the commit step reads them
  // from the staging folder's THUMBS_DIR (never moved into the output folder).
  const thumbs = pageThumbnails(outcome);
  for (const t of thumbs) await writeFileAtomic(path.join(inp.staging, THUMBS_DIR, `${t.sha256}.png`), t.png);
  if (thumbs.length) entry.thumbnails = thumbs.map(({ png: _png, ...t }) => t);
  return entry;
}

/** Report every quality problem of a rendered page; true when one of them fails the asset. */
function checkQuality(job: RenderJob, outcome: RenderOutcome, fonts: Parameters<typeof missingGlyphs>[1], diag: Diagnostics): boolean {
  const where = { file: `templates/${job.template.name}/template.hbs` };
  for (const f of outcome.fallbacks) {
    diag.error(
      new CampaignPressError(
        'render-glyph-fallback',
        `${job.relPath}: "${f.text}" is drawn with the system font "${f.font}", not a bundled font`,
        where,
      ),
    );
  }
  // Independent of the machine's fonts (with none installed, Chromium may draw a box in a
  // bundled font and report nothing): the page text against the bundled fonts' cmaps.
  const uncovered = missingGlyphs(outcome.text, fonts);
  if (uncovered.length && !outcome.fallbacks.length) {
    const hex = uncovered.map((c) => `"${c}" ${codePoint(c)}`).join(', ');
    diag.error(new CampaignPressError('render-glyph-fallback', `${job.relPath}: no bundled font draws ${hex}`, where));
  }
  for (const u of outcome.blocked)
    diag.error(new CampaignPressError('render-blocked-request', `${job.relPath}: the page requested ${u}; it was blocked`, where));
  for (const u of outcome.navigations)
    diag.error(new CampaignPressError('render-blocked-request', `${job.relPath}: the page tried to navigate to ${u}`, where));
  for (const c of outcome.crops) {
    const t = job.pieces.find((p) => p.id === c.testimony)?.testimony;
    diag.warn(
      new CampaignPressError('photo-crop', `${job.relPath}: ${describeCrop(c)}`, t ? { file: t.file, field: 'photo_focus' } : where),
    );
  }
  // In a pseudo-locale, layout problems are the finding the build exists to show: warn and write.
  const pseudo = isPseudo(job.locale);
  const layout = layoutProblems(job, outcome, where);
  for (const e of layout) {
    if (pseudo) diag.warn(e);
    else diag.error(e);
  }
  return (
    outcome.fallbacks.length > 0 ||
    uncovered.length > 0 ||
    outcome.blocked.length > 0 ||
    outcome.navigations.length > 0 ||
    (layout.length > 0 && !pseudo)
  );
}

/** Overflow, text too long for its box (located at the string's own file and key), hidden text, safe zones. */
function layoutProblems(job: RenderJob, outcome: RenderOutcome, where: { file: string }): CampaignPressError[] {
  // A string too long for its box comes first: it names its file and key, and the page that then
  // does not fit (a leaflet cover's intro pushed out by a headline at its floor) follows from it.
  const out: CampaignPressError[] = [];
  for (const m of outcome.misfits) {
    // data-source reads "<file> <key>" once the document has resolved it (pipeline/sources.ts).
    const at = m.source?.match(/^(\S+) (\S+)$/);
    out.push(
      new CampaignPressError(
        'render-overflow',
        `${job.relPath}: ${describeMisfit(m)}`,
        at ? { file: at[1], field: at[2] } : where,
        `Shorten it to about ${m.budget} characters for this box, or check the layout with the en-XA pseudo-locale.`,
      ),
    );
  }
  for (const o of outcome.overflow)
    out.push(new CampaignPressError('render-overflow', `${job.relPath}: text does not fit its box (${o})`, where));
  for (const h of outcome.hidden) out.push(new CampaignPressError('render-hidden-text', `${job.relPath}: ${h}`, where));
  for (const s of outcome.safeArea) out.push(new CampaignPressError('render-safe-area', `${job.relPath}: ${s}`, where));
  return out;
}

function refuseDenied(job: RenderJob, skipRefused: boolean, res: RenderStepResult, diag: Diagnostics): void {
  const ts = job.pieces.length ? job.pieces : [undefined];
  for (const p of ts) {
    res.refusals.push({
      testimony: p?.id ?? '(none)',
      consent_id: p?.consentId ?? null,
      rule: 'denylist',
      reason: RULES.denylist,
      asset: job.relPath,
      locale: job.locale,
      template: job.template.name,
      format: job.format.name,
    });
  }
  res.refused++;
  if (skipRefused) return;
  res.failed = true;
  diag.error(
    new CampaignPressError('consent-refused', `${job.relPath}: a deny-listed term appears in the rendered asset (the term is not shown)`, {
      field: 'denylist',
    }),
  );
}

function marksFor(job: RenderJob, key: string, inp: RenderStepInput): MarkOptions | undefined {
  if (!inp.marks || job.format.output !== 'pdf') return undefined;
  const edition = `${inp.marks.asOf} ${key.slice(0, 8)}`;
  const base = { campaign: inp.inputs.campaign.id, locale: job.locale, asset: job.relPath, edition };
  return { slug: (page, pages) => slugText({ ...base, page, pages }) };
}

/** A PDF's page thumbnails, when there is one per page of the PDF (else none, rather than wrong pages). */
function pageThumbnails(outcome: RenderOutcome) {
  const t = outcome.thumbnails ?? [];
  if (!t.length || t.length !== outcome.pages) return [];
  return t.map((th) => ({ sha256: sha256(th.png), width: th.width, height: th.height, png: th.png }));
}

function manifestEntry(job: RenderJob, key: string, outcome: RenderOutcome, alt: string | undefined): ManifestAsset {
  return {
    path: job.relPath,
    sha256: sha256(outcome.bytes),
    bytes: outcome.bytes.length,
    ...(outcome.width !== undefined ? { width: outcome.width, height: outcome.height } : {}),
    ...(outcome.pages !== undefined
      ? {
          pages: outcome.pages,
          page_size_mm: [job.format.width + 2 * job.format.bleed, job.format.height + 2 * job.format.bleed] as [number, number],
        }
      : {}),
    locale: job.locale,
    template: job.template.name,
    format: job.format.name,
    output: job.format.output,
    channel: job.channel,
    consent_ids: [...new Set(job.pieces.map((p) => p.consentId))].sort(),
    testimonies: job.pieces.map((p) => p.id).sort(),
    ...(alt !== undefined ? { alt } : {}),
    key,
  };
}
