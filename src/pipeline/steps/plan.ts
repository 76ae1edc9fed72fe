import path from 'node:path';
import pLimit from 'p-limit';
import type { Refusal } from '../../consent/gate.js';
import { catalog, CampaignPressError, Diagnostics, type ErrorCode, type Problem, toProblem } from '../../errors.js';
import { Translator } from '../../i18n/translator.js';
import { pdfDate } from '../../util/dates.js';
import { sha256 } from '../../util/files.js';
import { addStage } from '../../util/profile.js';
import { rendererCodeFingerprint } from '../../version.js';
import { brandColours, describeContrast } from '../contrast.js';
import { altText } from '../alt.js';
import { type DocumentInputs, renderDocument } from '../document.js';
import { planRenders, type RenderJob } from '../plan.js';
import { deniedHashes } from '../../consent/inputs.js';
import type { ManifestAsset } from '../../output/manifest.js';
import { type CampaignImages, loadImages } from './images.js';
import { inputKeyer } from './inputs.js';
import { type BuildScope, inShard, type LoadedProject, loadResources } from './load.js';

/**
 * The plan step: gate and plan every asset, then write every page once to find translation
 * errors and compute content keys. Errors and warnings go to `diag`; nothing is rendered.
 */

export interface KeyedJob {
  job: RenderJob;
  /** Alt text of an image asset (pipeline/alt.ts), part of the key: its sidecar is an output too. */
  alt?: string;
  /** Content key: equal keys render equal bytes, so the previous file can be reused. */
  key: string;
  /**
   * The key of the page alone, when `key` also covers how it is output (`--marks`): the edition
   * code printed on the page names the page, so a PDF with marks shows the same code as one without.
   */
  pageKey?: string;
  /** Input key (steps/inputs.ts): absent in a dry run. */
  inputs?: string;
  /** Warnings writing this page gave, kept in its manifest entry to be reported again when it is reused. */
  warnings?: Problem[];
  /** The previous build's entry, reused as it is: the file is not rendered again. */
  prev?: ManifestAsset;
}

/**
 * The previous output of a job, if its input key is the one recorded and its files are still the
 * ones recorded (sha256); undefined renders it.
 */
export type ReuseLookup = (job: RenderJob, inputs: string) => Promise<ManifestAsset | undefined>;

export interface PlannedBuild {
  /** The jobs of this build (of its shard, if any), with their content keys. */
  jobs: KeyedJob[];
  /** Every asset path of the whole plan (before sharding), refused ones excluded. */
  fullPlan: Set<string>;
  refusals: Refusal[];
  /** Assets a refusal blocked; without --skip-refused they fail the build. */
  refusedAssets: string[];
  /** Assets counted in the report: this build's jobs, plus the refused ones of an unsharded build. */
  planned: number;
  /** Gate refusals became errors (no --skip-refused): the build stops before rendering, with no jobs. */
  blocked: boolean;
  /** What the render step needs to write each page again; absent when blocked. */
  inputs?: DocumentInputs;
  /** The images of this plan (absent when blocked): processed only after the gate decided. */
  images?: CampaignImages;
  /** Deny-listed hashes of every testimony, for the scan of each rendered page. */
  denied: ReadonlySet<string>;
}

export interface PlanStepOptions {
  root: string;
  skipRefused: boolean;
  strict: boolean;
  /** `--marks` (part of the input key of PDFs). */
  marks?: { asOf: string };
  /** Previous outputs to reuse before any page is written (absent: every page is written, as `check` does). */
  reuse?: ReuseLookup;
}

export async function planStep(project: LoadedProject, scope: BuildScope, opts: PlanStepOptions, diag: Diagnostics): Promise<PlannedBuild> {
  const { campaign, table, templates } = project;
  const denied = deniedHashes(campaign);
  const plan = planRenders(
    campaign,
    templates,
    {
      asOf: scope.asOf,
      asOfEarliest: scope.asOfEarliest,
      locales: scope.locales,
      only: scope.only,
      regions: scope.regions,
      skipRefused: opts.skipRefused,
      denied,
    },
    diag,
  );
  const full = fullPlan(project, scope, denied);
  for (const e of collisions(project, full)) diag.error(e);
  const base = { fullPlan: new Set(full.map((j) => j.relPath)), refusals: plan.refusals, refusedAssets: plan.refusedAssets, denied };
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
    return { ...base, jobs: [], planned: plan.jobs.length + plan.refusedAssets.length, blocked: true };
  }
  const jobs = scope.shard ? plan.jobs.filter((j) => inShard(j.relPath, scope.shard!)) : plan.jobs;
  warnUntranslatedDescription(project, scope, diag);
  warnLowContrast(project.campaign, diag);
  // Images only now, after the gate: a photo is decoded only for assets its consent allows.
  const images = await loadImages(campaign, new Set(jobs.flatMap((j) => j.pieces.filter((p) => p.photo).map((p) => p.id))));
  const resources = loadResources(opts.root, table, campaign, scope.locales);
  const recorder = new WarningRecorder(diag);
  const translator = new Translator(table, resources, recorder);
  const inputs: DocumentInputs = {
    campaign,
    table,
    translator,
    assets: images.assetUrls,
    photos: images.photos,
    editionDate: editionDate(scope),
    rasters: images.rasters,
  };
  const date = pdfDate(scope.asOfEarliest);
  const keyed = await keyJobs(jobs, { inputs, denied, date, recorder, reuse: opts.reuse }, () =>
    inputKeyer({ inputs, resources, denied, pdfDate: date, marks: opts.marks }),
  );
  if (opts.strict) for (const w of diag.warnings.splice(0)) diag.error(w);
  const planned = scope.shard ? jobs.length : jobs.length + plan.refusedAssets.length;
  return { ...base, jobs: keyed, planned, blocked: false, inputs, images };
}

function warnLowContrast(campaign: LoadedProject['campaign'], diag: Diagnostics): void {
  for (const p of brandColours(campaign.brand).problems) {
    const field = p.fg === campaign.brand.accent.toUpperCase() ? 'accent' : 'primary';
    diag.warn(new CampaignPressError('contrast-low', describeContrast(p), campaign.brand.colourAt(field)));
  }
}

/**
 * The plan of a full build (every locale, template and format; every region; refused assets left
 * out): a narrowed build keeps an earlier output outside its slice only while this still has it.
 */
function fullPlan(
  project: LoadedProject,
  dates: { asOf: string; asOfEarliest: string },
  denied: ReadonlySet<string>,
  regions: readonly string[] = project.campaign.data.distribution.regions,
): RenderJob[] {
  const { campaign, templates } = project;
  const opts = {
    asOf: dates.asOf,
    asOfEarliest: dates.asOfEarliest,
    locales: campaign.data.locales,
    only: [],
    regions: [...regions],
    skipRefused: true,
    denied,
  };
  // Its warnings are the narrowed plan's, or about assets this build does not make.
  return planRenders(campaign, templates, opts, new Diagnostics()).jobs;
}

/**
 * Every asset path the campaign as it is now plans for these regions, on these dates (refused
 * assets excluded): what a release may contain. `bundle` refuses anything else.
 */
export function releasePlan(
  project: LoadedProject,
  dates: { asOf: string; asOfEarliest: string },
  regions: readonly string[],
): Set<string> {
  return new Set(fullPlan(project, dates, deniedHashes(project.campaign), regions).map((j) => j.relPath));
}

/** Two planned assets with one path would overwrite each other: refused before anything renders, once per pair of outputs. */
function collisions({ campaign }: LoadedProject, jobs: RenderJob[]): CampaignPressError[] {
  const what = (j: RenderJob) => `${j.template.name}:${j.format.name}${j.testimonyId ? ` for testimony ${j.testimonyId}` : ''}`;
  const seen = new Map<string, RenderJob>();
  const pairs = new Map<string, { first: RenderJob; second: RenderJob; paths: string[] }>();
  for (const j of jobs) {
    const first = seen.get(j.relPath);
    if (!first) {
      seen.set(j.relPath, j);
      continue;
    }
    const key = `${what(first)}|${what(j)}`;
    const pair = pairs.get(key) ?? { first, second: j, paths: [] };
    pair.paths.push(j.relPath);
    pairs.set(key, pair);
  }
  return [...pairs.values()].map(({ first, second, paths }) => {
    const i = campaign.data.outputs.findIndex((o) => o.template === second.template.name);
    const where = `${paths[0]}${paths.length > 1 ? ` (and ${paths.length - 1} more)` : ''}`;
    return new CampaignPressError(
      'output-collision',
      what(first) === what(second)
        ? `${where} is planned twice: ${what(second)} is listed more than once in outputs`
        : `${where} is planned twice: by ${what(first)} and by ${what(second)}`,
      { file: campaign.file, line: campaign.lineOf(['outputs', i]), field: `outputs[${i}]` },
    );
  });
}

function warnUntranslatedDescription({ campaign }: LoadedProject, scope: BuildScope, diag: Diagnostics): void {
  for (const l of scope.locales) {
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
}

interface KeyingContext {
  inputs: DocumentInputs;
  denied: ReadonlySet<string>;
  date: Date;
  recorder: WarningRecorder;
  reuse?: ReuseLookup;
}

/**
 * Jobs whose previous output is reusable by input key are taken as they are (their page is not
 * written; the warnings it gave are reported again); every other page is written to compute its
 * content key.
 */
async function keyJobs(jobs: RenderJob[], k: KeyingContext, keyer: () => (job: RenderJob) => string): Promise<KeyedJob[]> {
  // Input keys also without the cache (--no-cache): the manifest of a fresh build is the same file.
  const keyOf = keyer();
  const reuse = k.reuse;
  const limit = pLimit(8);
  const withInputs = jobs.map((job) => ({ job, inputs: keyOf(job) }));
  const found = await Promise.all(withInputs.map(({ job, inputs }) => (reuse ? limit(() => reuse(job, inputs)) : undefined)));
  const fresh = withInputs.filter((_, i) => !found[i] || !replayable(found[i]!));
  const keyed = new Map(
    contentKeys(
      fresh.map((f) => f.job),
      k.inputs,
      k.denied,
      k.date,
      k.recorder,
    ).map((x) => [x.job, x]),
  );
  return withInputs.map(({ job, inputs }, i) => {
    const prev = found[i];
    const fromKey = keyed.get(job);
    if (fromKey) return { ...fromKey, inputs };
    for (const w of prev!.warnings ?? []) k.recorder.warn(fromProblem(w));
    const reused: KeyedJob = { job, key: prev!.key, inputs, prev: prev! };
    if (prev!.alt !== undefined) reused.alt = prev!.alt;
    if (prev!.warnings?.length) reused.warnings = prev!.warnings;
    return reused;
  });
}

/** A stored warning names a code of this tool's catalog; anything else renders the asset again. */
function replayable(prev: ManifestAsset): boolean {
  return (prev.warnings ?? []).every((w) => Object.hasOwn(catalog, w.code));
}

function fromProblem(p: Problem): CampaignPressError {
  const at = { file: p.file, line: p.line, field: p.field };
  return new CampaignPressError(p.code as ErrorCode, p.message, at, p.hint);
}

/**
 * Forwards to the build's diagnostics, and keeps the warnings given while one page is written,
 * for its manifest entry.
 */
class WarningRecorder extends Diagnostics {
  private current: CampaignPressError[] | undefined;

  constructor(private readonly target: Diagnostics) {
    super();
  }

  override warn(e: CampaignPressError): void {
    this.current?.push(e);
    this.target.warn(e);
  }

  override error(e: CampaignPressError): void {
    this.target.error(e);
  }

  /** Run `fn`, returning its result and the warnings it gave. */
  record<T>(fn: () => T): { value: T; warnings: CampaignPressError[] } {
    this.current = [];
    try {
      return { value: fn(), warnings: this.current };
    } finally {
      this.current = undefined;
    }
  }
}

/**
 * Render every page string once to find translation errors and compute content keys. The
 * strings are made again at render time rather than held, so memory stays flat as the number of
 * assets grows (templating costs milliseconds; a page string carries ~30 kB of CSS).
 */
function contentKeys(
  jobs: RenderJob[],
  inputs: DocumentInputs,
  denied: ReadonlySet<string>,
  date: Date,
  recorder: WarningRecorder,
): KeyedJob[] {
  const deniedKey = [...denied].sort().join(',');
  return jobs.map((job) => {
    const t0 = performance.now();
    const {
      value: { doc, alt },
      warnings,
    } = recorder.record(() => ({ doc: renderDocument(job, inputs), alt: altText(job, inputs) }));
    addStage('page written for its content key', performance.now() - t0);
    // The deny-list is part of the key: a cached asset skips the scan of the rendered page, so a
    // term added to any deny-list must make every asset render (and be scanned) again.
    const key = sha256(
      // A PDF carries its build date: another date is other bytes (and a reused file keeps its own date).
      [
        rendererCodeFingerprint(),
        job.template.fingerprint,
        JSON.stringify(job.format),
        doc.fontFingerprint,
        deniedKey,
        job.format.output === 'pdf' ? date.toISOString() : '',
        doc.html,
        alt ?? '',
      ].join('\u0000'),
    );
    const keyed: KeyedJob = { job, key };
    if (alt !== undefined) keyed.alt = alt;
    if (warnings.length) keyed.warnings = warnings.map(toProblem);
    return keyed;
  });
}

/** The edition code's date: --as-of when given (the gate's two dates are then equal), SOURCE_DATE_EPOCH, or today (UTC). */
function editionDate(scope: BuildScope): string {
  if (scope.asOf === scope.asOfEarliest) return scope.asOf;
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date()).toISOString().slice(0, 10);
}
