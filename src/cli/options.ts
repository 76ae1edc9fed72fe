import { type Command, Option } from '@commander-js/extra-typings';
import type { BuildOptions } from '../pipeline/run.js';
import { CampaignPressError } from '../errors.js';
import type { Ctx } from './io.js';

/** Flags shared by several commands, typed end to end (no casts between a flag and what it feeds). */

/** Repeatable and comma-separated: `-l ckb -l ar` and `-l ckb,ar` mean the same. */
export const collect = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export const localeOption = (what = 'only this locale (repeatable, or comma-separated)') =>
  new Option('-l, --locale <code>', what).argParser(collect);
export const onlyOption = () =>
  new Option('--only <template[:format]>', 'only this template or template:format (repeatable)').argParser(collect);
export const asOfOption = (what = 'build date for consent checks (default: today)') => new Option('--as-of <YYYY-MM-DD>', what);

/** Options shared by build and bundle: one table, so a flag and what it feeds cannot drift apart. */
// biome-ignore lint/complexity/noBannedTypes: commander's type for a command with no options yet
export function withBuildOptions<A extends unknown[]>(cmd: Command<A, {}, {}>) {
  return cmd
    .option('-o, --out <dir>', 'output folder', 'out')
    .addOption(localeOption('only this locale (repeatable, or comma-separated); en-XA and ar-XB are pseudo-locales'))
    .addOption(onlyOption())
    .option('--region <code>', 'build for one distribution region (consent is checked against it)')
    .addOption(asOfOption())
    .option('--skip-refused', 'leave out testimonies the consent gate refuses, report them, exit 0')
    .option('--strict', 'treat warnings (fallback text, stale translations) as errors')
    .option('--no-cache', 'render every asset again, even when unchanged')
    .option('--marks', 'print PDFs get crop marks and a slug line outside the bleed, on a larger page')
    .option('--concurrency <n>', 'pages rendering at once, 1 to 16 (default: 2 on 2-3 cores, else half the cores, at most 4)')
    .option('--chromium <path>', 'Chrome or Chromium binary (default: CAMPAIGN_PRESS_CHROMIUM, puppeteer cache, system)')
    .option(
      '--browser-endpoint <url>',
      'use a running Chrome over DevTools, ws://… or http://… (default: CAMPAIGN_PRESS_BROWSER_ENDPOINT); it is left running',
    )
    .option('--shard <K/N>', 'build only the K-th of N disjoint slices of the assets (for a CI matrix)')
    .option('--keep-going', 'write the assets that passed when others fail a render check, list the failures, exit 4 (never past consent)')
    .option('--json', 'print one JSON report on stdout; progress goes to stderr');
}

/** The parsed flags any build-like command may have (check and preview have a subset). */
export interface BuildFlags {
  out?: string;
  locale?: string[];
  only?: string[];
  region?: string;
  asOf?: string;
  skipRefused?: boolean;
  strict?: boolean;
  cache?: boolean;
  concurrency?: string;
  chromium?: string;
  browserEndpoint?: string;
  shard?: string;
  marks?: boolean;
  keepGoing?: boolean;
}

/** Parsed flags -> build options (build, bundle, check and preview share them). */
export async function toBuildOptions(ctx: Ctx, dir: string, o: BuildFlags): Promise<BuildOptions> {
  const { parseAsOf, parseShard } = await import('../pipeline/steps/load.js');
  return {
    root: ctx.root(),
    campaignDir: ctx.resolve(dir),
    out: ctx.resolve(o.out ?? 'out'),
    locales: o.locale,
    only: o.only,
    region: o.region,
    asOf: o.asOf === undefined ? undefined : parseAsOf(o.asOf),
    skipRefused: !!o.skipRefused,
    strict: !!o.strict,
    cache: o.cache !== false,
    concurrency: o.concurrency === undefined ? undefined : parseConcurrency(o.concurrency),
    chromium: o.chromium ?? ctx.io.env.CAMPAIGN_PRESS_CHROMIUM,
    browserEndpoint: await browserEndpoint(ctx, o),
    shard: o.shard ? parseShard(o.shard) : undefined,
    marks: !!o.marks,
    keepGoing: !!o.keepGoing,
  };
}

/** --browser-endpoint or CAMPAIGN_PRESS_BROWSER_ENDPOINT, checked before anything is built. */
async function browserEndpoint(ctx: Ctx, o: BuildFlags): Promise<string | undefined> {
  const value = o.browserEndpoint ?? (ctx.io.env.CAMPAIGN_PRESS_BROWSER_ENDPOINT || undefined);
  if (value === undefined) return undefined;
  const { parseBrowserEndpoint } = await import('../render/chromium.js');
  parseBrowserEndpoint(value, o.browserEndpoint === undefined ? 'CAMPAIGN_PRESS_BROWSER_ENDPOINT' : '--browser-endpoint');
  return value;
}

/** Pages rendering at once: a whole number from 1 to 16 ("2x" and "0" are refused, not read as 2 and the default). */
export function parseConcurrency(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new CampaignPressError(
      'usage',
      `--concurrency "${v}" is not a whole number from 1 to 16`,
      { field: '--concurrency' },
      'Each page is a Chromium tab using about 100 MB; on a laptop use 2, on a large CI machine up to 8.',
    );
  return n;
}
