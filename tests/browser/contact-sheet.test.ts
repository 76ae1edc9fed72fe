import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'parse5';
import puppeteer from 'puppeteer-core';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbnailsIn } from '../../src/output/contact-sheet.js';
import { build } from '../../src/pipeline/run.js';
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
      thumbnails?: { sha256: string; width: number; height: number }[];
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
    const embedded = thumbnailsIn(html);
    for (const a of m.assets) {
      expect(ls, a.path).toContain(a.path);
      // A PDF has one thumbnail per page, embedded in the sheet.
      if (a.output === 'pdf') expect(a.thumbnails?.length, a.path).toBe(a.pages);
      for (const t of a.thumbnails ?? []) expect(embedded.has(t.sha256), a.path).toBe(true);
    }
    // Every link resolves to a file beside the sheet.
    for (const l of new Set(ls.filter((x) => !x.startsWith('data:image/png;base64,'))))
      expect(existsSync(path.join(out(), l)), l).toBe(true);
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
      // The square cards and the posters' sharing PNGs of en, ckb, ps, the testimony cards of en,
      // ckb, and a thumbnail per PDF page.
      const m = manifest();
      const pdfPages = m.assets.reduce((n, a) => n + (a.thumbnails?.length ?? 0), 0);
      expect(pdfPages).toBe(m.assets.filter((a) => a.output === 'pdf').reduce((n, a) => n + a.pages!, 0));
      expect(images.length).toBe(8 + pdfPages);
      for (const i of images) expect(i.w, (i.src ?? '').slice(0, 40)).toBeGreaterThan(0);
      // Nothing outside the folder: files beside the sheet, or the thumbnails embedded in it.
      const dir = `file://${out()}/`;
      for (const r of requests) expect(r.startsWith(dir) || r.startsWith('data:image/png;base64,'), r.slice(0, 80)).toBe(true);
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
    for (const l of new Set(links(html).filter((x) => !x.startsWith('data:')))) expect(existsSync(path.join(out(), l)), l).toBe(true);
    // What is on disk is what the manifest lists (assets, alt-text sidecars), plus the sheet and the manifest.
    const m = manifest();
    const listed = m.assets.flatMap((a) => [a.path, ...(a.alt === undefined ? [] : [`${a.path}.alt.txt`])]);
    expect(files).toEqual([...listed, 'index.html', 'manifest.json'].sort());
  });

  it('bundle packs the sheet; every link of the bundled sheet is in the zip', async () => {
    const r = await cli(['bundle', 'campaigns/c', '--as-of', AS_OF, '--skip-refused']);
    expect(r.code, r.stderr).toBe(0);
    const zip = await unzip(path.join(root, 'out', 'c.zip'));
    const sheet = zip.get('c/index.html');
    expect(sheet).toBeDefined();
    for (const l of new Set(links(sheet!.toString('utf8')).filter((x) => !x.startsWith('data:')))) expect(zip.has(`c/${l}`), l).toBe(true);
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

  it('bundle --merge of two shards, rendered from nothing after other pages, writes the same sheet and manifest as the one build', async () => {
    for (const k of [1, 2]) {
      const r = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--skip-refused', '--shard', `${k}/2`, '--out', `shard-${k}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    const shardSheets = [1, 2].map((k) => readFileSync(path.join(root, `shard-${k}`, 'c', 'index.html'), 'utf8'));
    // Each shard embeds the thumbnails of its own PDFs only: the merge must take them from both.
    const pdfs = manifest().assets.filter((a) => a.output === 'pdf');
    const inShard = pdfs.map((a) => shardSheets.map((h) => h.includes(a.thumbnails![0]!.sha256)));
    expect(inShard.every(([x, y]) => x !== y)).toBe(true);
    expect(new Set(inShard.map(([x]) => x))).toEqual(new Set([true, false]));
    const r = await cli(['bundle', 'campaigns/c', '--merge', 'shard-1', 'shard-2', '--out', 'release', '--as-of', AS_OF, '--skip-refused']);
    expect(r.code, r.stderr).toBe(0);
    const merged = readFileSync(path.join(root, 'release', 'c', 'index.html'));
    expect(merged.equals(readFileSync(path.join(out(), 'index.html')))).toBe(true);
    expect(readFileSync(path.join(root, 'release', 'c', 'manifest.json')).equals(readFileSync(path.join(out(), 'manifest.json')))).toBe(
      true,
    );
    // Control: a shard's own sheet is another page (half the assets).
    expect(Buffer.from(shardSheets[0]!).equals(merged)).toBe(false);
  }, 300_000);
});

/**
 * PDF page thumbnails, decoded: a story with a black photo (its EXIF carries a canary)
 * whose consent covers English only. The English leaflet's thumbnails show the photo (the
 * control), the Sorani leaflet's never do; no thumbnail carries a chunk beyond the pixels, no
 * byte of the canary reaches the sheet; a thumbnail looks like its PDF page (pdftoppm), and a
 * build from nothing gives the same bytes.
 */
describe('PDF page thumbnails', () => {
  const CANARY = 'Rasha Home Street 14 GPS';
  let p: { root: string; cleanup: () => void };
  let photo: Buffer;
  const sheetOf = (out: string) => readFileSync(path.join(p.root, out, 't', 'index.html'));
  const manifestOf = (out: string) =>
    JSON.parse(readFileSync(path.join(p.root, out, 't', 'manifest.json'), 'utf8')) as {
      assets: { path: string; pages?: number; thumbnails?: { sha256: string; width: number; height: number }[] }[];
      refusals: { asset: string; testimony: string }[];
    };
  const buildTo = (out: string, cache = true) =>
    build({
      root: p.root,
      campaignDir: path.join(p.root, 'campaigns', 't'),
      out: path.join(p.root, out),
      asOf: AS_OF,
      skipRefused: true,
      cache,
    });
  /**
   * Whether a picture has a solid black block of 16 x 16 px: the photo (leaflet photos are drawn
   * in greys, and black stays black; it is about 45 x 75 px at thumbnail size). Text is
   * blue-grey, and the QR code's largest black patch (a finder's 3 x 3 modules) is about 8 px,
   * so nothing else on a leaflet page makes such a block.
   */
  async function blackBlock(png: Buffer): Promise<boolean> {
    const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const w = info.width;
    const black = (x: number, y: number) => data[y * w + x]! < 20;
    for (let y = 0; y + 16 <= info.height; y++)
      for (let x = 0; x + 16 <= w; x++) {
        let all = true;
        for (let dy = 0; dy < 16 && all; dy++) for (let dx = 0; dx < 16 && all; dx++) all = black(x + dx, y + dy);
        if (all) return true;
      }
    return false;
  }
  /** PNG chunk types, in order. */
  function chunks(png: Buffer): { type: string; data: Buffer }[] {
    const out: { type: string; data: Buffer }[] = [];
    for (let o = 8; o < png.length; ) {
      const len = png.readUInt32BE(o);
      out.push({ type: png.toString('latin1', o + 4, o + 8), data: png.subarray(o + 8, o + 8 + len) });
      o += 12 + len;
    }
    return out;
  }

  beforeAll(async () => {
    p = makeProject();
    photo = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#000000' } })
      .jpeg()
      .withExif({ IFD0: { ImageDescription: CANARY, Artist: CANARY }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '36/1 11/1 0/1' } })
      .toBuffer();
    expect(photo.includes(CANARY)).toBe(true);
    writeFiles(path.join(p.root, 'locales', 'ckb'), { 't.json': `${JSON.stringify(MESSAGES.ckb, null, 2)}\n` });
    writeFiles(path.join(p.root, 'campaigns', 't'), {
      'campaign.md': campaignMd({ id: 't', locales: ['en', 'ckb'], outputs: '  - template: leaflet\n    formats: [a5]' }),
      'assets/rasha.jpg': photo,
      'testimonies/rasha.md': testimonyMd({
        id: 'rasha',
        extra: 'photo: assets/rasha.jpg\n',
        consent: defaultConsent({
          id: 'CR-2026-ERB-0077',
          locales: 'en',
          photo: `  photo:\n    permission: obscured\n    sha256: "${sha256(photo)}"\n`,
        }),
      }),
    });
    const r = await buildTo('out');
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  }, 300_000);
  afterAll(() => p.cleanup());

  it('shows the story on the English pages and never on the Sorani pages, where consent refused it', async () => {
    const m = manifestOf('out');
    expect(m.refusals.map((r) => `${r.asset} ${r.testimony}`)).toContain('ckb/leaflet-a5.pdf rasha');
    const thumbs = thumbnailsIn(sheetOf('out'));
    const pages = async (asset: string) => {
      const a = m.assets.find((x) => x.path === asset)!;
      expect(a.thumbnails).toHaveLength(a.pages!);
      return Promise.all(a.thumbnails!.map((t) => blackBlock(thumbs.get(t.sha256)!)));
    };
    const en = await pages('en/leaflet-a5.pdf');
    const ckb = await pages('ckb/leaflet-a5.pdf');
    // Control: the consented English story's photo is on one of its pages.
    expect(en.filter(Boolean)).toHaveLength(1);
    expect(ckb.filter(Boolean)).toEqual([]);
  });

  it('carries nothing but pixels: no metadata chunk in any thumbnail, no byte of the photo metadata in the sheet', () => {
    const html = sheetOf('out');
    const thumbs = thumbnailsIn(html);
    const listed = manifestOf('out').assets.flatMap((a) => a.thumbnails ?? []);
    expect(listed.length).toBeGreaterThanOrEqual(8);
    expect([...thumbs.keys()].sort()).toEqual([...new Set(listed.map((t) => t.sha256))].sort());
    // The size the manifest gives is the PNG's own (IHDR): the first page 240 px wide, the others 112.
    for (const a of manifestOf('out').assets)
      for (const [i, t] of (a.thumbnails ?? []).entries()) {
        const ihdr = chunks(thumbs.get(t.sha256)!)[0]!.data;
        expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)], `${a.path} page ${i + 1}`).toEqual([t.width, t.height]);
        expect(t.width).toBe(i === 0 ? 240 : 112);
      }
    const densities = new Set<string>();
    for (const png of thumbs.values()) {
      const types = chunks(png).map((c) => c.type);
      expect(types.filter((t) => !['IHDR', 'PLTE', 'tRNS', 'pHYs', 'IDAT', 'IEND'].includes(t))).toEqual([]);
      expect(types[0]).toBe('IHDR');
      // pHYs is the pixel density sharp writes: one fixed value, the same in every thumbnail.
      for (const c of chunks(png)) if (c.type === 'pHYs') densities.add(c.data.toString('hex'));
    }
    expect(densities.size).toBeLessThanOrEqual(1);
    expect(html.includes(CANARY)).toBe(false);
    for (const png of thumbs.values()) expect(png.includes(CANARY)).toBe(false);
  });

  it('each thumbnail is its PDF page (pdftoppm), not another page', async () => {
    const a = manifestOf('out').assets.find((x) => x.path === 'en/leaflet-a5.pdf')!;
    const thumbs = thumbnailsIn(sheetOf('out'));
    const prefix = path.join(p.root, 'ref');
    execFileSync('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '2', path.join(p.root, 'out', 't', a.path), prefix]);
    const grey = async (src: Buffer | string, w: number, h: number) =>
      sharp(src).resize(w, h, { fit: 'fill' }).greyscale().raw().toBuffer();
    const diff = (x: Buffer, y: Buffer) => x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0) / x.length;
    const [t1, t2] = [thumbs.get(a.thumbnails![0]!.sha256)!, thumbs.get(a.thumbnails![1]!.sha256)!];
    const [r1, r2] = [`${prefix}-1.png`, `${prefix}-2.png`];
    const same1 = diff(await grey(t1, 60, 84), await grey(r1, 60, 84));
    const same2 = diff(await grey(t2, 60, 84), await grey(r2, 60, 84));
    const crossed = diff(await grey(t1, 60, 84), await grey(r2, 60, 84));
    // Same proportions as the PDF page (bleed included), to the pixel a 240 px width allows.
    const ref = await sharp(r1).metadata();
    expect(Math.abs(a.thumbnails![0]!.height - (240 * ref.height!) / ref.width!)).toBeLessThan(1.5);
    expect(same1).toBeLessThan(12);
    expect(same2).toBeLessThan(12);
    // Control: page 1's thumbnail is far from page 2.
    expect(crossed).toBeGreaterThan(3 * Math.max(same1, same2));
  });

  it('a sheet removed by hand: a narrowed build refuses and changes nothing; a whole build renders the PDFs again, same sheet', async () => {
    const sheet = sheetOf('out');
    const manifestBytes = readFileSync(path.join(p.root, 'out', 't', 'manifest.json'));
    rmSync(path.join(p.root, 'out', 't', 'index.html'));
    // -l en keeps the Sorani leaflet, whose thumbnails were only in the removed sheet.
    const narrowed = await build({
      root: p.root,
      campaignDir: path.join(p.root, 'campaigns', 't'),
      out: path.join(p.root, 'out'),
      asOf: AS_OF,
      skipRefused: true,
      locales: ['en'],
    });
    expect(narrowed.errors.map((e) => e.code)).toEqual(['output-unsafe']);
    expect(narrowed.errors[0]!.message).toContain('ckb/leaflet-a5.pdf');
    expect(narrowed.errors[0]!.hint).toContain('build the whole campaign again');
    expect(readFileSync(path.join(p.root, 'out', 't', 'manifest.json')).equals(manifestBytes)).toBe(true);
    expect(existsSync(path.join(p.root, 'out', 't', 'index.html'))).toBe(false);
    expect(readdirSync(path.join(p.root, 'out', 't')).filter((n) => n.startsWith('.staging'))).toEqual([]);
    const whole = await buildTo('out');
    expect(whole.errors).toEqual([]);
    // The PDFs are rendered again for their thumbnails (nothing else on this campaign).
    expect(whole.stats).toMatchObject({ rendered: 2, cached: 0 });
    expect(sheetOf('out').equals(sheet)).toBe(true);
  }, 300_000);

  it('a build from nothing writes the same thumbnails and the same sheet', async () => {
    const r = await buildTo('out-again', false);
    expect(r.exitCode).toBe(0);
    expect(sheetOf('out-again').equals(sheetOf('out'))).toBe(true);
  }, 300_000);
});
