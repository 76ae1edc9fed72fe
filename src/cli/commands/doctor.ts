import type { Command } from '@commander-js/extra-typings';
import { ExitCode } from '../../errors.js';
import type { Ctx } from '../io.js';

export function registerDoctor(program: Command, ctx: Ctx): void {
  program
    .command('doctor')
    .description('check the set-up: Node, Chromium (launched for real), fonts, locales, templates')
    .action(async () => {
      const { runDoctor } = await import('../doctor.js');
      const { c } = ctx;
      const checks = await runDoctor(ctx.root());
      for (const k of checks)
        ctx.out(
          `${k.ok ? c.green('ok  ') : k.exit ? c.red('FAIL') : c.yellow('warn')} ${k.name.padEnd(28)} ${k.detail}${!k.ok && k.hint ? `\n     ${c.dim('hint:')} ${k.hint}` : ''}\n`,
        );
      const failed = checks.filter((k) => !k.ok && k.exit);
      ctx.setExit(failed.length ? Math.max(...failed.map((k) => k.exit!)) : ExitCode.ok);
    });
}
