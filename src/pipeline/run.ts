import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Resource } from 'i18next';
import { loadCampaign, type Campaign } from '../campaign/load.js';
import { findDenied } from '../consent/denylist.js';
import { RULES } from '../consent/gate.js';
import { CampaignPressError, Diagnostics, ValidationErrors, type Problem, toProblem, ExitCode } from '../errors.js';
import { processImage } from '../images/process.js';
import { codePoint, missingGlyphs } from '../fonts/fonts.js';
import { loadLocaleTable, type LocaleTable } from '../i18n/table.js';
import { Translator } from '../i18n/translator.js';
import { createManifest, readManifest, renderManifest, type ManifestAsset } from '../output/manifest.js';
import { type RenderOutcome, renderAsset } from '../render/page.js';
import { ASSET_ORIGIN } from '../util/origin.js';
import { RenderPool, type MemoryAsset } from '../render/pool.js';
import { renderMarkdown } from '../templates/markdown.js';
import { loadTemplate, type Template } from '../templates/engine.js';
import { displayPath, isInside, sha256, writeFileAtomic } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';
import { rendererCodeFingerprint } from '../version.js';
import { renderDocument, type DocumentInputs } from './document.js';
import { planRenders, type RenderJob } from './plan.js';
import type { Refusal } from '../consent/gate.js';
import { LABEL_SOURCE } from '../i18n/keys.js';
import { isPseudo, pseudoMarkdown, pseudoResources, pseudoText, type PseudoLocale } from '../i18n/pseudo.js';

export interface BuildOptions {
  /** Project folder holding templates/ and locales/. */
  root: string;
  campaignDir: string;
  out: string;
  locales?: string[];
  only?: string[];
  asOf?: string;
  region?: string;
  skipRefused?: boolean;
  strict?: boolean;
  cache?: boolean;
  chromium?: string;
  concurrency?: number;
  /** Validate, gate and plan, but render nothing (the `check` command). */
  dryRun?: boolean;
  /** Build only the K-th of N disjoint slices of the planned assets (1-based). */
  shard?: { index: number; count: number };
  onProgress?: (e: ProgressEvent) => void;
}

export type ProgressEvent =
  | { type: 'plan'; planned: number; toRender: number; cached: number }
  | { type: 'asset'; done: number; total: number; path: string; cached: boolean; ms: number };

export interface BuildReport {
  campaign: string | null;
  out: string;
  assets: ManifestAsset[];
  refusals: Refusal[];
  warnings: Problem[];
  errors: Problem[];
  stats: { planned: number; rendered: number; cached: number; refused: number; removed: number; seconds: number };
  exitCode: ExitCode;
}

/**
 * Which shard an asset belongs to: by a hash of its path, so that shards are disjoint, cover
 * everything, and an asset stays in its shard when the plan around it changes.
 */
export function inShard(relPath: string, shard: { index: number; count: number }): boolean {
  return Number.parseInt(sha256(relPath).slice(0, 8), 16) % shard.count === shard.index - 1;
}

export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new CampaignPressError(
      'usage',
      `--shard ${s} is not K/N with 1 <= K <= N`,
      { field: '--shard' },
      'For a matrix of 3 machines use --shard 1/3, --shard 2/3 and --shard 3/3.',
    );
  return { index, count };
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export interface LoadedProject {
  table: LocaleTable;
  campaign: Campaign;
  templates: Map<string, Template>;
}

/** Load and cross-check everything a build needs; throws ValidationErrors listing every problem. */
export function loadProject(root: string, campaignDir: string): LoadedProject {
  const localesDir = path.join(root, 'locales');
  const table = loadLocaleTable(localesDir);
  const campaign = loadCampaign(campaignDir, table, localesDir);
  const templates = new Map<string, Template>();
  const errors: CampaignPressError[] = [];
  campaign.data.outputs.forEach((o, i) => {
    try {
      const t =
        templates.get(o.template) ??
        loadTemplate(path.join(root, 'templates'), o.template, {
          file: campaign.file,
          line: campaign.lineOf(['outputs', i, 'template']),
          field: `outputs[${i}].template`,
        });
      templates.set(o.template, t);
      (o.formats ?? []).forEach((f, j) => {
        if (!t.formats.has(f)) {
          errors.push(
            new CampaignPressError(
              'format-unknown',
              `template "${t.name}" has no format "${f}"`,
              { file: campaign.file, line: campaign.lineOf(['outputs', i, 'formats', j]), field: `outputs[${i}].formats[${j}]` },
              `Use one of: ${[...t.formats.keys()].join(', ')}.`,
            ),
          );
        }
      });
      if (o.for_each === 'testimony' && t.testimonies !== 'each') {
        errors.push(
          new CampaignPressError(
            'schema-invalid',
            `template "${t.name}" does not make one asset per testimony`,
            { file: campaign.file, line: campaign.lineOf(['outputs', i, 'for_each']), field: `outputs[${i}].for_each` },
            'Remove for_each, or use testimony-card.',
          ),
        );
      }
    } catch (e) {
      if (e instanceof ValidationErrors) errors.push(...e.errors);
      else if (e instanceof CampaignPressError) errors.push(e);
      else throw e;
    }
  });
  // Markdown bodies: links and images are checked here, where the file is known.
  const md: [string, string, number | undefined][] = [[campaign.body, campaign.file, campaign.bodyLine]];
  for (const b of campaign.bodies.values()) md.push([b.body, b.file, b.bodyLine]);
  for (const t of campaign.testimonies) {
    md.push([t.body, t.file, t.bodyLine]);
    for (const tr of t.translations.values()) md.push([tr.body, tr.file, tr.bodyLine]);
  }
  for (const [src, file, line] of md) {
    for (const p of renderMarkdown(src).problems) errors.push(new CampaignPressError('markdown-link', p, { file, line, field: 'body' }));
  }
  if (errors.length) throw new ValidationErrors(errors);
  return { table, campaign, templates };
}

/** Give the loaded campaign pseudo-translations (description and testimonies) for a pseudo-locale. */
function addPseudoLocale(campaign: Campaign, l: PseudoLocale): void {
  campaign.bodies.set(l, { body: pseudoMarkdown(l, campaign.body), file: campaign.file, status: 'draft', stale: false });
  for (const t of campaign.testimonies) {
    const d = t.data;
    t.translations.set(l, {
      translation_of: t.id,
      source_sha256: t.sha256,
      status: 'draft',
      title: pseudoText(l, d.title),
      quote: d.quote === undefined ? undefined : pseudoText(l, d.quote),
      paraphrase: d.paraphrase === undefined ? undefined : pseudoText(l, d.paraphrase),
      body: pseudoMarkdown(l, t.body),
      file: t.file,
      stale: false,
    });
  }
}

function loadResources(root: string, table: LocaleTable, campaign: Campaign, locales: string[]): Resource {
  const resources: Resource = {};
  const needed = new Set(locales.flatMap((l) => table.chain(l)));
  for (const l of needed) {
    if (isPseudo(l)) {
      const en = parseJsonStrict(
        readFileSync(path.join(root, 'locales', LABEL_SOURCE, 'common.json'), 'utf8'),
        `locales/${LABEL_SOURCE}/common.json`,
      ).data;
      resources[l] = pseudoResources(table, l, en, campaign.messages.get(campaign.data.source_locale) ?? {});
      continue;
    }
    const file = path.join(root, 'locales', l, 'common.json');
    let common: Record<string, unknown> = {};
    try {
      common = parseJsonStrict(readFileSync(file, 'utf8'), displayPath(file)).data as Record<string, unknown>;
    } catch (e) {
      if (e instanceof CampaignPressError) throw e;
    }
    resources[l] = { common, campaign: (campaign.messages.get(l) ?? {}) as Record<string, string> };
  }
  return resources;
}

function parseOnly(only: string[], templates: ReadonlyMap<string, Template>): { template: string; format?: string }[] {
  return only.map((o) => {
    const [template, format] = o.split(':') as [string, string | undefined];
    const t = templates.get(template);
    if (!t)
      throw new CampaignPressError(
        'template-unknown',
        `--only ${o}: the campaign has no output with template "${template}"`,
        { field: '--only' },
        `Use one of: ${[...templates.keys()].join(', ')}.`,
      );
    if (format !== undefined && !t.formats.has(format))
      throw new CampaignPressError(
        'format-unknown',
        `--only ${o}: template "${template}" has no format "${format}"`,
        { field: '--only' },
        `Use one of: ${[...t.formats.keys()].join(', ')}.`,
      );
    return format === undefined ? { template } : { template, format };
  });
}

export async function build(opts: BuildOptions): Promise<BuildReport> {
  const started = process.hrtime.bigint();
  const diag = new Diagnostics();
  const outRoot = path.resolve(opts.out);
  const report: BuildReport = {
    campaign: null,
    out: outRoot,
    assets: [],
    refusals: [],
    warnings: [],
    errors: [],
    stats: { planned: 0, rendered: 0, cached: 0, refused: 0, removed: 0, seconds: 0 },
    exitCode: ExitCode.ok,
  };
  const finish = (code: ExitCode): BuildReport => {
    report.warnings = diag.warnings.map(toProblem);
    report.errors = diag.errors.map(toProblem);
    report.stats.seconds = Number((Number(process.hrtime.bigint() - started) / 1e9).toFixed(2));
    report.exitCode = code;
    return report;
  };

  const { table, campaign, templates } = loadProject(opts.root, opts.campaignDir);
  report.campaign = campaign.id;
  for (const w of campaign.warnings) diag.warn(w);

  const asOf = opts.asOf ?? today();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) {
    throw new CampaignPressError('usage', `--as-of ${asOf} is not a date`, { field: '--as-of' }, 'Write the date as YYYY-MM-DD.');
  }
  const locales = opts.locales?.length ? opts.locales : campaign.data.locales;
  for (const l of locales) {
    // Pseudo-locales (en-XA, ar-XB) build any campaign: they are computed from its source text.
    if (isPseudo(l) && table.has(l)) {
      addPseudoLocale(campaign, l);
      continue;
    }
    if (!campaign.data.locales.includes(l)) {
      throw new CampaignPressError(
        'locale-unknown',
        `--locale ${l}: the campaign is not published in "${l}"`,
        { file: campaign.file, line: campaign.lineOf(['locales']), field: '--locale' },
        `Use one of: ${campaign.data.locales.join(', ')}, or add it to locales in campaign.md.`,
      );
    }
  }
  const regions = opts.region ? [opts.region] : campaign.data.distribution.regions;
  if (opts.region && !campaign.data.distribution.regions.includes(opts.region)) {
    throw new CampaignPressError(
      'usage',
      `--region ${opts.region} is not a distribution region of the campaign`,
      { field: '--region' },
      `Use one of: ${campaign.data.distribution.regions.join(', ')}.`,
    );
  }
  const only = parseOnly(opts.only ?? [], templates);

  // Images: decoded and re-encoded before any page sees them.
  const memory = new Map<string, MemoryAsset>();
  const assetUrls = new Map<string, string>();
  const photos = new Map<string, string>();
  const photoHashes = new Map<string, string>();
  const addImage = async (abs: string, rel: string, kind: 'logo' | 'photo', where: { file: string; line?: number; field: string }) => {
    const img = await processImage(abs, kind, where);
    const url = `${ASSET_ORIGIN}/assets/${img.sha256}.${img.contentType === 'image/png' ? 'png' : 'jpg'}`;
    memory.set(url, { body: img.bytes, contentType: img.contentType });
    assetUrls.set(rel, url);
    return { url, sourceSha256: img.sourceSha256 };
  };
  const imageErrors: CampaignPressError[] = [];
  if (campaign.logoPath && campaign.data.brand.logo) {
    await addImage(campaign.logoPath, campaign.data.brand.logo, 'logo', {
      file: campaign.file,
      line: campaign.lineOf(['brand', 'logo']),
      field: 'brand.logo',
    }).catch((e) => imageErrors.push(e));
  }
  for (const t of campaign.testimonies) {
    if (!t.photoPath || !t.data.photo) continue;
    try {
      const r = await addImage(t.photoPath, t.data.photo, 'photo', { file: t.file, line: t.photoLine, field: 'photo' });
      photos.set(t.id, r.url);
      photoHashes.set(t.id, r.sourceSha256);
    } catch (e) {
      imageErrors.push(e as CampaignPressError);
    }
  }
  if (imageErrors.length)
    throw new ValidationErrors(
      imageErrors.map((e) => (e instanceof CampaignPressError ? e : new CampaignPressError('image-invalid', String(e)))),
    );

  const denied = new Set(campaign.testimonies.flatMap((t) => t.data.consent?.identity.denylist_sha256 ?? []));
  const plan = planRenders(
    campaign,
    templates,
    { asOf, locales, only, regions, skipRefused: !!opts.skipRefused, photoHashes, denied },
    diag,
  );
  report.refusals = plan.refusals;
  report.stats.planned = plan.jobs.length + plan.refusedAssets.length;
  report.stats.refused = new Set(plan.refusals.map((r) => r.asset)).size;
  if (plan.refusedAssets.length && !opts.skipRefused) {
    for (const r of plan.refusals) {
      const t = campaign.testimonies.find((x) => x.id === r.testimony);
      diag.error(
        new CampaignPressError(
          'consent-refused',
          `${r.asset}: testimony ${r.testimony} (consent ${r.consent_id ?? 'none'}) refused by rule ${r.rule}: ${r.reason}`,
          { file: t?.file, line: t?.consentLine, field: r.rule },
        ),
      );
    }
    return finish(ExitCode.consentRefused);
  }

  if (opts.shard) {
    plan.jobs = plan.jobs.filter((j) => inShard(j.relPath, opts.shard!));
    report.stats.planned = plan.jobs.length;
  }
  for (const l of locales) {
    if (l !== campaign.data.source_locale && !campaign.bodies.has(l) && campaign.body.trim()) {
      diag.warn(
        new CampaignPressError(
          'translation-missing',
          `the campaign description has no ${l} translation; the ${campaign.data.source_locale} text is used`,
          { file: `${path.relative(process.cwd(), campaign.dir) || '.'}/campaign.${l}.md` },
          `Translate it in campaign.${l}.md (translation_of, source_sha256, status).`,
        ),
      );
    }
  }
  const translator = new Translator(table, loadResources(opts.root, table, campaign, locales), diag);
  const docInputs: DocumentInputs = { campaign, table, translator, assets: assetUrls, photos };
  // Pass 1: render every page string once to find translation errors and compute content keys.
  // The strings are made again at render time rather than held, so memory stays flat as the
  // number of assets grows (templating costs milliseconds; a page string carries ~30 kB of CSS).
  const keyed: { job: RenderJob; key: string }[] = [];
  const deniedKey = [...denied].sort().join(',');
  for (const job of plan.jobs) {
    const doc = renderDocument(job, docInputs);
    // The deny-list is part of the key: a cached asset skips the scan of the rendered page, so a
    // term added to any deny-list must make every asset render (and be scanned) again.
    const key = sha256(
      [rendererCodeFingerprint(), job.template.fingerprint, JSON.stringify(job.format), doc.fontFingerprint, deniedKey, doc.html].join(
        '\u0000',
      ),
    );
    keyed.push({ job, key });
  }
  if (opts.strict) for (const w of diag.warnings.splice(0)) diag.error(w);
  if (diag.errors.length) return finish(ExitCode.invalidInput);
  if (opts.dryRun) return finish(ExitCode.ok);

  const campaignOut = path.join(outRoot, campaign.id);
  if (!isInside(outRoot, campaignOut)) throw new CampaignPressError('output-unsafe', `output folder for ${campaign.id} escapes ${outRoot}`);
  // The last manifest says which files exist (for stale removal); with the cache on, it also
  // says which of them can be reused.
  const previous = await readManifest(campaignOut);
  const prevByPath = new Map(opts.cache === false ? [] : (previous?.assets ?? []).map((a) => [a.path, a]));
  const reusable = async (rel: string, key: string): Promise<ManifestAsset | undefined> => {
    const prev = prevByPath.get(rel);
    if (!prev || prev.key !== key) return undefined;
    try {
      const bytes = await fs.readFile(path.join(campaignOut, rel));
      return sha256(bytes) === prev.sha256 ? prev : undefined;
    } catch {
      return undefined;
    }
  };

  const staging = path.join(campaignOut, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  const staged: { rel: string; asset: ManifestAsset }[] = [];
  const pool = new RenderPool(memory, { executablePath: opts.chromium, concurrency: opts.concurrency });
  // One more job in flight than pages: while a page renders the next asset, the previous one is
  // encoded (sharp, pdf-lib) and written.
  const limit = pLimit(pool.concurrency + 1);
  let done = 0;
  let failed = false;
  const cachedFirst = await Promise.all(keyed.map(async (k) => ({ ...k, prev: await reusable(k.job.relPath, k.key) })));
  const toRender = cachedFirst.filter((k) => !k.prev).length;
  opts.onProgress?.({ type: 'plan', planned: keyed.length, toRender, cached: keyed.length - toRender });
  try {
    await Promise.all(
      cachedFirst.map(({ job, key, prev }) =>
        limit(async () => {
          // A quality failure (overflow, glyph) does not stop the others: the report lists every
          // problem at once. A broken browser does.
          if (
            failed &&
            diag.errors.some((e) => e.code === 'render-failed' || e.code === 'render-timeout' || e.code === 'browser-not-found')
          )
            return;
          const t0 = Date.now();
          if (prev) {
            report.assets.push(prev);
            report.stats.cached++;
            opts.onProgress?.({ type: 'asset', done: ++done, total: keyed.length, path: job.relPath, cached: true, ms: 0 });
            return;
          }
          const doc = renderDocument(job, docInputs);
          const pdfMeta = {
            title: doc.title,
            subject: translator.text(job.locale, 'campaign:headline'),
            keywords: [campaign.id, job.template.name, job.format.name, job.locale],
            lang: job.locale,
          };
          let outcome: RenderOutcome;
          try {
            outcome = await renderAsset(pool, job.relPath, doc.html, job.format, pdfMeta);
          } catch (e) {
            failed = true;
            diag.error(
              e instanceof CampaignPressError
                ? new CampaignPressError(
                    e.code,
                    e.message.startsWith(job.relPath) ? e.message : `${job.relPath}: ${e.message}`,
                    e.location,
                    e.hint,
                  )
                : new CampaignPressError('render-failed', `${job.relPath}: ${(e as Error).message}`),
            );
            return;
          }
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
          const uncovered = missingGlyphs(outcome.text, table.get(job.locale).fonts);
          if (uncovered.length && !outcome.fallbacks.length) {
            const hex = uncovered.map((c) => `"${c}" ${codePoint(c)}`).join(', ');
            diag.error(new CampaignPressError('render-glyph-fallback', `${job.relPath}: no bundled font draws ${hex}`, where));
          }
          for (const u of outcome.blocked)
            diag.error(new CampaignPressError('render-blocked-request', `${job.relPath}: the page requested ${u}; it was blocked`, where));
          for (const u of outcome.navigations)
            diag.error(new CampaignPressError('render-blocked-request', `${job.relPath}: the page tried to navigate to ${u}`, where));
          // In a pseudo-locale, overflow is the finding the build exists to show: warn and write.
          const pseudo = isPseudo(job.locale);
          for (const o of outcome.overflow) {
            const e = new CampaignPressError('render-overflow', `${job.relPath}: text does not fit its box (${o})`, where);
            if (pseudo) diag.warn(e);
            else diag.error(e);
          }
          // Deny-list: page text, alt text, file name and PDF metadata.
          const scanned = [
            outcome.text,
            job.relPath.replace(/[-_./]/g, ' '),
            pdfMeta.title,
            pdfMeta.subject,
            pdfMeta.keywords.join(' '),
          ].join('\n');
          if (findDenied(scanned, denied)) {
            const ts = job.pieces.length ? job.pieces : [undefined];
            for (const p of ts) {
              report.refusals.push({
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
            report.stats.refused++;
            if (!opts.skipRefused) {
              failed = true;
              diag.error(
                new CampaignPressError(
                  'consent-refused',
                  `${job.relPath}: a deny-listed term appears in the rendered asset (the term is not shown)`,
                  { field: 'denylist' },
                ),
              );
            }
            return;
          }
          if (
            outcome.fallbacks.length ||
            uncovered.length ||
            outcome.blocked.length ||
            outcome.navigations.length ||
            (outcome.overflow.length && !pseudo)
          ) {
            failed = true;
            return;
          }
          const file = path.join(staging, job.relPath);
          if (!isInside(staging, file))
            throw new CampaignPressError('output-unsafe', `output path ${job.relPath} escapes the output folder`);
          await writeFileAtomic(file, outcome.bytes);
          const asset: ManifestAsset = {
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
            key,
          };
          staged.push({ rel: job.relPath, asset });
          report.assets.push(asset);
          report.stats.rendered++;
          opts.onProgress?.({ type: 'asset', done: ++done, total: keyed.length, path: job.relPath, cached: false, ms: Date.now() - t0 });
        }),
      ),
    );
  } finally {
    await pool.close();
  }

  const hasConsentError = diag.errors.some((e) => e.code === 'consent-refused');
  if (failed || diag.errors.length) {
    await fs.rm(staging, { recursive: true, force: true });
    report.assets = [];
    return finish(
      hasConsentError && !diag.errors.some((e) => e.exitCode === ExitCode.renderFailed)
        ? ExitCode.consentRefused
        : (Math.max(...diag.errors.map((e) => e.exitCode), ExitCode.renderFailed) as ExitCode),
    );
  }

  // Commit: move staged files into place, drop assets of this build's scope that are no longer
  // planned (a withdrawn testimony's cards must not linger), then write the manifest last.
  for (const s of staged) {
    const dest = path.join(campaignOut, s.rel);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(path.join(staging, s.rel), dest);
  }
  await fs.rm(staging, { recursive: true, force: true });
  const built = new Set(report.assets.map((a) => a.path));
  const inScope = (a: ManifestAsset) =>
    locales.includes(a.locale) &&
    (!only.length || only.some((o) => o.template === a.template && (!o.format || o.format === a.format))) &&
    (!opts.shard || inShard(a.path, opts.shard));
  const kept: ManifestAsset[] = [];
  for (const a of previous?.assets ?? []) {
    if (built.has(a.path)) continue;
    if (inScope(a)) {
      const p = path.join(campaignOut, a.path);
      if (isInside(campaignOut, p)) await fs.rm(p, { force: true });
      report.stats.removed++;
    } else kept.push(a);
  }
  const manifest = createManifest(
    campaign.id,
    asOf,
    regions,
    [...report.assets, ...kept],
    report.refusals,
    opts.shard ? `${opts.shard.index}/${opts.shard.count}` : undefined,
  );
  await writeFileAtomic(path.join(campaignOut, 'manifest.json'), renderManifest(manifest));
  report.assets = manifest.assets;
  return finish(ExitCode.ok);
}
