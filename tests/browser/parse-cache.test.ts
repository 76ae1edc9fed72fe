import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/run.js';
import { displayPath, sha256 } from '../../src/util/files.js';
import { eventCounts, resetProfile } from '../../src/util/profile.js';
import { campaignMd, defaultConsent, makeProject, testimonyMd, writeFiles } from '../helpers.js';

/**
 * A no-op rebuild (issue 13) through `build`, after a real first build: every testimony and
 * translation file is read once and parsed by no one (the parse cache, campaign/parse-cache.ts),
 * nothing renders and no browser starts. Counted by src/util/profile.ts, never timed.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
let cacheRoot: string;
const dir = () => path.join(root, 'campaigns', 'c');
const FILES = ['karwan.md', 'karwan.ckb.md', 'shirin.md', 'shirin.ckb.md'];
const shown = (f: string) => displayPath(path.join(dir(), 'testimonies', f));
const run = () => build({ root, campaignDir: dir(), out: path.join(root, 'out'), asOf: AS_OF });

function counted() {
  const c = eventCounts();
  const per = (prefix: string) => Object.fromEntries(FILES.map((f) => [f, c[`${prefix}: ${shown(f)}`] ?? 0]));
  return { parsed: per('parse'), read: per('read'), browsers: (c['browser: launched'] ?? 0) + (c['browser: connected'] ?? 0) };
}

beforeAll(() => {
  ({ root, cleanup } = makeProject());
  cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'cp-parse-cache-'));
  process.env.CAMPAIGN_PRESS_CACHE_DIR = path.join(cacheRoot, 'cache');
  const karwan = testimonyMd({ id: 'karwan', consent: defaultConsent({ id: 'CR-K', locales: 'en, ckb' }) });
  const shirin = testimonyMd({
    id: 'shirin',
    quote: 'We walked for nine days.',
    consent: defaultConsent({ id: 'CR-S', locales: 'en, ckb' }),
  });
  const ckb = (id: string, source: string, title: string, quote: string) =>
    `---\ntranslation_of: ${id}\nsource_sha256: "${sha256(Buffer.from(source))}"\nstatus: reviewed\ntitle: "${title}"\nquote: "${quote}"\nparaphrase: "${quote}"\n---\n${quote}\n`;
  writeFiles(dir(), {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb'],
      outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony',
    }),
    'testimonies/karwan.md': karwan,
    'testimonies/karwan.ckb.md': ckb('karwan', karwan, 'چیرۆکێک لە ڕێگاوە', 'قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی پێدا.'),
    'testimonies/shirin.md': shirin,
    'testimonies/shirin.ckb.md': ckb('shirin', shirin, 'نۆ ڕۆژ بە پێ', 'نۆ ڕۆژ بە پێ ڕۆیشتین.'),
  });
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'c.json': JSON.stringify({ title: 'هەڵمەتی تاقیکردنەوە', headline: 'ڕاستییەکە بزانە.', subline: 'دەریا ڕاستە.', cta: 'پەیوەندی بکە' }),
  });
});
afterAll(() => {
  delete process.env.CAMPAIGN_PRESS_CACHE_DIR;
  rmSync(cacheRoot, { recursive: true, force: true });
  cleanup();
});

describe('a no-op rebuild with the parse cache', () => {
  it('reads each testimony file once, parses none, renders nothing and starts no browser', async () => {
    resetProfile();
    const first = await run();
    expect(first.errors).toEqual([]);
    expect(first.stats.rendered).toBe(4);
    // Control: the first build parsed every file and started a browser, so the counters count.
    const one = Object.fromEntries(FILES.map((f) => [f, 1]));
    expect(counted()).toEqual({ parsed: one, read: one, browsers: 1 });

    resetProfile();
    const again = await run();
    expect(again.errors).toEqual([]);
    expect(again.stats).toMatchObject({ planned: 4, rendered: 0, cached: 4 });
    expect(again.assets.map((a) => a.sha256)).toEqual(first.assets.map((a) => a.sha256));
    const zero = Object.fromEntries(FILES.map((f) => [f, 0]));
    expect(counted()).toEqual({ parsed: zero, read: one, browsers: 0 });
  }, 240_000);
});
