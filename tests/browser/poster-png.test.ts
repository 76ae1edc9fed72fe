import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/run.js';
import { campaignMd, defaultConsent, makeProject, pdfText, REPO, runCli, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Posters also give a PNG for sharing (issue 14 item 7): `poster-a4.png` at 150 ppi, the trim
 * area of the same page as the PDF, with its resolution and no other metadata. Published
 * online, it is gated by the social channel's consent, not the print one's.
 */
let root: string;
let cleanup: () => void;
const out = () => path.join(root, 'out', 'safe-journeys');
beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  const r = await build({
    root: REPO,
    campaignDir: path.join(REPO, 'campaigns', 'safe-journeys'),
    out: path.join(root, 'out'),
    asOf: '2026-11-28',
    locales: ['ckb', 'en'],
    only: ['poster:a4'],
  });
  expect(r.exitCode, JSON.stringify(r.errors)).toBe(0);
}, 300_000);
afterAll(() => cleanup());

/** PNG chunk types in file order (consecutive IDAT chunks counted once). */
function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at)) {
    const t = png.toString('latin1', at + 4, at + 8);
    if (types.at(-1) !== t) types.push(t);
  }
  return types;
}

/** Mean absolute difference per channel (0-255) between two same-sized RGB images. */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((i) => sharp(i).removeAlpha().raw().toBuffer()));
  expect(x!.length).toBe(y!.length);
  let sum = 0;
  for (let i = 0; i < x!.length; i++) sum += Math.abs(x![i]! - y![i]!);
  return sum / x!.length;
}

/** The PDF's page drawn by poppler at 150 dpi, with the 3 mm bleed cut off (18 px). */
async function popplerTrim(pdf: string): Promise<Buffer> {
  const stem = path.join(root, `poppler-${path.basename(path.dirname(pdf))}`);
  execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', pdf, stem]);
  return sharp(`${stem}.png`).extract({ left: 18, top: 18, width: 1240, height: 1754 }).png().toBuffer();
}

describe('poster PNG for sharing', () => {
  it('is A4 at 150 ppi (1240 x 1754 px), with pHYs and no EXIF, ICC or text chunk', async () => {
    for (const locale of ['ckb', 'en']) {
      const file = readFileSync(path.join(out(), locale, 'poster-a4.png'));
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height, meta.density]).toEqual([1240, 1754, 150]);
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(chunkTypes(file)).toEqual(['IHDR', 'pHYs', 'IDAT', 'IEND']);
    }
  });

  it('shows the same page as the PDF: close to poppler drawing the PDF, far from the other language (control)', async () => {
    const png = (l: string) => readFileSync(path.join(out(), l, 'poster-a4.png'));
    const pdf = (l: string) => popplerTrim(path.join(out(), l, 'poster-a4.pdf'));
    const same = { ckb: await difference(png('ckb'), await pdf('ckb')), en: await difference(png('en'), await pdf('en')) };
    const crossed = await difference(png('ckb'), await pdf('en'));
    // Two rasterizers differ in anti-aliasing only (measured ~4-6); another layout differs by ~35.
    expect(same.ckb).toBeLessThan(10);
    expect(same.en).toBeLessThan(10);
    expect(crossed).toBeGreaterThan(25);
  });

  it('is an asset like the others: in the manifest with alt text in its language, and a sidecar', () => {
    const m = JSON.parse(readFileSync(path.join(out(), 'manifest.json'), 'utf8')) as { assets: { path: string; alt?: string }[] };
    expect(m.assets.map((a) => a.path).sort()).toEqual(['ckb/poster-a4.pdf', 'ckb/poster-a4.png', 'en/poster-a4.pdf', 'en/poster-a4.png']);
    const alt = m.assets.find((a) => a.path === 'ckb/poster-a4.png')!.alt!;
    expect(alt).toMatch(/[\u0600-\u06FF]/);
    expect(readFileSync(path.join(out(), 'ckb', 'poster-a4.png.alt.txt'), 'utf8')).toBe(`${alt}\n`);
  });
});

describe('consent of a sharing PNG', () => {
  let proj: { root: string; cleanup: () => void };
  beforeAll(() => {
    proj = makeProject();
    writeFiles(path.join(proj.root, 'templates', 'story-sheet'), {
      'template.json': JSON.stringify({
        description: 'a printed story sheet that is also shared as PNG',
        channel: 'print',
        output: 'pdf',
        testimonies: 'all',
        formats: { a6: { width: 105, height: 148, unit: 'mm', bleed: 0, share_png: { ppi: 96 } } },
      }),
      'template.hbs': '<main class="page">{{#each testimonies}}<p>{{quote}}</p>{{/each}}</main>',
    });
  });
  afterAll(() => proj.cleanup());

  async function buildWith(channels: string) {
    const dir = path.join(proj.root, 'campaigns', 'c');
    writeFiles(dir, {
      'campaign.md': campaignMd({ id: 'c', outputs: '  - template: story-sheet' }),
      'testimonies/t.md': testimonyMd({ id: 't', quote: 'PRINTONLY the boat was never safe', consent: defaultConsent({ channels }) }),
    });
    const o = path.join(proj.root, `out-${channels.replace(/\W+/g, '-')}`);
    const base = { root: proj.root, campaignDir: dir, out: o, asOf: '2026-06-01' };
    return { strict: await build(base), skipping: await build({ ...base, skipRefused: true }), out: path.join(o, 'c') };
  }

  it('consent for print only: the PDF carries the story, the PNG is refused (exit 3) or built without it', async () => {
    const r = await buildWith('print');
    expect(r.strict.exitCode).toBe(3);
    expect(r.skipping.exitCode, JSON.stringify(r.skipping.errors)).toBe(0);
    expect(r.strict.refusals.map((x) => `${x.asset} ${x.rule}`)).toEqual(['en/story-sheet-a6.png scope-channel']);
    expect(pdfText(path.join(r.out, 'en', 'story-sheet-a6.pdf'))).toContain('PRINTONLY');
    const m = JSON.parse(readFileSync(path.join(r.out, 'manifest.json'), 'utf8')) as { assets: { path: string; consent_ids: string[] }[] };
    expect(Object.fromEntries(m.assets.map((a) => [a.path, a.consent_ids]))).toEqual({
      'en/story-sheet-a6.pdf': ['CR-TEST-0001'],
      'en/story-sheet-a6.png': [],
    });
  });

  it('control: consent for print and social gives both, each with the consent id', async () => {
    const r = await buildWith('print, social');
    expect(r.strict.exitCode, JSON.stringify(r.strict.errors)).toBe(0);
    expect(r.strict.refusals).toEqual([]);
    const m = JSON.parse(readFileSync(path.join(r.out, 'manifest.json'), 'utf8')) as { assets: { path: string; consent_ids: string[] }[] };
    expect(m.assets.map((a) => [a.path, a.consent_ids])).toEqual([
      ['en/story-sheet-a6.pdf', ['CR-TEST-0001']],
      ['en/story-sheet-a6.png', ['CR-TEST-0001']],
    ]);
  });

  it('share_png on a format that is not a PDF in mm is refused with the file and field', async () => {
    writeFiles(path.join(proj.root, 'templates', 'bad-share'), {
      'template.json': JSON.stringify({
        description: 'x',
        channel: 'social',
        output: 'png',
        formats: { square: { width: 1080, height: 1080, unit: 'px', share_png: { ppi: 150 } } },
      }),
      'template.hbs': '<main class="page">x</main>',
    });
    writeFiles(path.join(proj.root, 'campaigns', 'bad'), { 'campaign.md': campaignMd({ id: 'bad', outputs: '  - template: bad-share' }) });
    const r = await runCli(['--root', proj.root, 'check', 'campaigns/bad'], { cwd: proj.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/templates\/bad-share\/template\.json:\d+.*formats\.square\.share_png/);
    expect(r.stderr).toContain('share_png is for print formats');
  });
});
