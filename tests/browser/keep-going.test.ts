import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { campaignMd, defaultConsent, listFiles, makeProject, runCli, testimonyMd, writeFiles } from '../helpers.js';

/**
 * --keep-going (issue 10 item 9): one Sorani headline far too long fails its card; the English
 * card is written, the failure listed, exit 4, and the manifest lists only what was written. A
 * consent refusal is never kept going.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
beforeAll(() => ({ root, cleanup } = makeProject()));
afterAll(() => cleanup());

const HEADLINE = 'ڕاستییەکە بزانە پێش ئەوەی بڕۆیت.';
const ckb = (headline: string) =>
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'c.json': `${JSON.stringify({ title: 'گەشتی سەلامەت', headline, subline: 'دەریا ڕاستە.', cta: 'پەیوەندی بکە' }, null, 2)}\n`,
  });
const campaign = (messages?: Record<string, string>, testimony?: string) =>
  writeFiles(path.join(root, 'campaigns', 'c'), {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb'],
      body: '',
      outputs: '  - template: social-card\n    formats: [square]',
      ...(messages ? { messages } : {}),
    }),
    ...(testimony ? { 'testimonies/t.md': testimony } : {}),
  });
const cli = (out: string, extra: string[] = []) =>
  runCli(['--root', root, 'build', 'campaigns/c', '--as-of', AS_OF, '--out', out, '--json', ...extra], { cwd: root });
interface Report {
  failed: string[];
  assets: { path: string }[];
  errors: { code: string; file?: string; field?: string }[];
}
const manifestPaths = (out: string) =>
  (JSON.parse(readFileSync(path.join(root, out, 'c', 'manifest.json'), 'utf8')) as { assets: { path: string }[] }).assets.map(
    (a) => a.path,
  );

describe('--keep-going', () => {
  it('writes the card that passed, lists the one that failed, exits 4; the manifest lists only what was written', async () => {
    campaign();
    ckb(HEADLINE);
    const first = await cli('out');
    expect(first.code, first.stderr).toBe(0);
    expect(manifestPaths('out')).toEqual(['ckb/social-card-square.png', 'en/social-card-square.png']);

    ckb(HEADLINE.repeat(40));
    const r = await cli('out', ['--keep-going']);
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.failed).toEqual(['ckb/social-card-square.png']);
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors.every((e) => e.code.startsWith('render-'))).toBe(true);
    expect(report.errors.some((e) => e.file === 'locales/ckb/c.json' && e.field === 'headline')).toBe(true);
    expect(report.assets.map((a) => a.path)).toEqual(['en/social-card-square.png']);
    expect(r.stderr).toMatch(/failed 1 asset\(s\), not written:\n {2}ckb\/social-card-square\.png/);
    // The Sorani card of the earlier, shorter headline does not stay behind as if it were current.
    expect(listFiles(path.join(root, 'out', 'c'))).toEqual([
      'en/social-card-square.png',
      'en/social-card-square.png.alt.txt',
      'index.html',
      'manifest.json',
    ]);
    expect(manifestPaths('out')).toEqual(['en/social-card-square.png']);
  });

  it('control: without --keep-going the same failure writes nothing', async () => {
    campaign();
    ckb(HEADLINE.repeat(40));
    const r = await cli('out-strict');
    expect(r.code).toBe(4);
    expect((JSON.parse(r.stdout) as Report).failed).toEqual(['ckb/social-card-square.png']);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(listFiles(path.join(root, 'out-strict'))).toEqual([]);
  });

  it('a consent refusal is never kept going: a deny-listed name on the English card refuses the build: nothing written, not even the passing cards', async () => {
    campaign(
      { headline: 'Remember Karwan Ahmed.', subline: 'The sea is real.', cta: 'Call' },
      testimonyMd({ id: 't', consent: defaultConsent({ id: 'CR-KG', denylist: `"${hashTerm('Karwan Ahmed')}"` }) }),
    );
    ckb(HEADLINE.repeat(40));
    const r = await cli('out-consent', ['--keep-going']);
    // Both failures are reported; the render failure's class (4) is the higher exit code.
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.errors.map((e) => e.code)).toContain('consent-refused');
    expect(report.failed).toEqual(['ckb/social-card-square.png']);
    expect(report.assets).toEqual([]);
    expect(listFiles(path.join(root, 'out-consent'))).toEqual([]);
    expect(existsSync(path.join(root, 'out-consent', 'c', 'manifest.json'))).toBe(false);
    expect(r.stdout + r.stderr).not.toMatch(/karwan/i);
  });
});
