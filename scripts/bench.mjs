#!/usr/bin/env node
// Rendering throughput, reported as ratios against a baseline measured in the same run:
// the same Sorani 1080x1080 card rendered (a) by campaign-press's pool (one browser, a reused
// page) and (b) with a fresh browser per card, which is what simple generators do.
// Usage: npm run bench [-- --cards N]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../dist/pipeline/run.js';
import { renderDocument } from '../dist/pipeline/document.js';
import { planRenders } from '../dist/pipeline/plan.js';
import { Diagnostics } from '../dist/errors.js';
import { Translator } from '../dist/i18n/translator.js';
import { renderAsset } from '../dist/render/page.js';
import { RenderPool } from '../dist/render/pool.js';
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { execFileSync } from 'node:child_process';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argIdx = process.argv.indexOf('--cards');
const N = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 30;

const project = loadProject(root, path.join(root, 'campaigns', 'safe-journeys'));
const diag = new Diagnostics();
const resources = {};
for (const l of ['ckb', 'en']) {
  resources[l] = {
    common: JSON.parse(readFileSync(path.join(root, 'locales', l, 'common.json'), 'utf8')),
    campaign: project.campaign.messages.get(l) ?? {},
  };
}
const translator = new Translator(project.table, resources, diag);
const plan = planRenders(
  project.campaign,
  project.templates,
  {
    asOf: '2026-11-28',
    locales: ['ckb'],
    only: [{ template: 'social-card', format: 'square' }],
    regions: project.campaign.data.distribution.regions,
    skipRefused: true,
    photoHashes: new Map(),
  },
  diag,
);
const job = plan.jobs[0];
const doc = renderDocument(job, { campaign: project.campaign, table: project.table, translator, assets: new Map(), photos: new Map() });
const meta = { title: doc.title, subject: '', keywords: [], lang: 'ckb' };

async function timeIt(label, n, fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stderr.write(`${label}: ${n} cards in ${s.toFixed(2)} s (${(n / s).toFixed(2)} cards/s)\n`);
  return s;
}

/** RSS in MB of this process and of the whole browser process tree. */
function treeRss(pid) {
  if (!pid) return 0;
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const kids = new Map();
  for (const [p, pp] of rows) kids.set(pp, [...(kids.get(pp) ?? []), p]);
  const rss = new Map(rows.map(([p, , r]) => [p, r]));
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    total += rss.get(p) ?? 0;
    stack.push(...(kids.get(p) ?? []));
  }
  return total / 1024;
}
function sample(pool) {
  return { node_mb: Number((process.memoryUsage().rss / 1048576).toFixed(1)), chromium_mb: Number(treeRss(pool.browserPid()).toFixed(1)) };
}
const memory = {};
const rssBefore = process.memoryUsage().rss;
const pooled = await timeIt('pool (one browser, reused page)', N, async () => {
  // As the build drives it: one more job in flight than pages, so encoding overlaps rendering.
  const pool = new RenderPool(new Map());
  const limit = pLimit(pool.concurrency + 1);
  let done = 0;
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      limit(async () => {
        await renderAsset(pool, `card-${i}`, doc.html, job.format, meta);
        done++;
        if (done === Math.min(10, N)) memory.early = sample(pool);
        if (done === N) memory.late = sample(pool);
      }),
    ),
  );
  await pool.close();
});
const baselineN = Math.max(3, Math.floor(N / 5));
const baseline = await timeIt('baseline (a browser per card)', baselineN, async () => {
  for (let i = 0; i < baselineN; i++) {
    const pool = new RenderPool(new Map());
    await renderAsset(pool, `card-${i}`, doc.html, job.format, meta);
    await pool.close();
  }
});
const baselinePerCard = baseline / baselineN;
const pooledPerCard = pooled / N;
const result = {
  cards: N,
  pooled_cards_per_s: Number((1 / pooledPerCard).toFixed(2)),
  baseline_cards_per_s: Number((1 / baselinePerCard).toFixed(2)),
  speedup_vs_browser_per_card: Number((baselinePerCard / pooledPerCard).toFixed(2)),
  rss_growth_mb: Number(((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(1)),
  memory_after_10_cards: memory.early,
  memory_after_all_cards: memory.late,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
