import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignMd, defaultConsent, listFiles, makeProject, runCli, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Errors found before anything renders: exit 2, a message naming what to change, nothing written.
 * Rendering would fail here anyway (no browser), so a pass can only come from the plan step.
 */
let root: string;
let cleanup: () => void;
beforeEach(() => ({ root, cleanup } = makeProject()));
afterEach(() => cleanup());

const NO_BROWSER = { CAMPAIGN_PRESS_CHROMIUM: '/nonexistent-so-rendering-would-fail' };
const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root, env: NO_BROWSER });
const campaignDir = () => path.join(root, 'campaigns', 'c');

describe('output folder', () => {
  beforeEach(() => writeFiles(campaignDir(), { 'campaign.md': campaignMd({ id: 'c' }) }));

  it.each([
    ['inside the campaign folder', 'campaigns/c/out', /inside the campaign folder/],
    ['the campaigns folder (out/c would be the campaign itself)', 'campaigns', /inside the campaign folder|around the campaigns folder/],
    ['inside the templates folder', 'templates/out', /inside the templates folder/],
    ['inside the locales folder', 'locales', /inside the locales folder/],
  ])('--out %s: exit 2, nothing written', async (_name, out, message) => {
    const before = listFiles(root);
    expect(before.length).toBeGreaterThan(10);
    const r = await cli(['build', 'campaigns/c', '--out', out, '--as-of', '2026-06-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\[output-unsafe\]/);
    expect(r.stderr).toMatch(/hint: Write outputs to a folder of their own/);
    expect(listFiles(root)).toEqual(before);
  });

  it('control: the default out/ at the top of the project is accepted (fails only later, at rendering)', async () => {
    const r = await cli(['build', 'campaigns/c', '--as-of', '2026-06-01']);
    expect(r.stderr).not.toMatch(/output-unsafe/);
    expect(r.code).toBe(4);
  });
});

describe('two planned assets with one path', () => {
  it('one output listed twice: exit 2 before rendering, naming the output', async () => {
    writeFiles(campaignDir(), {
      'campaign.md': campaignMd({
        id: 'c',
        locales: ['en', 'ckb'],
        outputs: '  - template: social-card\n    formats: [square]\n  - template: social-card\n    formats: [square]',
      }),
    });
    const r = await cli(['build', 'campaigns/c', '--as-of', '2026-06-01', '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { errors: { code: string; message: string; line?: number; field?: string }[] };
    const collisions = report.errors.filter((e) => e.code === 'output-collision');
    // One error per pair of outputs, not one per locale.
    expect(collisions).toHaveLength(1);
    expect(collisions[0]!.message).toMatch(
      /^en\/social-card-square\.png \(and 1 more\) is planned twice: social-card:square is listed more than once/,
    );
    expect(collisions[0]!.field).toBe('outputs[0]');
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
  });

  it('a format name and a testimony id that spell the same file: exit 2, both named', async () => {
    // A partner's template with a format "square-returned", and a testimony "home" beside one
    // called "returned-home": testimony-card-square-returned-home.png twice.
    cpSync(path.join(root, 'templates', 'testimony-card'), path.join(root, 'templates', 'story-card'), { recursive: true });
    const tj = path.join(root, 'templates', 'story-card', 'template.json');
    const t = JSON.parse(readFileSync(tj, 'utf8')) as { formats: Record<string, unknown> };
    t.formats['square-returned'] = t.formats.square;
    writeFileSync(tj, JSON.stringify(t, null, 2));
    writeFiles(campaignDir(), {
      'campaign.md': campaignMd({ id: 'c', outputs: '  - template: story-card\n    formats: [square, square-returned]' }),
      'testimonies/home.md': testimonyMd({ id: 'home' }),
      'testimonies/returned-home.md': testimonyMd({ id: 'returned-home' }).replace('CR-TEST-0001', 'CR-TEST-0002'),
    });
    const r = await cli(['build', 'campaigns/c', '--as-of', '2026-06-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /en\/story-card-square-returned-home\.png is planned twice: by story-card:square(-returned)? for testimony (returned-home|home) and by story-card:square(-returned)? for testimony (home|returned-home)/,
    );
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
  });

  it('control: distinct testimonies and formats plan without a collision', async () => {
    writeFiles(campaignDir(), {
      'campaign.md': campaignMd({ id: 'c', outputs: '  - template: testimony-card\n    formats: [square, story]' }),
      'testimonies/home.md': testimonyMd({ id: 'home' }),
      'testimonies/returned-home.md': testimonyMd({ id: 'returned-home' }).replace('CR-TEST-0001', 'CR-TEST-0002'),
    });
    const r = await cli(['check', 'campaigns/c', '--as-of', '2026-06-01']);
    expect(r.stderr).not.toMatch(/planned twice/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/done check: 4 planned/);
  });
});

describe('option values', () => {
  beforeEach(() =>
    writeFiles(campaignDir(), { 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'], regions: ['IQ-AR', 'IQ-SU'] }) }),
  );

  it.each([
    [['--concurrency', '0'], /--concurrency "0" is not a whole number from 1 to 16/, /hint: Each page is a Chromium tab/],
    [['--concurrency', '2x'], /--concurrency "2x" is not a whole number/, /hint:/],
    [['--shard', '3/2'], /--shard 3\/2 is not K\/N/, /hint: For a matrix of 3 machines/],
    [['--shard', 'half'], /--shard half is not K\/N/, /hint:/],
    [['--as-of', '01/06/2026'], /--as-of "01\/06\/2026" is not a date in the form YYYY-MM-DD/, /hint: .*2026-06-01/],
    [['--as-of', '2026-02-30'], /--as-of "2026-02-30" is not a date/, /hint:/],
  ])('%j: exit 2 with the value echoed and a hint', async (flags, message, hint) => {
    const r = await cli(['build', 'campaigns/c', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(hint);
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
  });

  it('control: good values pass the options (check renders nothing)', async () => {
    const r = await cli(['check', 'campaigns/c', '--as-of', '2026-02-28']);
    expect(r.code).toBe(0);
  });
});

describe('did you mean', () => {
  beforeEach(() =>
    writeFiles(campaignDir(), { 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'tg'], regions: ['IQ-AR', 'IQ-SU'] }) }),
  );

  it('-l tj suggests tg (Tajik)', async () => {
    const r = await cli(['check', 'campaigns/c', '-l', 'tj', '--as-of', '2026-06-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--locale tj: unknown locale "tj"\. Did you mean .*tg \(Tajik\)/);
  });

  it('a locale the table knows but the campaign does not publish names it, and lists the campaign locales', async () => {
    const r = await cli(['check', 'campaigns/c', '-l', 'ckb', '--as-of', '2026-06-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the campaign is not published in "ckb" \(Central Kurdish|Sorani/);
    expect(r.stderr).toMatch(/Use one of: en, tg/);
  });

  it('--only postr suggests poster; --only social-card:sqare suggests square; --region IQ-SUU suggests IQ-SU', async () => {
    writeFiles(campaignDir(), {
      'campaign.md': campaignMd({
        id: 'c',
        regions: ['IQ-AR', 'IQ-SU'],
        outputs: '  - template: poster\n    formats: [a3]\n  - template: social-card\n    formats: [square]',
      }),
    });
    const a = await cli(['build', 'campaigns/c', '--only', 'postr', '--as-of', '2026-06-01']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/hint: Did you mean "poster"\? Use one of: poster, social-card\./);
    const b = await cli(['build', 'campaigns/c', '--only', 'social-card:sqare', '--as-of', '2026-06-01']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/Did you mean "square"\?/);
    const c = await cli(['check', 'campaigns/c', '--region', 'IQ-SUU', '--as-of', '2026-06-01']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/Did you mean "IQ-SU"\?/);
    // Control: nothing close, no guess.
    const d = await cli(['build', 'campaigns/c', '--only', 'billboard', '--as-of', '2026-06-01']);
    expect(d.stderr).not.toMatch(/Did you mean/);
    expect(d.stderr).toMatch(/Use one of: poster, social-card/);
  });

  it('locales check -l tj suggests tg', async () => {
    const r = await cli(['locales', 'check', '-l', 'tj']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tg \(Tajik\)/);
  });
});

describe('manifests read back', () => {
  it('recall fails on a damaged manifest rather than under-report, naming the file and field', async () => {
    const dir = path.join(root, 'out', 'c');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        manifest_version: 1,
        generator: 'x',
        campaign: 'c',
        as_of: '2026-06-01',
        regions: [],
        assets: [{ path: '../x' }],
        refusals: [],
      }),
    );
    const r = await cli(['recall', 'CR-TEST-0001', '--out', 'out']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/manifest\.json: assets\[0\]\.path: a relative path inside the campaign folder/);
    writeFileSync(path.join(dir, 'manifest.json'), '{"manifest_version": 1,');
    const r2 = await cli(['recall', 'CR-TEST-0001', '--out', 'out']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/manifest\.json is not JSON/);
  });

  it('control: recall with no output folder finds nothing and exits 0', async () => {
    const r = await cli(['recall', 'CR-TEST-0001', '--out', 'nowhere']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/0 asset\(s\) used CR-TEST-0001 \(searched 0 manifest/);
  });
});

describe('warnings, grouped', () => {
  it('a testimony missing in 3 locales, on cards in 2 formats: one warning naming the three locales', async () => {
    writeFiles(campaignDir(), {
      'campaign.md': campaignMd({
        id: 'c',
        locales: ['en', 'ckb', 'ar', 'fa'],
        outputs: '  - template: testimony-card\n    formats: [square, story]',
      }),
      'testimonies/karwan.md': testimonyMd({ id: 'karwan', consent: defaultConsent({ locales: 'en, ckb, ar, fa' }) }),
    });
    const r = await cli(['check', 'campaigns/c', '--as-of', '2026-06-01', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { warnings: { message: string; file?: string }[] };
    const karwan = report.warnings.filter((x) => x.message.startsWith('testimony karwan has no'));
    expect(karwan).toHaveLength(1);
    expect(karwan[0]!.message).toMatch(
      /^testimony karwan has no (ckb|ar|fa), (ckb|ar|fa), (ckb|ar|fa) translation; it is left out of 6 assets/,
    );
    expect(r.stderr.match(/testimony karwan has no/g)).toHaveLength(1);
  });
});
