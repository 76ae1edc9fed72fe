import type { Command } from '@commander-js/extra-typings';
import type { Ctx } from '../io.js';
import { toBuildOptions, withBuildOptions } from '../options.js';
import { printBuildReport, printJson, progressPrinter } from '../report.js';
import { catchInterrupt, exitCodeAfter } from '../signals.js';

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
      const options = await toBuildOptions(ctx, dir, o);
      const interrupt = catchInterrupt();
      try {
        const report = await build({ ...options, onProgress: progressPrinter(ctx, !!o.json), signal: interrupt.signal });
        const code = exitCodeAfter(report, interrupt);
        if (o.json) printJson(ctx, report);
        printBuildReport(ctx, report, 'build', code);
        ctx.setExit(code);
      } finally {
        interrupt.dispose();
      }
    });
}
