import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignPressError } from '../../src/errors.js';
import { bundleCampaign } from '../../src/output/bundle.js';
import { campaignMd, listFiles, makeProject, releaseCheck, runCli, writeFiles } from '../helpers.js';

/**
 * `bundle` packs only what the campaign plans now (issue 11 item 1): a file in the output folder
 * that the plan does not contain, or a manifest entry for a dropped locale, refuses the release
 * (exit 2, naming the path) and writes no zip.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
beforeAll(() => ({ root, cleanup } = makeProject()));
afterAll(() => cleanup());

const dir = () => path.join(root, 'campaigns', 'c');
const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root });
const CKB = { title: 'گەشتی سەلامەت', headline: 'ڕاستییەکە بزانە', subline: 'دەریا ڕاستە.', cta: 'پەیوەندی بکە' };
const write = (locales: string[]) =>
  writeFiles(dir(), {
    'campaign.md': campaignMd({ id: 'c', locales, body: '', outputs: '  - template: social-card\n    formats: [square]' }),
  });

function zipNames(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const refusal = async (p: Promise<unknown>): Promise<CampaignPressError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CampaignPressError);
  return e as CampaignPressError;
};

describe('bundle refuses what the current plan does not contain', () => {
  beforeAll(async () => {
    writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': JSON.stringify(CKB, null, 2) });
    write(['en', 'ckb']);
    const r = await cli(['build', 'campaigns/c', '--as-of', AS_OF]);
    expect(r.code, r.stderr).toBe(0);
    cpSync(path.join(root, 'out'), path.join(root, 'shard-old'), { recursive: true });
  }, 120_000);

  it('a stray asset in out/<campaign>/ (an old Uzbek card copied back by hand): exit 2 with its path, no zip', async () => {
    const out = path.join(root, 'out');
    const uz = path.join(out, 'c', 'uz', 'social-card-square.png');
    writeFiles(path.dirname(uz), { 'social-card-square.png': readFileSync(path.join(out, 'c', 'en', 'social-card-square.png')) });
    const e = await refusal(bundleCampaign(out, 'c', await releaseCheck(root, dir(), AS_OF)));
    expect(e.code).toBe('release-unplanned');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('c/uz/social-card-square.png is not in the current plan of c');
    expect(existsSync(path.join(out, 'c.zip'))).toBe(false);
    // Its alt-text sidecar alone is refused the same way.
    rmSync(uz);
    writeFiles(path.dirname(uz), { 'social-card-square.png.alt.txt': 'Know the truth.\n' });
    const e2 = await refusal(bundleCampaign(out, 'c', await releaseCheck(root, dir(), AS_OF)));
    expect(e2.message).toContain('c/uz/social-card-square.png.alt.txt is not in the current plan of c');
    // Control: without the stray file the same folder bundles, holding exactly the plan.
    rmSync(path.dirname(uz), { recursive: true });
    const b = await bundleCampaign(out, 'c', await releaseCheck(root, dir(), AS_OF));
    expect((await zipNames(b.zip)).sort()).toEqual([
      'c/SHA256SUMS',
      'c/ckb/social-card-square.png',
      'c/ckb/social-card-square.png.alt.txt',
      'c/en/social-card-square.png',
      'c/en/social-card-square.png.alt.txt',
      'c/index.html',
      'c/manifest.json',
    ]);
  });

  it('a manifest entry for a locale the campaign dropped since the build: exit 2 naming it', async () => {
    write(['en']);
    try {
      const e = await refusal(bundleCampaign(path.join(root, 'out'), 'c', await releaseCheck(root, dir(), AS_OF)));
      expect(e.code).toBe('release-unplanned');
      expect(e.message).toMatch(/^c\/ckb\/social-card-square\.png is not in the current plan of c \(1 listed in the manifest\)/);
      expect(e.location.file).toMatch(/manifest\.json$/);
    } finally {
      write(['en', 'ckb']);
    }
  });

  it('CLI: merging a build made before ckb was dropped exits 2, names the path and writes nothing', async () => {
    write(['en']);
    try {
      const r = await cli(['bundle', 'campaigns/c', '--merge', 'shard-old', '--out', 'release', '--as-of', AS_OF]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('c/ckb/social-card-square.png is not in the current plan of c');
      expect(r.stderr).toMatch(/\[release-unplanned\]/);
      expect(r.stderr).toMatch(/hint: Build the campaign again/);
      expect(listFiles(path.join(root, 'release'))).toEqual([]);
      // Control: a fresh build of the campaign as it is now bundles, without the dropped locale.
      const ok = await cli(['bundle', 'campaigns/c', '--as-of', AS_OF, '--out', 'fresh']);
      expect(ok.code, ok.stderr).toBe(0);
      expect((await zipNames(path.join(root, 'fresh', 'c.zip'))).sort()).toEqual([
        'c/SHA256SUMS',
        'c/en/social-card-square.png',
        'c/en/social-card-square.png.alt.txt',
        'c/index.html',
        'c/manifest.json',
      ]);
    } finally {
      write(['en', 'ckb']);
    }
  });
});
