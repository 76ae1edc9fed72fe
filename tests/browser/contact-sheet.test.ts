import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'parse5';
import puppeteer from 'puppeteer-core';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignMd, defaultConsent, listFiles, makeProject, runCli, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * The contact sheet of a real build: English, Sorani and Pashto posters,
 * leaflets and cards, one testimony whose consent does not cover Pashto (left out, shown in its
 * place). Every link resolves to a file beside the sheet, in out/ and in the bundle; the sheet
 * opens from file:// in Chromium with every picture loaded and nothing fetched from elsewhere.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
const out = () => path.join(root, 'out', 'c');
const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root });
const manifest = () =>
  JSON.parse(readFileSync(path.join(out(), 'manifest.json'), 'utf8')) as {
    contact_sheet?: { path: string; sha256: string };
    assets: {
      path: string;
      output: string;
      pages?: number;
      alt?: string;
      thumbnails?: { path: string; sha256: string; width: number; height: number }[];
    }[];
    refusals: { asset: string }[];
  };

const MESSAGES = {
  ckb: {
    title: 'گەشتی سەلامەت بە ڕاستی دەست پێ دەکات',
    headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.',
    subline: 'دەریا ڕاستە. بەڵێنەکان ڕاست نین.',
    cta: 'پەیوەندی بە هێڵی یارمەتی بێبەرامبەرەوە بکە',
  },
  ps: {
    title: 'خوندي سفر له رښتیا سره پیلیږي',
    headline: 'له تګ نه مخکې رښتیا وپېژنئ.',
    subline: 'سمندر رښتیا دی. ژمنې رښتیا نه دي.',
    cta: 'وړیا مرستندویه کرښې ته زنګ ووهئ',
  },
};

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  for (const [l, m] of Object.entries(MESSAGES)) writeFiles(path.join(root, 'locales', l), { 'c.json': `${JSON.stringify(m, null, 2)}\n` });
  writeFiles(path.join(root, 'campaigns', 'c'), {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb', 'ps'],
      outputs:
        '  - template: poster\n    formats: [a4]\n  - template: leaflet\n    formats: [a5]\n  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n    for_each: testimony',
    }),
    'testimonies/karwan.md': testimonyMd({ id: 'karwan', consent: defaultConsent({ id: 'CR-2026-ERB-0042', locales: 'en, ckb' }) }),
    'testimonies/karwan.ckb.md': `---
translation_of: karwan
source_sha256: "${'0'.repeat(64)}"
status: reviewed
title: چیرۆکێک لە ڕێگاوە
quote: "قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی پێدام."
paraphrase: بەڵێنی بەلەمێکی سەلامەتیان پێدا.
---
چیرۆکێکی نموونەیی بۆ تاقیکردنەوە.
`,
  });
  const r = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--skip-refused', '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 300_000);
afterAll(() => cleanup());

/** Every relative href and src of a sheet, without its #fragment. */
function links(html: string): string[] {
  type N = { attrs?: { name: string; value: string }[]; childNodes?: N[] };
  const found: string[] = [];
  const walk = (n: N) => {
    for (const a of n.attrs ?? []) if (a.name === 'href' || a.name === 'src') found.push(decodeURIComponent(a.value.split('#')[0]!));
    for (const c of n.childNodes ?? []) walk(c);
  };
  walk(parse(html) as unknown as N);
  return found.filter((l) => !l.startsWith('#') && l !== '');
}

function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const files = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            files.set(e.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.readEntry();
    });
  });
}

describe('contact sheet', () => {
  it('is written with the build, listed in the manifest, and links every asset, thumbnail and refusal', () => {
    const m = manifest();
    const html = readFileSync(path.join(out(), 'index.html'), 'utf8');
    expect(m.contact_sheet).toEqual({ path: 'index.html', sha256: sha256(html) });
    const ls = links(html);
    for (const a of m.assets) {
      expect(ls, a.path).toContain(a.path);
      for (const t of a.thumbnails ?? []) expect(ls, t.path).toContain(t.path);
    }
    // Every link resolves to a file beside the sheet.
    for (const l of new Set(ls)) expect(existsSync(path.join(out(), l)), l).toBe(true);
    // The Pashto testimony card was refused: the sheet says so in its place.
    expect(m.refusals.map((r) => r.asset)).toContain('ps/testimony-card-square-karwan.png');
    expect(html).toMatch(/<figure class="refused" lang="ps" dir="rtl">/);
    expect(html).toContain('CR-2026-ERB-0042');
    expect(html).not.toMatch(/<script/i);
  });

  it('opens from file:// with every picture loaded and no request outside the folder', async () => {
    const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.setJavaScriptEnabled(false);
      const url = `file://${path.join(out(), 'index.html')}`;
      await page.goto(url, { waitUntil: 'load' });
      // Lazy images load once in view: scroll the whole sheet through the viewport.
      const height = await page.evaluate(() => document.body.scrollHeight);
      for (let y = 0; y < height; y += 600) await page.evaluate((yy) => window.scrollTo(0, yy), y);
      await page.evaluate(() =>
        Promise.all(Array.from(document.images).map((i) => (i.complete ? null : new Promise((r) => (i.onload = i.onerror = r))))),
      );
      const images = await page.evaluate(() => Array.from(document.images).map((i) => ({ src: i.getAttribute('src'), w: i.naturalWidth })));
      expect(images.length).toBe(8); // the square cards and the posters' sharing PNGs of en, ckb, ps, and the testimony cards of en, ckb (PDFs are linked)
      for (const i of images) expect(i.w, i.src ?? '').toBeGreaterThan(0);
      const dir = `file://${out()}/`;
      for (const r of requests) expect(r.startsWith(dir), r).toBe(true);
      // lang and dir per item: the Sorani and Pashto items are right to left, the English one not.
      const items = await page.evaluate(() =>
        Array.from(document.querySelectorAll('figure')).map((f) => ({ lang: f.lang, dir: getComputedStyle(f).direction })),
      );
      expect(new Set(items.filter((i) => i.lang === 'ckb' || i.lang === 'ps').map((i) => i.dir))).toEqual(new Set(['rtl']));
      expect(new Set(items.filter((i) => i.lang === 'en').map((i) => i.dir))).toEqual(new Set(['ltr']));
      await page.setViewport({ width: 1280, height: 900 });
      await page.screenshot({ path: path.join(root, 'sheet.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('an unchanged rebuild writes the same sheet; a dropped locale leaves the sheet and folder together', async () => {
    const before = readFileSync(path.join(out(), 'index.html'));
    const again = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--skip-refused', '--json']);
    expect(JSON.parse(again.stdout).stats.rendered).toBe(0);
    expect(readFileSync(path.join(out(), 'index.html')).equals(before)).toBe(true);

    writeFiles(path.join(root, 'campaigns', 'c'), {
      'campaign.md': campaignMd({
        id: 'c',
        locales: ['en', 'ckb'],
        outputs:
          '  - template: poster\n    formats: [a4]\n  - template: leaflet\n    formats: [a5]\n  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n    for_each: testimony',
      }),
    });
    const dropped = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--skip-refused', '--json']);
    expect(dropped.code, dropped.stderr).toBe(0);
    const files = listFiles(out());
    expect(files.filter((f) => f.includes('ps/'))).toEqual([]);
    const html = readFileSync(path.join(out(), 'index.html'), 'utf8');
    expect(html).not.toContain('lang="ps"');
    for (const l of new Set(links(html))) expect(existsSync(path.join(out(), l)), l).toBe(true);
    // What is on disk is what the manifest lists (assets, thumbnails, alt-text sidecars), plus the sheet and the manifest.
    const m = manifest();
    const listed = m.assets.flatMap((a) => [
      a.path,
      ...(a.thumbnails ?? []).map((t) => t.path),
      ...(a.alt === undefined ? [] : [`${a.path}.alt.txt`]),
    ]);
    expect(files).toEqual([...listed, 'index.html', 'manifest.json'].sort());
  });

  it('bundle packs the sheet; every link of the bundled sheet is in the zip', async () => {
    const r = await cli(['bundle', 'campaigns/c', '--as-of', AS_OF, '--skip-refused']);
    expect(r.code, r.stderr).toBe(0);
    const zip = await unzip(path.join(root, 'out', 'c.zip'));
    const sheet = zip.get('c/index.html');
    expect(sheet).toBeDefined();
    for (const l of new Set(links(sheet!.toString('utf8')))) expect(zip.has(`c/${l}`), l).toBe(true);
    const sums = zip.get('c/SHA256SUMS')!.toString('utf8');
    expect(sums).toContain(`${sha256(sheet!)}  c/index.html`);
    const bundled = JSON.parse(zip.get('c/manifest.json')!.toString('utf8'));
    expect(bundled.contact_sheet).toEqual({ path: 'index.html', sha256: sha256(sheet!) });
    // Every zip entry is checksummed.
    for (const name of zip.keys()) if (name !== 'c/SHA256SUMS') expect(sums, name).toContain(`  ${name}\n`);
    // The release is the whole build: its sheet and manifest are the bytes on disk, so the sums verify the output folder.
    expect(sheet!.equals(readFileSync(path.join(out(), 'index.html')))).toBe(true);
    expect(zip.get('c/manifest.json')!.equals(readFileSync(path.join(out(), 'manifest.json')))).toBe(true);
    const verified = execFileSync('sha256sum', ['-c', path.join('c', 'SHA256SUMS')], { cwd: path.join(root, 'out'), encoding: 'utf8' });
    expect(verified.split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(zip.size - 1);
  });
});
