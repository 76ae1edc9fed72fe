import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument, rgb } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { MARK_MARGIN_MM, markedKey, slugText } from '../../src/render/marks.js';
import { finishPdf } from '../../src/render/pdf.js';
import type { FormatSpec } from '../../src/templates/engine.js';

/**
 * `--marks` on a PDF shaped like Chromium's: paper a little taller than asked (Chromium rounds to
 * device pixels) and painted edge to edge. Rasterized at 127 dpi, where 1 mm is exactly 5 px.
 */
const PT = 72 / 25.4;
const PX_PER_MM = 5;
const A5: FormatSpec = { name: 'a5', width: 148, height: 210, unit: 'mm', bleed: 3, output: 'pdf' };
const meta = { title: 'Safe journeys', subject: 'x', keywords: ['c'], lang: 'ckb' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-marks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two pages painted red to the paper's edge, 0.4 mm taller than the bleed box, as Chromium writes them. */
async function chromiumLikePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const w = (A5.width + 2 * A5.bleed) * PT;
  const h = (A5.height + 2 * A5.bleed + 0.4) * PT;
  for (let i = 0; i < 2; i++) {
    const page = doc.addPage([w, h]);
    page.drawRectangle({ x: 0, y: 0, width: w, height: h, color: rgb(0.8, 0, 0) });
  }
  return Buffer.from(await doc.save());
}

interface Raster {
  width: number;
  height: number;
  data: Buffer;
}

async function raster(pdf: Buffer, name: string, page = 1): Promise<Raster> {
  const file = path.join(tmp, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', String(25.4 * PX_PER_MM), '-f', String(page), '-l', String(page), '-png', file, path.join(tmp, name)]);
  const png = path.join(tmp, `${name}-${page}.png`);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

const at = (r: Raster, x: number, y: number) => {
  const i = (y * r.width + x) * 3;
  return [r.data[i]!, r.data[i + 1]!, r.data[i + 2]!] as const;
};
const inked = (r: Raster, x: number, y: number) => at(r, x, y).some((c) => c < 235);
const red = (r: Raster, x: number, y: number) => {
  const [R, G, B] = at(r, x, y);
  return R > 120 && G < 100 && B < 100;
};

describe('--marks on a print PDF', () => {
  it('grows the MediaBox by 10 mm outside the bleed and keeps TrimBox and BleedBox exact', async () => {
    const { bytes, pages } = await finishPdf(await chromiumLikePdf(), A5, meta, {
      slug: (p, n) => `c | ckb | ckb/leaflet-a5.pdf | ${p}/${n}`,
    });
    expect(pages).toBe(2);
    const doc = await PDFDocument.load(bytes);
    for (const page of doc.getPages()) {
      const bleed = page.getBleedBox();
      const trim = page.getTrimBox();
      const media = page.getMediaBox();
      expect(bleed.width).toBeCloseTo(154 * PT, 6);
      expect(bleed.height).toBeCloseTo(216 * PT, 6);
      expect(trim.x - bleed.x).toBeCloseTo(3 * PT, 6);
      expect(trim.y - bleed.y).toBeCloseTo(3 * PT, 6);
      expect(trim.width).toBeCloseTo(148 * PT, 6);
      expect(trim.height).toBeCloseTo(210 * PT, 6);
      for (const side of [
        bleed.x - media.x,
        bleed.y - media.y,
        media.x + media.width - bleed.x - bleed.width,
        media.y + media.height - bleed.y - bleed.height,
      ])
        expect(side).toBeCloseTo(MARK_MARGIN_MM * PT, 6);
      expect(MARK_MARGIN_MM).toBeGreaterThanOrEqual(5);
      expect(page.getCropBox()).toEqual(media);
    }
    // Control: without marks the MediaBox is the bleed box.
    const plain = await PDFDocument.load((await finishPdf(await chromiumLikePdf(), A5, meta)).bytes);
    expect(plain.getPage(0).getMediaBox()).toEqual(plain.getPage(0).getBleedBox());
  });

  it('draws crop marks on the trim lines and a slug, and nothing else outside the bleed', async () => {
    const raw = await chromiumLikePdf();
    const marked = await raster(
      (await finishPdf(raw, A5, meta, { slug: () => 'safe-journeys | ckb | ckb/leaflet-a5.pdf' })).bytes,
      'marked',
    );
    const m = MARK_MARGIN_MM * PX_PER_MM;
    const bw = 154 * PX_PER_MM;
    const bh = 216 * PX_PER_MM;
    // pdftoppm rounds the page up to whole pixels.
    expect(marked.width - (bw + 2 * m)).toBeOneOf([0, 1]);
    expect(marked.height - (bh + 2 * m)).toBeOneOf([0, 1]);
    // Poppler paints any pixel a clip edge touches: the bleed box's boundary row counts as inside.
    const inBleed = (x: number, y: number) => x >= m - 1 && x <= m + bw && y >= m - 1 && y <= m + bh;
    // Where marks may be: 1 mm to 6 mm outside the bleed on the trim lines (3 mm in), the slug below.
    const trimX = [m + 15, m + bw - 15];
    const trimY = [m + 15, m + bh - 15];
    const near = (v: number, list: number[]) => list.some((t) => Math.abs(v - t) <= 1);
    const onMark = (x: number, y: number) =>
      ((x < m - 4 || x >= m + bw + 4) && near(y, trimY)) || ((y < m - 4 || y >= m + bh + 4) && near(x, trimX));
    const inSlug = (x: number, y: number) => y >= m + bh + 30 && x > trimX[0]! && x < trimX[1]!;
    let stray = 0;
    let slugInk = 0;
    let redOutside = 0;
    for (let y = 0; y < marked.height; y++)
      for (let x = 0; x < marked.width; x++) {
        if (inBleed(x, y) || !inked(marked, x, y)) continue;
        if (red(marked, x, y)) redOutside++;
        if (inSlug(x, y)) slugInk++;
        else if (!onMark(x, y)) stray++;
      }
    expect(redOutside, "Chromium's paper beyond the bleed shows in the margin").toBe(0);
    expect(stray, 'ink outside the bleed that is neither a crop mark nor the slug').toBe(0);
    expect(slugInk).toBeGreaterThan(200);
    // Each of the 8 marks: ink along its whole length (1 mm to 6 mm outside the bleed).
    for (const y of trimY) {
      for (const x of [m - 6 * PX_PER_MM + 2, m - PX_PER_MM - 2, m + bw + PX_PER_MM + 2, m + bw + 6 * PX_PER_MM - 2])
        expect(
          [y - 1, y, y + 1].some((yy) => inked(marked, x, yy)),
          `horizontal mark at ${x},${y}`,
        ).toBe(true);
    }
    for (const x of trimX) {
      for (const y of [m - 6 * PX_PER_MM + 2, m - PX_PER_MM - 2, m + bh + PX_PER_MM + 2, m + bh + 6 * PX_PER_MM - 2])
        expect(
          [x - 1, x, x + 1].some((xx) => inked(marked, xx, y)),
          `vertical mark at ${x},${y}`,
        ).toBe(true);
    }
    // Inside the bleed the page is as it was: red to the edge.
    for (const [x, y] of [
      [m, m],
      [m + bw - 1, m + bh - 1],
      [m + bw / 2, m + bh / 2],
    ] as const)
      expect(red(marked, x, y)).toBe(true);
  });

  it('control: the fixture does paint beyond the bleed, so an unclipped page would show it', async () => {
    // The same page with the MediaBox grown by hand and no clip: red below the bleed box.
    const { bytes } = await finishPdf(await chromiumLikePdf(), A5, meta);
    const doc = await PDFDocument.load(bytes);
    for (const p of doc.getPages()) {
      const b = p.getBleedBox();
      const g = MARK_MARGIN_MM * PT;
      p.setMediaBox(b.x - g, b.y - g, b.width + 2 * g, b.height + 2 * g);
      p.setCropBox(b.x - g, b.y - g, b.width + 2 * g, b.height + 2 * g);
    }
    const r = await raster(Buffer.from(await doc.save()), 'unclipped');
    const m = MARK_MARGIN_MM * PX_PER_MM;
    const below = m + 216 * PX_PER_MM;
    // Two rows of red (0.4 mm) below the bleed; the clipped page allows at most the boundary row.
    expect(red(r, m + 100, below + 1)).toBe(true);
  });

  it('marked PDFs are byte-identical for identical input', async () => {
    const raw = await chromiumLikePdf();
    const slug = () => 'c | en | en/poster-a4.pdf | edition 2026-06-01 0123abcd';
    const a = await finishPdf(raw, A5, meta, { slug });
    const b = await finishPdf(raw, A5, meta, { slug });
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });
});

describe('slug line and content key', () => {
  it('names campaign, locale, asset and edition; page count only when there are pages', () => {
    const base = { campaign: 'safe-journeys', locale: 'ckb', asset: 'ckb/leaflet-a5.pdf', edition: '2026-06-01 1c0c59bd' };
    expect(slugText({ ...base, page: 1, pages: 1 })).toBe('safe-journeys  |  ckb  |  ckb/leaflet-a5.pdf  |  edition 2026-06-01 1c0c59bd');
    expect(slugText({ ...base, page: 2, pages: 4 })).toMatch(/\| {2}page 2\/4$/);
    // Only characters the slug font (Noto Sans Latin) draws.
    expect(slugText({ ...base, asset: 'ckb/کاروان.pdf', page: 1, pages: 1 })).not.toMatch(/[^\x20-\x7e]/);
  });

  it('a marked PDF has its own content key', () => {
    const k = 'a'.repeat(64);
    expect(markedKey(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(markedKey(k)).not.toBe(k);
    expect(markedKey(k)).toBe(markedKey(k));
  });
});
