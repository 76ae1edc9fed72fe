import type { Command } from '@commander-js/extra-typings';
import { exitCodeFor } from '../../errors.js';
import type { Ctx } from '../io.js';
import { toBuildOptions, withBuildOptions } from '../options.js';
import { printBuildReport, printJson, progressPrinter } from '../report.js';

export function registerBuild(program: Command, ctx: Ctx): void {
  withBuildOptions(
    program
      .command('build')
      .description('render every planned asset of a campaign into the output folder')
      .argument('<campaign-dir>', 'the campaign folder, e.g. campaigns/safe-journeys'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ campaign-press build campaigns/safe-journeys                 # every format, every locale -> out/
  $ campaign-press build campaigns/safe-journeys -l ckb -l ar    # Sorani and Arabic only
  $ campaign-press build campaigns/safe-journeys --only social-card:story --json > report.json
  $ campaign-press build campaigns/safe-journeys --as-of 2026-03-01 --skip-refused
  $ campaign-press build campaigns/safe-journeys -l en-XA -l ar-XB   # layout test with pseudo-locales`,
    )
    .action(async (dir, o) => {
      const { build } = await import('../../pipeline/run.js');
      const report = await build({ ...(await toBuildOptions(ctx, dir, o)), onProgress: progressPrinter(ctx, !!o.json) });
      if (o.json) printJson(ctx, report);
      printBuildReport(ctx, report, 'build');
      ctx.setExit(exitCodeFor(report.errors));
    });
}
