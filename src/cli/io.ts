import path from 'node:path';
import pc from 'picocolors';
import { formatLocation, type Problem } from '../errors.js';

/**
 * What the CLI touches of the outside world, passed in so that tests run it in-process: two
 * streams, the environment and the working folder. Only bin/campaign-press.js exits.
 */
export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  /** Where `consent hash` reads a term given on no command line (process.stdin when absent). */
  stdin?: AsyncIterable<string | Buffer> & { isTTY?: boolean };
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

export type Colors = ReturnType<typeof pc.createColors>;

/** picocolors' own rule, read from `io` instead of the process (NO_COLOR wins, then FORCE_COLOR, a terminal, CI). */
function colorsFor(io: Io): Colors {
  const { env } = io;
  const on = !env.NO_COLOR && (!!env.FORCE_COLOR || (!!io.stdout.isTTY && env.TERM !== 'dumb') || !!env.CI);
  return pc.createColors(on);
}

/** One command run: its io, colours, the project root and the exit code it chose. */
export interface Ctx {
  io: Io;
  c: Colors;
  out(s: string): void;
  err(s: string): void;
  /** A path the user typed, made absolute against the working folder of the run. */
  resolve(p: string): string;
  /** The project folder (--root), absolute. */
  root(): string;
  setExit(code: number): void;
}

export function makeCtx(io: Io, root: () => string | undefined, setExit: (code: number) => void): Ctx {
  const resolve = (p: string) => path.resolve(io.cwd, p);
  return {
    io,
    c: colorsFor(io),
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
    resolve,
    root: () => resolve(root() ?? io.cwd),
    setExit,
  };
}

export function printProblem(ctx: Ctx, p: Problem, kind: 'error' | 'warning'): void {
  const { c } = ctx;
  const where = formatLocation(p);
  const tag = kind === 'error' ? c.red('error') : c.yellow('warning');
  ctx.err(`${tag} ${where ? c.bold(where) + ': ' : ''}${p.message} ${c.dim(`[${p.code}]`)}\n  ${c.dim('hint:')} ${p.hint}\n`);
}

export interface TableOptions {
  /** Dimmed header row, when given. */
  head?: string[];
  /** Column width caps (undefined: no cap). */
  maxWidth?: (number | undefined)[];
  /** Colour a whole row (after padding). */
  paint?: (row: number, line: string) => string;
  /** Colour one cell (after padding); widths are measured on the plain text. */
  paintCell?: (row: number, col: number, padded: string) => string;
  /** Pad the last column too (then trailing spaces are trimmed). */
  padLast?: boolean;
}

/** The one table printer (to stdout): columns padded to the widest cell, two spaces apart. */
export function printTable(ctx: Ctx, rows: string[][], opts: TableOptions = {}): void {
  const write = ctx.out;
  const all = opts.head ? [opts.head, ...rows] : rows;
  const cols = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => {
    const w = Math.max(0, ...all.map((r) => (r[i] ?? '').length));
    const cap = opts.maxWidth?.[i];
    return cap === undefined ? w : Math.min(cap, w);
  });
  const fmt = (r: string[], row: number) => {
    const line = r
      .map((cell, i) => {
        const last = i === r.length - 1;
        const padded = last && !opts.padLast ? cell : cell.padEnd(widths[i]!);
        return opts.paintCell && row >= 0 ? opts.paintCell(row, i, padded) : padded;
      })
      .join('  ');
    return opts.padLast ? line.trimEnd() : line;
  };
  if (opts.head) write(`${ctx.c.dim(fmt(opts.head, -1))}\n`);
  rows.forEach((r, i) => {
    const line = fmt(r, i);
    write(`${opts.paint ? opts.paint(i, line) : line}\n`);
  });
}
