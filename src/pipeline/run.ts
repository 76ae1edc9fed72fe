import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Refusal } from '../consent/gate.js';
import {
  CampaignPressError,
  Diagnostics,
  ExitCode,
  exitCodeFor,
  groupWarnings,
  type Problem,
  toProblem,
  ValidationErrors,
} from '../errors.js';
import { sheetLocales } from '../output/contact-sheet.js';
import { commitStaged, discardStaging, readManifest, removeStaleStaging, reusable } from '../output/commit.js';
import type { Manifest, ManifestAsset } from '../output/manifest.js';
import { markedKey } from '../render/mark-text.js';
import { isPseudo } from '../i18n/pseudo.js';
import { addStage } from '../util/profile.js';
import { pdfDate } from '../util/dates.js';
import { displayPath, isInside } from '../util/files.js';
import { placeholderContacts } from './contact.js';
import { type BuildScope, inShard, type LoadedProject, loadProject, resolveScope, type Shard } from './steps/load.js';
import { type KeyedJob, planStep, type ReuseLookup } from './steps/plan.js';
import { type ProgressEvent, renderStep } from './steps/render.js';

/**
 * The build, in four steps: load (project and scope), plan (gate, plan, content keys), render
 * (into a staging folder) and commit (into place, manifest last). Each step lives in its own
 * module and can be called alone; this module only runs them in order and fills the report.
 */

export { inShard, type LoadedProject, loadProject, parseShard, today } from './steps/load.js';
export type { ProgressEvent } from './steps/render.js';

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
  /** A running browser to render in (DevTools ws:// or http:// address) instead of launching one. */
  browserEndpoint?: string;
  concurrency?: number;
  /** Validate, gate and plan, but render nothing (the `check` command). */
  dryRun?: boolean;
  /**
   * Commit the assets that passed when others failed a render or quality check (exit 4, the
   * failures listed). Never when anything else failed: a consent refusal still refuses the build.
   */
  keepGoing?: boolean;
  /** Build only the K-th of N disjoint slices of the planned assets (1-based). */
  shard?: Shard;
  /** Print PDFs get crop marks and a slug outside the bleed (render/marks.ts). */
  marks?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  /** Aborted (by the CLI on SIGINT or SIGTERM): rendering stops, staging is removed, nothing is committed. */
  signal?: AbortSignal;
}

/**
 * The one result of a build, for success and for every failure the user can cause (invalid
 * input, consent, rendering): those never throw. Only a bug in campaign-press throws.
 */
export interface BuildReport {
  campaign: string | null;
  out: string;
  assets: ManifestAsset[];
  refusals: Refusal[];
  warnings: Problem[];
  errors: Problem[];
  /** Assets that failed a render or quality check; with --keep-going the others were written. */
  failed: string[];
  stats: { planned: number; rendered: number; cached: number; refused: number; removed: number; seconds: number };
  /** The catalog's exit class of the worst error (`exitCodeFor`); 0 when there is none. */
  exitCode: ExitCode;
}

export async function build(opts: BuildOptions): Promise<BuildReport> {
  const started = process.hrtime.bigint();
  const diag = new Diagnostics();
  const report: BuildReport = {
    campaign: null,
    out: path.resolve(opts.out),
    assets: [],
    refusals: [],
    warnings: [],
    errors: [],
    failed: [],
    stats: { planned: 0, rendered: 0, cached: 0, refused: 0, removed: 0, seconds: 0 },
    exitCode: ExitCode.ok,
  };
  let committed = false;
  try {
    committed = await runSteps(opts, report, diag);
  } catch (e) {
    if (e instanceof ValidationErrors) for (const x of e.errors) diag.error(x);
    else if (e instanceof CampaignPressError) diag.error(e);
    else throw e;
  }
  // Nothing was committed, unless a build that keeps going committed what passed.
  if (diag.errors.length && !committed) report.assets = [];
  report.warnings = groupWarnings(diag.warnings.map(toProblem));
  report.errors = diag.errors.map(toProblem);
  report.stats.seconds = Number((Number(process.hrtime.bigint() - started) / 1e9).toFixed(2));
  report.exitCode = exitCodeFor(diag.errors);
  return report;
}

/** Run the steps; true when the commit step ran (also for a build that kept going past failed assets). */
async function runSteps(opts: BuildOptions, report: BuildReport, diag: Diagnostics): Promise<boolean> {
  let t0 = performance.now();
  // The parse cache goes with the output cache: --no-cache parses every file again; `check` (dry run) too.
  const project = loadProject(opts.root, opts.campaignDir, { parseCache: opts.cache !== false && !opts.dryRun });
  addStage('build: load project', performance.now() - t0);
  report.campaign = project.campaign.id;
  for (const w of project.campaign.warnings) diag.warn(w);
  const scope = resolveScope(project, opts);
  // Pseudo-locale builds are layout tests that are never released: placeholders there mislead no one.
  if (!scope.locales.every(isPseudo)) for (const w of placeholderContacts(project.campaign, opts.root, scope.locales)) diag.warn(w);
  const campaignOut = safeOutputFolder(opts, report.out, project);
  // The last manifest is read once, and only by a build that writes (never by `check`).
  let previousRead: Promise<Manifest | undefined> | undefined;
  const previousOnce = () => (previousRead ??= previousManifest(campaignOut, diag));
  const reuse = opts.dryRun || opts.cache === false ? undefined : reuseByInputs(campaignOut, previousOnce);
  t0 = performance.now();
  const planned = await planStep(
    project,
    scope,
    {
      root: opts.root,
      skipRefused: !!opts.skipRefused,
      strict: !!opts.strict,
      ...(opts.marks ? { marks: { asOf: scope.asOf } } : {}),
      ...(reuse ? { reuse } : {}),
    },
    diag,
  );
  addStage('build: gate, plan, keys and reuse by inputs', performance.now() - t0);
  report.refusals = planned.refusals;
  report.stats.planned = planned.planned;
  report.stats.refused = new Set(planned.refusals.map((r) => r.asset)).size;
  if (planned.blocked || diag.errors.length || opts.dryRun || !planned.inputs || !planned.images) return false;
  if (opts.signal?.aborted) throw interrupted();
  const images = planned.images;

  await removeStaleStaging(campaignOut);
  const previous = await previousOnce();
  // With the cache on, the last manifest also says which outputs can be reused: by input key
  // (already found by the plan step), or else by content key (the page written again is the same).
  const prevByPath = new Map(opts.cache === false ? [] : (previous?.assets ?? []).map((a) => [a.path, a]));
  const limit = pLimit(8);
  const jobs = await Promise.all(
    planned.jobs
      .map((k) => (k.prev ? k : withMarks(!!opts.marks)(k)))
      .map((k) =>
        k.prev ? k : limit(async () => ({ ...k, prev: refreshed(await reusable(campaignOut, prevByPath.get(k.job.relPath), k.key), k) })),
      ),
  );
  const staging = path.join(campaignOut, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  const rendered = await renderStep(
    {
      jobs,
      inputs: planned.inputs,
      memory: images.memory,
      denied: planned.denied,
      pdfDate: pdfDate(scope.asOfEarliest),
      staging,
      skipRefused: !!opts.skipRefused,
      chromium: opts.chromium,
      browserEndpoint: opts.browserEndpoint,
      concurrency: opts.concurrency,
      marks: opts.marks ? { asOf: scope.asOf } : undefined,
      onProgress: opts.onProgress,
      signal: opts.signal,
    },
    diag,
  ).catch(async (e: unknown) => {
    await discardStaging(staging);
    throw e;
  });
  report.refusals.push(...rendered.refusals);
  report.stats.rendered = rendered.rendered;
  report.stats.cached = rendered.cached;
  report.stats.refused += rendered.refused;
  report.failed = [...rendered.failedPaths].sort();
  if (((rendered.failed || diag.errors.length) && !keptGoing(opts, rendered.failedPaths, diag)) || opts.signal?.aborted) {
    await discardStaging(staging);
    if (opts.signal?.aborted && !diag.errors.some((e) => e.code === 'interrupted')) diag.error(interrupted());
    return false;
  }
  t0 = performance.now();
  const { manifest, removed } = await commitStaged({
    campaignOut,
    staging,
    staged: rendered.staged,
    assets: rendered.assets,
    previous,
    inScope: (a) => inBuildScope(a, scope),
    fullPlan: planned.fullPlan,
    manifest: {
      campaign: project.campaign.id,
      asOf: scope.asOf,
      regions: scope.regions,
      refusals: report.refusals,
      shard: scope.shard ? `${scope.shard.index}/${scope.shard.count}` : undefined,
    },
    sheet: { locales: sheetLocales(project.table), order: project.campaign.data.locales, denied: planned.denied },
  });
  addStage('build: commit', performance.now() - t0);
  report.assets = manifest.assets;
  report.stats.removed = removed;
  return true;
}

/**
 * With --keep-going, a build whose only errors are render and quality failures of some assets
 * commits the others. Any other error (a consent refusal of a rendered page, an input error, a
 * broken browser that rendered nothing) keeps the previous outputs as they were.
 */
const BROKEN_BROWSER = new Set(['render-failed', 'render-timeout', 'browser-not-found']);

function keptGoing(opts: BuildOptions, failedPaths: readonly string[], diag: Diagnostics): boolean {
  return (
    !!opts.keepGoing &&
    failedPaths.length > 0 &&
    diag.errors.length > 0 &&
    // A broken browser stops the other pages unrendered and unlisted: nothing to keep going with.
    diag.errors.every((e) => exitCodeFor([e]) === ExitCode.renderFailed && !BROKEN_BROWSER.has(e.code))
  );
}

/** A PDF with marks is other bytes than one without: its content key says so, so the cache never mixes them. */
function withMarks(marks: boolean) {
  return (k: KeyedJob): KeyedJob => (marks && k.job.format.output === 'pdf' ? { ...k, key: markedKey(k.key), pageKey: k.key } : k);
}

/**
 * The input-key lookup of the plan step: the previous entry of the same path, when its input key
 * is this one and its file and sidecars still have their recorded bytes.
 */
function reuseByInputs(campaignOut: string, previous: () => Promise<Manifest | undefined>): ReuseLookup {
  let byPath: Promise<Map<string, ManifestAsset>> | undefined;
  return async (job, inputs) => {
    byPath ??= previous().then((m) => new Map((m?.assets ?? []).map((a) => [a.path, a])));
    const prev = (await byPath).get(job.relPath);
    if (!prev || prev.inputs !== inputs) return undefined;
    return reusable(campaignOut, prev, prev.key);
  };
}

/** An entry reused by content key gets this build's input key and warnings, so the next rebuild finds it by inputs. */
function refreshed(prev: ManifestAsset | undefined, k: KeyedJob): ManifestAsset | undefined {
  if (!prev) return undefined;
  const { inputs: _i, warnings: _w, ...rest } = prev;
  return { ...rest, ...(k.inputs ? { inputs: k.inputs } : {}), ...(k.warnings?.length ? { warnings: k.warnings } : {}) };
}

function interrupted(): CampaignPressError {
  return new CampaignPressError('interrupted', 'interrupted; previous outputs kept');
}

/**
 * <out>/<campaign> must not overlap the sources: inside the campaign, templates, locales or
 * campaigns folder, a build would write into (and its stale removal delete from) what it reads.
 */
function safeOutputFolder(opts: BuildOptions, outRoot: string, { campaign }: LoadedProject): string {
  const campaignOut = path.join(outRoot, campaign.id);
  if (!isInside(outRoot, campaignOut))
    throw new CampaignPressError('output-unsafe', `output folder for ${campaign.id} escapes ${outRoot}`, { field: '--out' });
  const root = path.resolve(opts.root);
  const sources: [string, string][] = [
    [path.resolve(campaign.dir), 'the campaign folder'],
    [path.join(root, 'templates'), 'the templates folder'],
    [path.join(root, 'locales'), 'the locales folder'],
    [path.join(root, 'campaigns'), 'the campaigns folder'],
  ];
  for (const [dir, name] of sources) {
    if (isInside(dir, campaignOut) || isInside(campaignOut, dir))
      throw new CampaignPressError(
        'output-unsafe',
        `--out ${displayPath(outRoot)} would write ${campaign.id}/ ${isInside(dir, campaignOut) ? 'inside' : 'around'} ${name} (${displayPath(dir)})`,
        { field: '--out' },
        'Write outputs to a folder of their own, such as out/ at the top of the project (the default).',
      );
  }
  if (isInside(campaignOut, root))
    throw new CampaignPressError(
      'output-unsafe',
      `--out ${displayPath(outRoot)} would put the project folder inside the outputs of ${campaign.id}`,
      { field: '--out' },
      'Write outputs to a folder of their own, such as out/ at the top of the project (the default).',
    );
  return campaignOut;
}

/** The last build's manifest; a damaged one is reported and treated as absent (every asset renders again). */
async function previousManifest(campaignOut: string, diag: Diagnostics): Promise<Manifest | undefined> {
  try {
    return await readManifest(campaignOut);
  } catch (e) {
    if (!(e instanceof CampaignPressError)) throw e;
    diag.warn(
      new CampaignPressError(
        'manifest-invalid',
        `${e.message}; it is ignored, every asset renders again`,
        e.location,
        'Nothing to do: this build writes a new manifest. If it keeps happening, something else writes to the output folder.',
      ),
    );
    return undefined;
  }
}

/** Whether an asset of a previous build belongs to this build's slice (so it is replaced or removed). */
function inBuildScope(a: ManifestAsset, scope: BuildScope): boolean {
  return (
    scope.locales.includes(a.locale) &&
    (!scope.only.length || scope.only.some((o) => o.template === a.template && (!o.format || o.format === a.format))) &&
    (!scope.shard || inShard(a.path, scope.shard))
  );
}
