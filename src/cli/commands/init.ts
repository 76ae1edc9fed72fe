import path from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { ExitCode } from '../../errors.js';
import type { Ctx } from '../io.js';

export function registerInit(program: Command, ctx: Ctx): void {
  program
    .command('init')
    .description('create a new project folder: templates, locales and a campaign to fill in')
    .argument('<dir>', 'a new or empty folder')
    .option('--campaign <id>', 'the first campaign id', 'my-campaign')
    .addHelpText(
      'after',
      '\nExample:\n  $ campaign-press init kri-2027 --campaign safe-routes\n  $ cd kri-2027 && campaign-press build campaigns/safe-routes',
    )
    .action(async (dir, o) => {
      const { initProject } = await import('../doctor.js');
      const made = initProject(ctx.resolve(dir), o.campaign);
      for (const m of made) ctx.err(`created ${path.join(dir, m)}\n`);
      ctx.err(`next: cd ${dir} && campaign-press build campaigns/${o.campaign}\n`);
      ctx.setExit(ExitCode.ok);
    });
}
