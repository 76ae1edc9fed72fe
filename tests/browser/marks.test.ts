import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignMd, defaultConsent, makeProject, pdfFonts, pdfInfo, runCli, testimonyMd, writeFiles } from '../helpers.js';

/**
 * `build --marks` through Chromium: Sorani and English posters and leaflets get a MediaBox 10 mm
 * larger than the bleed on each side, with crop marks and a slug there; the boxes the printer
 * imposes with, the page inside the bleed and the text layer are those of the build without marks.
 */
const AS_OF = '2026-06-01';
const PT = 72 / 25.4;
/** 127 dpi: 1 mm is exactly 5 px, so the 10 mm margin is 50 px. */
const PX_PER_MM = 5;
let root: string;
let cleanup: () => void;
beforeAll(() => {
  ({ root, cleanup } = makeProject());
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'c.json': `${JSON.stringify(
      {
        title: 'گەشتی سەلامەت بە ڕاستی دەست پێ دەکات',
        headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.',
        subline: 'دەریا ڕاستە. بەڵێنەکان ڕاست نین.',
        cta: 'پەیوەندی بە هێڵی یارمەتی بێبەرامبەرەوە بکە',
      },
      null,
      2,
    )}\n`,
  });
  writeFiles(path.join(root, 'campaigns', 'c'), {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb'],
      outputs:
        '  - template: poster\n    formats: [a4]\n  - template: leaflet\n    formats: [a5]\n  - template: social-card\n    formats: [square]',
    }),
    'testimonies/karwan.md': testimonyMd({ id: 'karwan', consent: defaultConsent({ locales: 'en, ckb' }) }),
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
});
afterAll(() => cleanup());

const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root });
const pdfs = ['en/poster-a4.pdf', 'ckb/poster-a4.pdf', 'en/leaflet-a5.pdf', 'ckb/leaflet-a5.pdf'];
const file = (out: string, rel: string) => path.join(root, out, 'c', rel);

async function raster(pdf: string, page: number): Promise<{ width: number; height: number; data: Buffer }> {
  const png = execFileSync('pdftoppm', ['-r', String(25.4 * PX_PER_MM), '-f', String(page), '-l', String(page), '-png', pdf]);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

describe('build --marks', () => {
  let plainReport: { stats: { rendered: number } };
  let markedReport: { stats: { rendered: number } };
  beforeAll(async () => {
    const plain = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--out', 'plain', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    plainReport = JSON.parse(plain.stdout);
    const marked = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--out', 'marked', '--marks', '--json']);
    expect(marked.code, marked.stderr).toBe(0);
    markedReport = JSON.parse(marked.stdout);
    expect(markedReport.stats.rendered).toBe(plainReport.stats.rendered);
  });

  it('MediaBox 10 mm beyond the BleedBox on each side; TrimBox and BleedBox exactly as without marks', async () => {
    for (const rel of pdfs) {
      const isA4 = rel.includes('a4');
      const [w, h] = isA4 ? [210, 297] : [148, 210];
      const marked = await PDFDocument.load(readFileSync(file('marked', rel)));
      const plain = await PDFDocument.load(readFileSync(file('plain', rel)));
      expect(marked.getPageCount(), rel).toBe(plain.getPageCount());
      marked.getPages().forEach((page, i) => {
        const bleed = page.getBleedBox();
        const trim = page.getTrimBox();
        const media = page.getMediaBox();
        expect(bleed, rel).toEqual(plain.getPage(i).getBleedBox());
        expect(trim, rel).toEqual(plain.getPage(i).getTrimBox());
        expect(trim.width).toBeCloseTo(w * PT, 6);
        expect(trim.height).toBeCloseTo(h * PT, 6);
        expect(bleed.width).toBeCloseTo((w + 6) * PT, 6);
        expect(trim.x - bleed.x).toBeCloseTo(3 * PT, 6);
        const sides = [
          bleed.x - media.x,
          bleed.y - media.y,
          media.x + media.width - (bleed.x + bleed.width),
          media.y + media.height - (bleed.y + bleed.height),
        ];
        for (const s of sides) expect(s, `${rel} page ${i + 1}`).toBeGreaterThanOrEqual(5 * PT);
        // Control: without --marks the paper is the bleed box.
        expect(plain.getPage(i).getMediaBox(), rel).toEqual(plain.getPage(i).getBleedBox());
      });
      // pdfinfo reads the same boxes (what a print shop's tools see).
      const info = pdfInfo(file('marked', rel));
      const box = (s: string) => s.split(/\s+/).map(Number);
      const [mx0, my0, mx1, my1] = box(info.MediaBox!);
      const [bx0, by0, bx1, by1] = box(info.BleedBox!);
      expect(Math.min(bx0! - mx0!, by0! - my0!, mx1! - bx1!, my1! - by1!)).toBeGreaterThanOrEqual(5 * PT - 0.01);
    }
  });

  it('marks ink lies outside the bleed; inside it the page is the page without marks', async () => {
    const m = 10 * PX_PER_MM;
    for (const rel of ['ckb/poster-a4.pdf', 'ckb/leaflet-a5.pdf']) {
      const pages = (await PDFDocument.load(readFileSync(file('marked', rel)))).getPageCount();
      for (let p = 1; p <= pages; p++) {
        const marked = await raster(file('marked', rel), p);
        const plain = await raster(file('plain', rel), p);
        // The bleed area of the marked sheet against the whole unmarked sheet.
        let diff = 0;
        for (let y = 0; y < plain.height - 1; y++)
          for (let x = 0; x < plain.width - 1; x++)
            for (let c = 0; c < 3; c++)
              diff += Math.abs(marked.data[((y + m) * marked.width + x + m) * 3 + c]! - plain.data[(y * plain.width + x) * 3 + c]!);
        expect(diff / (plain.width * plain.height * 3), `${rel} page ${p}: page inside the bleed changed`).toBeLessThan(0.5);
        // Ink in the margin: the slug under the page, and the top-left crop marks (1 mm to 6 mm outside the bleed: 20 px to 45 px).
        const inked = (x: number, y: number) => {
          const i = (y * marked.width + x) * 3;
          return marked.data[i]! < 235 || marked.data[i + 1]! < 235 || marked.data[i + 2]! < 235;
        };
        let slug = 0;
        for (let y = marked.height - m + 30; y < marked.height; y++) for (let x = m; x < marked.width - m; x++) if (inked(x, y)) slug++;
        expect(slug, `${rel} page ${p}: slug`).toBeGreaterThan(300);
        const trimL = m + 15;
        const trimT = m + 15;
        const corner = [0, 1, 2].some((d) => [22, 30, 38, 43].every((x) => inked(x, trimT - 1 + d)));
        expect(corner, `${rel} page ${p}: top-left horizontal crop mark`).toBe(true);
        const vertical = [0, 1, 2].some((d) => [22, 30, 38, 43].every((y) => inked(trimL - 1 + d, y)));
        expect(vertical, `${rel} page ${p}: top-left vertical crop mark`).toBe(true);
      }
    }
  });

  it('the slug adds no text and no font: the text layer and fonts are those without marks', () => {
    for (const rel of pdfs) {
      const text = (out: string) => execFileSync('pdftotext', ['-raw', file(out, rel), '-'], { encoding: 'utf8' });
      expect(text('marked'), rel).toBe(text('plain'));
      expect(pdfFonts(file('marked', rel)), rel).toEqual(pdfFonts(file('plain', rel)));
    }
  });

  it('marks are part of the content key: PDFs render again when --marks changes, PNGs are reused', async () => {
    const again = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--out', 'marked', '--marks', '--json']);
    expect(JSON.parse(again.stdout).stats.rendered).toBe(0);
    const bytes = readFileSync(file('marked', 'ckb/poster-a4.pdf'));
    const off = await cli(['build', 'campaigns/c', '--as-of', AS_OF, '--out', 'marked', '--json']);
    const r = JSON.parse(off.stdout) as { stats: { rendered: number; cached: number } };
    expect(r.stats.rendered).toBe(pdfs.length);
    expect(r.stats.cached).toBe(4); // the social cards and the posters' sharing PNGs
    expect(readFileSync(file('marked', 'ckb/poster-a4.pdf')).equals(readFileSync(file('plain', 'ckb/poster-a4.pdf')))).toBe(true);
    expect(bytes.equals(readFileSync(file('plain', 'ckb/poster-a4.pdf')))).toBe(false);
  });
});
