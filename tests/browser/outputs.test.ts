import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignMd, defaultConsent, listFiles, makeProject, REPO, runCli, testimonyMd, writeFiles } from '../helpers.js';

/**
 * The output folder equals the plan: what is no longer planned leaves out/ and the manifest; a
 * narrowed build keeps other slices only while the full plan has them; a signal leaves the
 * previous release as it was. Small PNG cards keep this quick.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
beforeAll(() => ({ root, cleanup } = makeProject()));
afterAll(() => cleanup());

const dir = () => path.join(root, 'campaigns', 'c');
const out = () => path.join(root, 'out', 'c');
const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root });
const manifestPaths = () =>
  (JSON.parse(readFileSync(path.join(out(), 'manifest.json'), 'utf8')) as { assets: { path: string }[] }).assets.map((a) => a.path);
/** Assets on disk besides the manifest and the contact sheet (index.html, which every build writes); each PNG's alt-text sidecar must be there with it (and is left out of the list). */
const assetsOnDisk = () => {
  const files = listFiles(out()).filter((f) => f !== 'manifest.json' && f !== 'index.html');
  const assets = files.filter((f) => !f.endsWith('.alt.txt'));
  expect(files.filter((f) => f.endsWith('.alt.txt'))).toEqual(assets.filter((f) => f.endsWith('.png')).map((f) => `${f}.alt.txt`));
  return assets;
};
/** Campaign messages in Kurmanji and Uzbek, as a translator would deliver them (fallback English is marked and fails layout). */
const MESSAGES: Record<string, Record<string, string>> = {
  kmr: {
    title: 'Kampanya ceribandinê',
    headline: 'Berî ku hûn biçin rastiyê bizanin.',
    subline: 'Derya rast e. Soz ne rast in.',
    cta: 'Li xeta alîkariyê ya belaş bigerin',
  },
  uz: {
    title: 'Sinov kampaniyasi',
    headline: 'Yoʻlga chiqishdan oldin haqiqatni biling.',
    subline: 'Dengiz haqiqiy. Vaʼdalar emas.',
    cta: 'Bepul yordam liniyasiga qoʻngʻiroq qiling',
  },
};

const write = (locales: string[], outputs: string, testimonies: string[] = []) => {
  for (const l of locales.filter((x) => MESSAGES[x]))
    writeFiles(path.join(root, 'locales', l), { 'c.json': `${JSON.stringify(MESSAGES[l], null, 2)}\n` });
  writeFiles(dir(), {
    'campaign.md': campaignMd({ id: 'c', locales, outputs }),
    ...Object.fromEntries(
      testimonies.map((t, i) => [
        `testimonies/${t}.md`,
        testimonyMd({ id: t, consent: defaultConsent({ id: `CR-TEST-000${i + 1}`, locales: 'en, kmr, uz' }) }),
      ]),
    ),
  });
};

describe('the output folder equals the plan', () => {
  it('dropping a locale, a format and a testimony removes their files from out/ and the manifest', async () => {
    write(['en', 'kmr'], '  - template: social-card\n    formats: [square, story]\n  - template: testimony-card\n    formats: [square]', [
      'karwan',
      'shirin',
    ]);
    const first = await cli(['build', 'campaigns/c', '--as-of', AS_OF]);
    expect(first.code, first.stderr).toBe(0);
    const full = assetsOnDisk();
    // The testimonies have no Kurmanji translation, so their cards are English only.
    expect(full).toEqual([
      'en/social-card-square.png',
      'en/social-card-story.png',
      'en/testimony-card-square-karwan.png',
      'en/testimony-card-square-shirin.png',
      'kmr/social-card-square.png',
      'kmr/social-card-story.png',
    ]);
    expect(manifestPaths()).toEqual(full);

    // kmr dropped, the story format dropped, shirin's testimony withdrawn (file removed).
    write(['en'], '  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]', ['karwan']);
    rmSync(path.join(dir(), 'testimonies', 'shirin.md'));
    const second = await cli(['build', 'campaigns/c', '--as-of', AS_OF]);
    expect(second.code, second.stderr).toBe(0);
    expect(assetsOnDisk()).toEqual(['en/social-card-square.png', 'en/testimony-card-square-karwan.png']);
    expect(manifestPaths()).toEqual(['en/social-card-square.png', 'en/testimony-card-square-karwan.png']);
    expect(second.stderr).toMatch(/4 stale removed/);
  });

  it('a narrowed build keeps other slices only while the full plan has them', async () => {
    write(['en', 'kmr', 'uz'], '  - template: social-card\n    formats: [square]');
    expect((await cli(['build', 'campaigns/c', '--as-of', AS_OF])).code).toBe(0);
    expect(assetsOnDisk()).toEqual(['en/social-card-square.png', 'kmr/social-card-square.png', 'uz/social-card-square.png']);
    // uz is dropped from the campaign; a build of en alone keeps kmr (still planned) and removes uz.
    write(['en', 'kmr'], '  - template: social-card\n    formats: [square]');
    const r = await cli(['build', 'campaigns/c', '-l', 'en', '--as-of', AS_OF]);
    expect(r.code, r.stderr).toBe(0);
    expect(assetsOnDisk()).toEqual(['en/social-card-square.png', 'kmr/social-card-square.png']);
    expect(manifestPaths()).toEqual(['en/social-card-square.png', 'kmr/social-card-square.png']);
  });

  it('rendered files no manifest lists are swept; files a person put there, dot-folders of running builds and SHA256SUMS stay', async () => {
    write(['en'], '  - template: social-card\n    formats: [square]');
    mkdirSync(path.join(out(), 'uz'), { recursive: true });
    writeFileSync(path.join(out(), 'uz', 'social-card-square.png'), 'left by a build whose manifest was lost');
    writeFileSync(path.join(out(), 'notes.txt'), 'mine');
    writeFileSync(path.join(out(), 'SHA256SUMS'), 'x');
    // A staging folder of a process that is gone (pid 2^22 + 1 is above Linux's pid_max) is stale.
    mkdirSync(path.join(out(), '.staging-4194305-deadbeef', 'en'), { recursive: true });
    // One of this (live) process is left alone.
    mkdirSync(path.join(out(), `.staging-${process.pid}-cafe0001`), { recursive: true });
    const r = await cli(['build', 'campaigns/c', '--as-of', AS_OF]);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(out())).toEqual([
      'SHA256SUMS',
      'en/social-card-square.png',
      'en/social-card-square.png.alt.txt',
      'index.html',
      'manifest.json',
      'notes.txt',
    ]);
    const dirs = readdirSync(out()).filter((n) => n.startsWith('.staging-'));
    expect(dirs).toEqual([`.staging-${process.pid}-cafe0001`]);
  });
});

describe('signals', () => {
  /** Start the real binary on a build of `n` assets and send `sig` once the first asset is done. */
  const interrupt = (sig: NodeJS.Signals) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          path.join(REPO, 'bin', 'campaign-press.js'),
          '--root',
          root,
          'build',
          'campaigns/c',
          '--as-of',
          AS_OF,
          '--no-cache',
          '--concurrency',
          '1',
        ],
        {
          cwd: root,
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && /\[1\/\d+\]/.test(stderr)) {
          sent = true;
          child.kill(sig);
        }
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s stops the build: exit %i, previous outputs and manifest kept, no staging left, no browser restart', async (sig, code) => {
    rmSync(out(), { recursive: true, force: true });
    write(['en', 'kmr', 'uz'], '  - template: social-card\n    formats: [square, portrait, story]');
    const done = await cli(['build', 'campaigns/c', '--as-of', AS_OF]);
    expect(done.code, done.stderr).toBe(0);
    const before = new Map(listFiles(out()).map((f) => [f, readFileSync(path.join(out(), f))]));
    // 9 cards, their 9 alt-text sidecars, the contact sheet and the manifest.
    expect(before.size).toBe(20);
    const r = await interrupt(sig);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(/interrupted; previous outputs kept/);
    expect(r.stderr).not.toMatch(/done build/);
    const after = listFiles(out());
    expect(after).toEqual([...before.keys()]);
    for (const f of after) expect(readFileSync(path.join(out(), f)).equals(before.get(f)!), f).toBe(true);
    expect(readdirSync(out()).filter((n) => n.startsWith('.staging-'))).toEqual([]);
  });
});
