import path from 'node:path';
import type { Refusal } from '../consent/gate.js';
import { catalog, ExitCode, exitCodeFor } from '../errors.js';
import type { BuildReport, ProgressEvent } from '../pipeline/run.js';
import type { Finding } from '../translators/check.js';
import { type Ctx, printProblem, printTable } from './io.js';

/** Printers shared by several commands. Type imports only: loading this file loads no pipeline. */

export function printFindings(ctx: Ctx, findings: Finding[]): void {
  const { c } = ctx;
  if (!findings.length) {
    ctx.err(`${c.green('ok')} no findings\n`);
    return;
  }
  const rows = findings.map((f) => [
    f.severity === 'error' ? 'error' : 'warn',
    f.locale,
    `${f.file}${f.line ? `:${f.line}` : ''}`,
    f.key || '-',
    f.rule,
    f.message,
  ]);
  printTable(ctx, rows, {
    maxWidth: [undefined, 48, 48, 48, 48],
    paintCell: (row, col, cell) => (col !== 0 ? cell : findings[row]!.severity === 'error' ? c.red(cell) : c.yellow(cell)),
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  ctx.err(`${errors ? c.red(`${errors} error(s)`) : c.green('0 errors')}, ${findings.length - errors} warning(s)\n`);
}

export function progressPrinter(ctx: Ctx, json: boolean): (e: ProgressEvent) => void {
  const { c } = ctx;
  return (e) => {
    if (e.type === 'plan') {
      ctx.err(`${c.bold('campaign-press')} ${e.planned} assets planned: ${e.toRender} to render, ${e.cached} unchanged\n`);
      return;
    }
    const line = `[${e.done}/${e.total}] ${e.path}${e.cached ? c.dim(' (unchanged)') : c.dim(` ${e.ms} ms`)}`;
    if (ctx.io.stderr.isTTY && !json) ctx.err(`\r\x1b[2K${line}${e.done === e.total ? '\n' : ''}`);
    else ctx.err(`${line}\n`);
  };
}

/** Consent refusals, grouped by testimony, consent record and rule (--json lists each one). */
export function printRefusals(ctx: Ctx, refusals: Refusal[], blocking: boolean): void {
  const { c } = ctx;
  const r = { refusals };
  const refusedAssets = new Set(r.refusals.map((f) => f.asset)).size;
  ctx.err(`${blocking ? c.red('consent refused') : c.yellow('consent refused (skipped)')} ${refusedAssets} asset(s):\n`);
  const groups = new Map<string, typeof r.refusals>();
  for (const f of r.refusals) {
    const k = `${f.testimony}|${f.consent_id ?? ''}|${f.rule}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  for (const fs of groups.values()) {
    const f = fs[0]!;
    const shown = fs
      .slice(0, 3)
      .map((x) => x.asset)
      .join(', ');
    ctx.err(
      `  ${c.bold(f.testimony)} (${f.consent_id ?? 'no consent'}) ${c.bold(f.rule)}: ${f.reason}\n    ${fs.length} asset(s): ${shown}${fs.length > 3 ? `, +${fs.length - 3} more (--json lists all)` : ''}\n`,
    );
  }
  if (blocking) ctx.err(`  ${c.dim('hint:')} ${catalog['consent-refused'].hint}\n`);
}

/** `code` is the exit code the command returns (a signal's 130 or 143 is not in the report). */
export function printBuildReport(ctx: Ctx, r: BuildReport, verb: string, code: number = exitCodeFor(r.errors)): void {
  const { c } = ctx;
  for (const w of r.warnings) printProblem(ctx, w, 'warning');
  // Consent refusals are listed once, grouped below; --json has each one.
  for (const e of r.errors.filter((x) => x.code !== 'consent-refused')) printProblem(ctx, e, 'error');
  if (r.refusals.length)
    printRefusals(
      ctx,
      r.refusals,
      r.errors.some((e) => e.code === 'consent-refused'),
    );
  const s = r.stats;
  const summary = `${verb}: ${s.planned} planned, ${s.rendered} rendered, ${s.cached} unchanged, ${s.refused} refused${s.removed ? `, ${s.removed} stale removed` : ''} in ${s.seconds} s`;
  if (code === ExitCode.ok)
    ctx.err(`${c.green('done')} ${summary}${r.campaign && verb === 'build' ? ` -> ${path.join(r.out, r.campaign)}` : ''}\n`);
  else if (r.errors.some((e) => e.code === 'interrupted'))
    ctx.err(`${c.red('interrupted')} ${summary} (exit ${code}; previous outputs kept)\n`);
  else if (r.failed.length && r.assets.length) {
    // --keep-going: the others were written; the manifest lists only them.
    ctx.err(`${c.red('failed')} ${r.failed.length} asset(s), not written:\n${r.failed.map((f) => `  ${f}\n`).join('')}`);
    ctx.err(`${c.red('incomplete')} ${summary} (exit ${code}; the ${r.assets.length} asset(s) that passed were written)\n`);
  } else ctx.err(`${c.red('failed')} ${summary} (exit ${code}; nothing was written)\n`);
}

export function printJson(ctx: Ctx, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}
