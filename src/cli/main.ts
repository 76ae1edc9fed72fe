import { Command, CommanderError } from '@commander-js/extra-typings';
import { CampaignPressError, ExitCode, ValidationErrors } from '../errors.js';
import { VERSION } from '../version.js';
import { registerBuild } from './commands/build.js';
import { registerBundle } from './commands/bundle.js';
import { registerCheck } from './commands/check.js';
import { registerConsent } from './commands/consent.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInit } from './commands/init.js';
import { registerLocales } from './commands/locales.js';
import { registerPreview } from './commands/preview.js';
import { registerRecall } from './commands/recall.js';
import { type Ctx, type Io, makeCtx, printProblem, processIo } from './io.js';

/**
 * The CLI is a thin shell: it maps flags to typed options, calls the same functions that
 * src/index.ts exports, prints, and turns errors into exit codes in one place. Each command's
 * module loads the pipeline only when the command runs, so `--help` and `--version` start no
 * browser library.
 */

export type { Io } from './io.js';

function createProgram(io: Io, setExit: (code: number) => void): { program: Command; ctx: Ctx } {
  const program = new Command('campaign-press')
    .description('Localized, consent-gated campaign posters, leaflets and social cards from Markdown.')
    .version(VERSION)
    .option('--root <dir>', 'project folder holding templates/ and locales/ (default: the current folder)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ campaign-press build campaigns/safe-journeys
  $ campaign-press build campaigns/safe-journeys --locale ckb --only poster:a3
  $ campaign-press check campaigns/safe-journeys --json
  $ campaign-press consent hash "Real Name"
  $ campaign-press consent report campaigns/safe-journeys --within 30
  $ campaign-press recall CR-2026-EXAMPLE-0001

Exit codes: 0 ok, 1 internal error, 2 invalid input, 3 consent refused, 4 render failed.`,
  );
  const ctx = makeCtx(io, () => program.opts().root, setExit);
  for (const register of [
    registerBuild,
    registerBundle,
    registerCheck,
    registerConsent,
    registerRecall,
    registerLocales,
    registerPreview,
    registerDoctor,
    registerInit,
  ])
    register(program, ctx);
  return { program, ctx };
}

/**
 * Run the CLI on `argv` (the arguments after the program name) and return the exit code. Only
 * bin/campaign-press.js exits the process.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let code: number = ExitCode.ok;
  const { program, ctx } = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return failed(ctx, e, argv.includes('--json'));
  }
}

/** Every error that reaches the top becomes one exit code, and with --json one report shape. */
function failed(ctx: Ctx, e: unknown, json: boolean): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
    return ExitCode.invalidInput;
  }
  const errors = e instanceof ValidationErrors ? e.errors : e instanceof CampaignPressError ? [e] : undefined;
  if (errors) {
    const exitCode = Math.max(...errors.map((x) => x.exitCode));
    if (json) ctx.out(`${JSON.stringify({ errors: errors.map((x) => x.toJSON()), warnings: [], exitCode }, null, 2)}\n`);
    for (const x of errors) printProblem(ctx, x.toJSON(), 'error');
    return exitCode;
  }
  ctx.err(`${ctx.c.red('internal error')} (this is a bug in campaign-press; please report it):\n${(e as Error).stack ?? String(e)}\n`);
  if (json) ctx.out(`${JSON.stringify({ errors: [{ code: 'internal', message: String((e as Error).message) }], exitCode: 1 })}\n`);
  return ExitCode.internal;
}
