/**
 * Time spent per rendering stage, summed over a run, for `npm run bench` (issue 13's per-stage
 * profile). Always on: one performance.now() pair per stage and asset costs microseconds.
 */
const totals = new Map<string, { ms: number; count: number }>();

/** Time one stage of one asset; the result of `fn` is passed through. */
export async function timeStage<T>(stage: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    addStage(stage, performance.now() - t0);
  }
}

export function addStage(stage: string, ms: number): void {
  const t = totals.get(stage) ?? { ms: 0, count: 0 };
  t.ms += ms;
  t.count += 1;
  totals.set(stage, t);
}

export function profileSnapshot(): Record<string, { ms: number; count: number }> {
  return Object.fromEntries([...totals].map(([k, v]) => [k, { ...v }]));
}

/**
 * Events counted over a run (files parsed, parse-cache hits, files read): what a no-op rebuild
 * did, observable by tests without timing anything.
 */
const counts = new Map<string, number>();

export function countEvent(name: string, n = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + n);
}

export function eventCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

export function resetProfile(): void {
  totals.clear();
  counts.clear();
}
