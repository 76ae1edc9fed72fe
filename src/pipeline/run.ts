import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Refusal } from '../consent/gate.js';
import { CampaignPressError, Diagnostics, ExitCode, exitCodeFor, type Problem, toProblem, ValidationErrors } from '../errors.js';
import { commitStaged, discardStaging, readManifest, reusable } from '../output/commit.js';
import type { ManifestAsset } from '../output/manifest.js';
import { isInside } from '../util/files.js';
import { loadImages } from './steps/images.js';
import { type BuildScope, inShard, loadProject, resolveScope, type Shard } from './steps/load.js';
import { planStep } from './steps/plan.js';
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
  concurrency?: number;
  /** Validate, gate and plan, but render nothing (the `check` command). */
  dryRun?: boolean;
  /** Build only the K-th of N disjoint slices of the planned assets (1-based). */
  shard?: Shard;
  onProgress?: (e: ProgressEvent) => void;
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
    stats: { planned: 0, rendered: 0, cached: 0, refused: 0, removed: 0, seconds: 0 },
    exitCode: ExitCode.ok,
  };
  try {
    await runSteps(opts, report, diag);
  } catch (e) {
    if (e instanceof ValidationErrors) for (const x of e.errors) diag.error(x);
    else if (e instanceof CampaignPressError) diag.error(e);
    else throw e;
  }
  if (diag.errors.length) report.assets = [];
  report.warnings = diag.warnings.map(toProblem);
  report.errors = diag.errors.map(toProblem);
  report.stats.seconds = Number((Number(process.hrtime.bigint() - started) / 1e9).toFixed(2));
  report.exitCode = exitCodeFor(diag.errors);
  return report;
}

async function runSteps(opts: BuildOptions, report: BuildReport, diag: Diagnostics): Promise<void> {
  const project = loadProject(opts.root, opts.campaignDir);
  report.campaign = project.campaign.id;
  for (const w of project.campaign.warnings) diag.warn(w);
  const scope = resolveScope(project, opts);
  const images = await loadImages(project.campaign);
  const planned = planStep(project, scope, images, { root: opts.root, skipRefused: !!opts.skipRefused, strict: !!opts.strict }, diag);
  report.refusals = planned.refusals;
  report.stats.planned = planned.planned;
  report.stats.refused = new Set(planned.refusals.map((r) => r.asset)).size;
  if (planned.blocked || diag.errors.length || opts.dryRun || !planned.inputs) return;

  const outRoot = report.out;
  const campaignOut = path.join(outRoot, project.campaign.id);
  if (!isInside(outRoot, campaignOut))
    throw new CampaignPressError('output-unsafe', `output folder for ${project.campaign.id} escapes ${outRoot}`);
  // The last manifest says which files exist (for stale removal); with the cache on, it also
  // says which of them can be reused.
  const previous = await readManifest(campaignOut);
  const prevByPath = new Map(opts.cache === false ? [] : (previous?.assets ?? []).map((a) => [a.path, a]));
  const jobs = await Promise.all(
    planned.jobs.map(async (k) => ({ ...k, prev: await reusable(campaignOut, prevByPath.get(k.job.relPath), k.key) })),
  );
  const staging = path.join(campaignOut, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  const rendered = await renderStep(
    {
      jobs,
      inputs: planned.inputs,
      memory: images.memory,
      denied: planned.denied,
      staging,
      skipRefused: !!opts.skipRefused,
      chromium: opts.chromium,
      concurrency: opts.concurrency,
      onProgress: opts.onProgress,
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
  if (rendered.failed || diag.errors.length) {
    await discardStaging(staging);
    return;
  }
  const { manifest, removed } = await commitStaged({
    campaignOut,
    staging,
    staged: rendered.staged,
    assets: rendered.assets,
    previous,
    inScope: (a) => inBuildScope(a, scope),
    manifest: {
      campaign: project.campaign.id,
      asOf: scope.asOf,
      regions: scope.regions,
      refusals: report.refusals,
      shard: scope.shard ? `${scope.shard.index}/${scope.shard.count}` : undefined,
    },
  });
  report.assets = manifest.assets;
  report.stats.removed = removed;
}

/** Whether an asset of a previous build belongs to this build's slice (so it is replaced or removed). */
function inBuildScope(a: ManifestAsset, scope: BuildScope): boolean {
  return (
    scope.locales.includes(a.locale) &&
    (!scope.only.length || scope.only.some((o) => o.template === a.template && (!o.format || o.format === a.format))) &&
    (!scope.shard || inShard(a.path, scope.shard))
  );
}
