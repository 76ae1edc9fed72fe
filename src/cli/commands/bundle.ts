import path from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { CampaignPressError, ExitCode } from '../../errors.js';
import type { BuildReport } from '../../pipeline/run.js';
import type { Ctx } from '../io.js';
import { toBuildOptions, withBuildOptions } from '../options.js';
import { printBuildReport, printJson, printRefusals, progressPrinter } from '../report.js';
import { catchInterrupt, exitCodeAfter } from '../signals.js';

export function registerBundle(program: Command, ctx: Ctx): void {
  withBuildOptions(
    program
      .command('bundle')
      .description('build, then pack the assets, manifest and SHA256SUMS into a deterministic zip')
      .argument('[campaign-dir]', 'the campaign folder, e.g. campaigns/safe-journeys'),
  )
    .option('--merge <dirs...>', 'instead of building: join the --out folders of shard builds of <campaign-dir>, then bundle')
    .addHelpText(
      'after',
      `
Examples:
  $ campaign-press bundle campaigns/safe-journeys            # -> out/safe-journeys.zip (+ .sha256)
  $ SOURCE_DATE_EPOCH=1767225600 campaign-press bundle campaigns/safe-journeys --json
  # A CI matrix: each machine builds a shard, one job merges them.
  $ campaign-press build campaigns/safe-journeys --shard 1/2 --out shard-1
  $ campaign-press build campaigns/safe-journeys --shard 2/2 --out shard-2
  $ campaign-press bundle campaigns/safe-journeys --merge shard-1 shard-2 --out release
  # Every asset is gated again against the campaign's consent records as they are now.`,
    )
    .action(async (dir, o) => {
      const { bundleCampaign, mergeShards, ReleaseRefused } = await import('../../output/bundle.js');
      const out = ctx.resolve(o.out);
      if (!dir)
        throw new CampaignPressError(
          'usage',
          'bundle needs the campaign folder (also with --merge: the release is gated against its consent records)',
          { field: 'campaign-dir' },
          'For shards: campaign-press bundle campaigns/<id> --merge shard-1 shard-2 --out release',
        );
      const refused = (e: unknown): undefined => {
        if (!(e instanceof ReleaseRefused)) throw e;
        printRefusals(ctx, e.refusals, true);
        if (o.json) printJson(ctx, { refusals: e.refusals, exitCode: ExitCode.consentRefused });
        ctx.err(`${ctx.c.red('release refused')}: nothing was written (exit 3)\n`);
        ctx.setExit(ExitCode.consentRefused);
        return undefined;
      };
      let campaignId: string;
      let report: BuildReport | undefined;
      if (o.merge) {
        const check = await releaseCheck(ctx, dir, o);
        const merged = await mergeShards(
          o.merge.map((d) => ctx.resolve(d)),
          out,
          check,
        ).catch(refused);
        if (!merged) return;
        if (merged.refusals.length) printRefusals(ctx, merged.refusals, false);
        campaignId = merged.campaign;
        ctx.err(`merged ${merged.assets} assets of ${o.merge.length} shard folder(s) into ${path.resolve(out, campaignId)}\n`);
      } else {
        if (o.shard)
          throw new CampaignPressError('usage', 'bundle a whole build: build the shards, then `bundle --merge` them', { field: '--shard' });
        const { build } = await import('../../pipeline/run.js');
        const options = await toBuildOptions(ctx, dir, o);
        const interrupt = catchInterrupt();
        try {
          report = await build({ ...options, onProgress: progressPrinter(ctx, !!o.json), signal: interrupt.signal });
        } finally {
          interrupt.dispose();
        }
        const code = exitCodeAfter(report, interrupt);
        printBuildReport(ctx, report, 'build', code);
        if (code !== ExitCode.ok || !report.campaign) {
          if (o.json) printJson(ctx, report);
          ctx.setExit(code);
          return;
        }
        campaignId = report.campaign;
      }
      const b = await bundleCampaign(out, campaignId, await releaseCheck(ctx, dir, o)).catch(refused);
      if (!b) return;
      if (b.refusals.length) printRefusals(ctx, b.refusals, false);
      if (o.json) printJson(ctx, { ...(report ?? {}), bundle: b });
      if (b.leftOut.length)
        ctx.err(`${ctx.c.yellow('left out')} ${b.leftOut.length} pseudo-locale asset(s) (layout tests are never released)\n`);
      ctx.err(
        `${ctx.c.green('bundled')} ${b.entries} files, ${(b.bytes / 1048576).toFixed(1)} MB -> ${b.zip} (sha256 ${b.sha256.slice(0, 16)}...)\n`,
      );
      ctx.setExit(ExitCode.ok);
    });
}

/** The campaign as it is now, and today's fail-closed dates (or --as-of): what a release is gated against. */
async function releaseCheck(ctx: Ctx, dir: string, o: { asOf?: string; skipRefused?: boolean }) {
  const { loadProject } = await import('../../pipeline/steps/load.js');
  const { releasePlan } = await import('../../pipeline/steps/plan.js');
  const { resolveGateDates } = await import('../../consent/dates.js');
  const dates = resolveGateDates(o.asOf);
  const { sheetLocales } = await import('../../output/contact-sheet.js');
  const project = loadProject(ctx.root(), ctx.resolve(dir));
  return {
    campaign: project.campaign,
    dates,
    skipRefused: !!o.skipRefused,
    planned: (regions: readonly string[]) => releasePlan(project, dates, regions),
    locales: sheetLocales(project.table),
  };
}
