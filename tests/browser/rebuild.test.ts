import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/run.js';
import { profileSnapshot, resetProfile } from '../../src/util/profile.js';
import { campaignMd, defaultConsent, listFiles, makeProject, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Rebuilds (issue 13 item 5): an unchanged campaign reuses every output by input key without
 * writing a single page; an edit renders exactly the assets it touches; the consent gate runs on
 * every build, so a consent that expired between two builds withdraws its cards although no
 * input changed.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
const dir = () => path.join(root, 'campaigns', 'c');
const outDir = () => path.join(root, 'out', 'c');
const CKB = {
  title: 'هەڵمەتی تاقیکردنەوە',
  headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.',
  subline: 'دەریا ڕاستە. بەڵێنەکان ڕاست نین.',
  cta: 'پەیوەندی بە هێڵی یارمەتی بکە',
};

const run = (asOf = AS_OF, skipRefused = false) => build({ root, campaignDir: dir(), out: path.join(root, 'out'), asOf, skipRefused });
/** Pages written to compute a content key during the last build (0 when every asset was reused by its inputs). */
const pagesWritten = () => profileSnapshot()['page written for its content key']?.count ?? 0;
const hashes = () => Object.fromEntries(listFiles(outDir()).map((f) => [f, sha256(readFileSync(path.join(outDir(), f)))]));

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  writeFiles(dir(), {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb'],
      outputs:
        '  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n    for_each: testimony',
    }),
    'testimonies/karwan.md': testimonyMd({ id: 'karwan', consent: defaultConsent({ id: 'CR-K' }) }),
    // Shirin's consent ends on 15 June: a build after that date must not keep her card.
    'testimonies/shirin.md': testimonyMd({
      id: 'shirin',
      quote: 'We walked for nine days.',
      consent: defaultConsent({ id: 'CR-S', review_by: '2026-06-10', expires_on: '2026-06-15' }),
    }),
  });
  writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': JSON.stringify(CKB, null, 2) });
  const first = await run();
  expect(first.errors).toEqual([]);
  expect(first.stats.rendered).toBe(4);
}, 240_000);
afterAll(() => cleanup());

describe('rebuilds by input key', () => {
  it('an unchanged campaign renders nothing and writes no page, and every file keeps its bytes', async () => {
    const before = hashes();
    resetProfile();
    const r = await run();
    expect(r.errors).toEqual([]);
    expect(r.stats).toMatchObject({ planned: 4, rendered: 0, cached: 4 });
    expect(pagesWritten()).toBe(0);
    expect(hashes()).toEqual(before);
  }, 120_000);

  it('an output whose file was edited on disk is rendered again (its sha256 no longer matches)', async () => {
    const f = path.join(outDir(), 'en', 'social-card-square.png');
    const good = readFileSync(f);
    writeFileSync(f, Buffer.concat([good, Buffer.from([0])]));
    resetProfile();
    const r = await run();
    expect(r.stats).toMatchObject({ rendered: 1, cached: 3 });
    expect(readFileSync(f).equals(good)).toBe(true);
  }, 120_000);

  it('a Sorani string renders the Sorani card only, and the English files keep their bytes', async () => {
    const before = hashes();
    writeFiles(path.join(root, 'locales', 'ckb'), {
      'c.json': JSON.stringify({ ...CKB, headline: 'پێش ئەوەی بڕۆیت، ڕاستییەکە بزانە.' }, null, 2),
    });
    resetProfile();
    const r = await run();
    expect(r.errors).toEqual([]);
    expect(r.stats).toMatchObject({ rendered: 1, cached: 3 });
    expect(pagesWritten()).toBe(1);
    const after = hashes();
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    // The contact sheet shows the card and its alt text, so it changes with them.
    expect(changed.sort()).toEqual(['ckb/social-card-square.png', 'ckb/social-card-square.png.alt.txt', 'index.html', 'manifest.json']);
  }, 120_000);

  it('a consent that expired between two builds withdraws its card, although no input changed', async () => {
    expect(listFiles(outDir())).toContain('en/testimony-card-square-shirin.png');
    // Without --skip-refused the build refuses, and the previous release stays as it was.
    const refused = await run('2026-06-20');
    expect(refused.errors.map((e) => e.code)).toContain('consent-refused');
    expect(listFiles(outDir())).toContain('en/testimony-card-square-shirin.png');
    resetProfile();
    const r = await run('2026-06-20', true);
    expect(r.errors).toEqual([]);
    expect(r.stats).toMatchObject({ rendered: 0, cached: 3, removed: 1 });
    expect(pagesWritten()).toBe(0);
    expect(listFiles(outDir()).filter((f) => f.includes('shirin'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(outDir(), 'manifest.json'), 'utf8')) as { assets: { path: string }[] };
    expect(manifest.assets.map((a) => a.path)).toEqual([
      'ckb/social-card-square.png',
      'en/social-card-square.png',
      'en/testimony-card-square-karwan.png',
    ]);
  }, 120_000);
});
