import type { Command } from '@commander-js/extra-typings';
import { exitCodeFor } from '../../errors.js';
import type { Ctx } from '../io.js';
import { asOfOption, localeOption, toBuildOptions } from '../options.js';
import { printBuildReport, printJson } from '../report.js';

export function registerCheck(program: Command, ctx: Ctx): void {
  program
    .command('check')
    .description('validate content, consent and translations without rendering')
    .argument('<campaign-dir>', 'the campaign folder')
    .addOption(localeOption('only this locale (repeatable)'))
    .option('--region <code>', 'check for one distribution region')
    .addOption(asOfOption('date for consent checks (default: today)'))
    .option('--strict', 'treat warnings as errors')
    .option('--json', 'print one JSON report on stdout')
    .addHelpText('after', '\nExample:\n  $ campaign-press check campaigns/safe-journeys --as-of 2026-06-01')
    .action(async (dir, o) => {
      const { build } = await import('../../pipeline/run.js');
      const report = await build({ ...(await toBuildOptions(ctx, dir, o)), dryRun: true });
      if (o.json) printJson(ctx, report);
      printBuildReport(ctx, report, 'check');
      ctx.setExit(exitCodeFor(report.errors));
    });
}
