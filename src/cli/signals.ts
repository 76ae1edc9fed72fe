import { ExitCode, exitCodeFor } from '../errors.js';
import type { BuildReport } from '../pipeline/run.js';

/**
 * SIGINT (Ctrl-C) and SIGTERM (a CI cancel, `timeout`) stop a build: the pipeline sees the abort,
 * stops rendering, closes Chromium and removes its staging folder. A second signal is not caught,
 * so it ends the process at once.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** The exit code the shell expects after the signal (130, 143), once one arrived. */
  exitCode(): number | undefined;
  dispose(): void;
}

const CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: ExitCode.interrupted, SIGTERM: 143 };

export function catchInterrupt(): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handlers = (Object.keys(CODES) as NodeJS.Signals[]).map((sig) => {
    const h = () => {
      received = sig;
      controller.abort();
    };
    process.once(sig, h);
    return [sig, h] as const;
  });
  return {
    signal: controller.signal,
    exitCode: () => (received ? CODES[received] : undefined),
    dispose: () => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
    },
  };
}

/** A build the signal stopped exits 130 or 143; one that finished before the signal is reported as it ended. */
export function exitCodeAfter(report: BuildReport, interrupt: Interrupt): number {
  const stopped = report.errors.some((e) => e.code === 'interrupted');
  return stopped ? (interrupt.exitCode() ?? ExitCode.interrupted) : exitCodeFor(report.errors);
}
