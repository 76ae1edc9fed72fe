import path from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { CampaignPressError, ExitCode } from '../../errors.js';
import type { BuildReport } from '../../pipeline/run.js';
import type { Ctx } from '../io.js';
import { toBuildOptions, withBuildOptions } from '../options.js';
import { printBuildReport, printJson, progressPrinter } from '../report.js';
import { catchInterrupt, exitCodeAfter } from '../signals.js';

export function registerBundle(program: Command, ctx: Ctx): void {
  withBuildOptions(
    program
      .command('bundle')
      .description('build, then pack the assets, manifest and SHA256SUMS into a deterministic zip')
      .argument('[campaign-dir]', 'the campaign folder, e.g. campaigns/safe-journeys'),
  )
    .option('--merge <dirs...>', 'instead of building: join the --out folders of shard builds, then bundle')
    .addHelpText(
      'after',
      `
Examples:
  $ campaign-press bundle campaigns/safe-journeys            # -> out/safe-journeys.zip (+ .sha256)
  $ SOURCE_DATE_EPOCH=1767225600 campaign-press bundle campaigns/safe-journeys --json
  # A CI matrix: each machine builds a shard, one job merges them.
  $ campaign-press build campaigns/safe-journeys --shard 1/2 --out shard-1
  $ campaign-press build campaigns/safe-journeys --shard 2/2 --out shard-2
  $ campaign-press bundle --merge shard-1 shard-2 --out release`,
    )
    .action(async (dir, o) => {
      const { bundleCampaign, mergeShards } = await import('../../output/bundle.js');
      const out = ctx.resolve(o.out);
      let campaignId: string;
      let report: BuildReport | undefined;
      if (o.merge) {
        if (dir) throw new CampaignPressError('usage', 'give either a campaign folder or --merge, not both', { field: '--merge' });
        const merged = await mergeShards(
          o.merge.map((d) => ctx.resolve(d)),
          out,
        );
        campaignId = merged.campaign;
        ctx.err(`merged ${merged.assets} assets of ${o.merge.length} shard folder(s) into ${path.resolve(out, campaignId)}\n`);
      } else {
        if (!dir)
          throw new CampaignPressError('usage', 'bundle needs a campaign folder (or --merge with shard folders)', {
            field: 'campaign-dir',
          });
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
      const b = await bundleCampaign(out, campaignId);
      if (o.json) printJson(ctx, { ...(report ?? {}), bundle: b });
      if (b.leftOut.length)
        ctx.err(`${ctx.c.yellow('left out')} ${b.leftOut.length} pseudo-locale asset(s) (layout tests are never released)\n`);
      ctx.err(
        `${ctx.c.green('bundled')} ${b.entries} files, ${(b.bytes / 1048576).toFixed(1)} MB -> ${b.zip} (sha256 ${b.sha256.slice(0, 16)}...)\n`,
      );
      ctx.setExit(ExitCode.ok);
    });
}
