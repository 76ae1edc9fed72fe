import type { Command } from '@commander-js/extra-typings';
import { CampaignPressError, ExitCode } from '../../errors.js';
import type { Ctx } from '../io.js';
import { asOfOption, localeOption, onlyOption, toBuildOptions } from '../options.js';

export function registerPreview(program: Command, ctx: Ctx): void {
  program
    .command('preview')
    .description('a local gallery of the campaign that rebuilds and reloads when you save a file')
    .argument('<campaign-dir>', 'the campaign folder')
    .option('-p, --port <n>', 'port on 127.0.0.1 (0 picks a free one)', '4173')
    .option('-o, --out <dir>', 'output folder', 'out')
    .addOption(localeOption('only this locale (repeatable); en-XA and ar-XB preview text expansion'))
    .addOption(onlyOption())
    .addOption(asOfOption())
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press preview campaigns/safe-journeys -l ckb        # then open http://127.0.0.1:4173/\n  $ campaign-press preview campaigns/safe-journeys -l en-XA --only poster',
    )
    .action(async (dir, o) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CampaignPressError('usage', `--port ${o.port} is not a port number`, { field: '--port' });
      const { startPreview } = await import('../../preview/server.js');
      const { skipRefused: _s, ...buildOptions } = await toBuildOptions(ctx, dir, o);
      const p = await startPreview({
        ...buildOptions,
        port,
        onEvent: (e) => ctx.err(`${ctx.c.dim(new Date().toISOString().slice(11, 19))} ${e}\n`),
      });
      ctx.err(`${ctx.c.green('preview')} ${p.url}  (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await p.close();
      ctx.setExit(ExitCode.ok);
    });
}
