import { execFileSync } from 'node:child_process';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/run.js';
import { campaignMd, defaultConsent, listFiles, makeProject, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * photo_focus: the point of a testimony photo that a crop keeps. A wide photo whose left third is
 * black and the rest white shows black in its slot when the focus is on the left edge, white when
 * it is on the right; a crop that keeps less than half the width warns (photo-crop), naming the
 * testimony file; a focus written any other way is an input error with its line.
 */

/** 1200 x 400: the left 400 px black, the rest white. */
async function leftBlackPhoto(): Promise<Buffer> {
  const black = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#000000' } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 1200, height: 400, channels: 3, background: '#ffffff' } })
    .composite([{ input: black, left: 0, top: 0 }])
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** Share of pure black-ish pixels in an image (page raster or card), grey. */
async function blackShare(file: string): Promise<number> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (const v of data) if (v < 20) n++;
  return n / (info.width * info.height);
}

describe('photo_focus', () => {
  let root: string;
  let cleanup: () => void;
  let photo: Buffer;
  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    photo = await leftBlackPhoto();
  });
  afterAll(() => cleanup());

  const campaign = async (id: string, focus: string | null) => {
    const dir = path.join(root, 'campaigns', id);
    writeFiles(dir, {
      'campaign.md': campaignMd({
        id,
        outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony\n  - template: leaflet\n    formats: [a5]',
      }),
      'assets/wide.jpg': photo,
      'testimonies/wide.md': testimonyMd({
        id: 'wide',
        extra: `photo: assets/wide.jpg\n${focus === null ? '' : `photo_focus: ${JSON.stringify(focus)}\n`}`,
        consent: defaultConsent({ id: 'CR-WIDE', photo: `  photo:\n    permission: obscured\n    sha256: "${sha256(photo)}"\n` }),
      }),
    });
    const out = path.join(root, `out-${id}`);
    return { report: await build({ root, campaignDir: dir, out, asOf: '2026-06-01' }), out: path.join(out, id) };
  };

  it('moves the crop to the focus: black on the left edge, white on the right, on the card and in the leaflet', async () => {
    const left = await campaign('focus-left', '0% 50%');
    const right = await campaign('focus-right', '100% 50%');
    for (const r of [left, right]) expect(r.report.errors.map((e) => e.message)).toEqual([]);
    const card = (o: string) => path.join(o, 'en', 'testimony-card-square-wide.png');
    // The photo slot is the only black on the card (text is dark blue-grey, not black).
    const cardLeft = await blackShare(card(left.out));
    const cardRight = await blackShare(card(right.out));
    expect(cardLeft).toBeGreaterThan(0.02);
    expect(cardRight).toBeLessThan(cardLeft / 10);
    // The leaflet's story page, rasterized.
    const page = (o: string, name: string) => {
      const pdf = path.join(o, 'en', 'leaflet-a5.pdf');
      const prefix = path.join(root, name);
      execFileSync('pdftoppm', ['-f', '2', '-l', '2', '-r', '40', '-png', '-singlefile', pdf, prefix]);
      return `${prefix}.png`;
    };
    const pageLeft = await blackShare(page(left.out, 'page-left'));
    const pageRight = await blackShare(page(right.out, 'page-right'));
    expect(pageLeft).toBeGreaterThan(0.005);
    expect(pageRight).toBeLessThan(pageLeft / 10);
  }, 180_000);

  it('warns photo-crop when the slot keeps less than half the photo, naming the testimony file', async () => {
    const { report } = await campaign('crop-warn', '50% 50%');
    expect(report.exitCode).toBe(0);
    const crops = report.warnings.filter((w) => w.code === 'photo-crop');
    expect(crops.length).toBeGreaterThan(0);
    expect(crops[0]).toMatchObject({ field: 'photo_focus' });
    expect(crops[0]!.file).toMatch(/campaigns\/crop-warn\/testimonies\/wide\.md$/);
    expect(crops[0]!.message).toMatch(/the photo of testimony wide is cropped to \d+% of its width and 100% of its height/);
  }, 180_000);

  it('control: a photo the shape of its slot does not warn', async () => {
    photo = await sharp({ create: { width: 800, height: 900, channels: 3, background: '#777777' } })
      .jpeg()
      .toBuffer();
    const { report } = await campaign('crop-none', null);
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.warnings.filter((w) => w.code === 'photo-crop')).toEqual([]);
    photo = await leftBlackPhoto();
  }, 180_000);

  it('refuses a focus that is not two percentages, with the file, line and field (exit 2, nothing written)', async () => {
    const { report, out } = await campaign('focus-bad', 'center top');
    expect(report.exitCode).toBe(2);
    const e = report.errors.find((x) => x.field === 'photo_focus');
    expect(e).toMatchObject({ line: 8 });
    expect(e!.file).toMatch(/campaigns\/focus-bad\/testimonies\/wide\.md$/);
    expect(e!.message).toMatch(/two percentages/);
    expect(listFiles(out)).toEqual([]);
  }, 60_000);
});
