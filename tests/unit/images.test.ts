import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CampaignPressError } from '../../src/errors.js';
import { processImage } from '../../src/images/process.js';
import { canaryJpeg } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-img-'));
const where = { file: 'testimonies/t.md', field: 'photo' };

async function expectImageError(file: string, re: RegExp) {
  const e = await processImage(file, 'photo', where).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(CampaignPressError);
  expect((e as CampaignPressError).code).toBe('image-invalid');
  expect((e as CampaignPressError).message).toMatch(re);
  expect((e as CampaignPressError).location.file).toBe('testimonies/t.md');
}

describe('image processing', () => {
  it('strips EXIF, XMP and comments (metadata canary)', async () => {
    const canary = 'CANARY-GPS-51.5074';
    const input = await canaryJpeg(canary, 64, 48);
    expect(input.includes(canary)).toBe(true);
    const file = path.join(dir, 'canary.jpg');
    writeFileSync(file, input);
    const out = await processImage(file, 'photo', where);
    expect(out.bytes.includes(canary)).toBe(false);
    const meta = await sharp(out.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(out.contentType).toBe('image/jpeg');
  });

  it('refuses formats other than JPEG, PNG and WebP', async () => {
    const file = path.join(dir, 'a.gif');
    writeFileSync(
      file,
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
        .gif()
        .toBuffer(),
    );
    await expectImageError(file, /gif/);
    const svg = path.join(dir, 'a.svg');
    writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>');
    await expectImageError(svg, /svg/);
  });

  it('refuses a decompression bomb over the pixel limit', async () => {
    const file = path.join(dir, 'bomb.png');
    writeFileSync(
      file,
      await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000' } })
        .png({ compressionLevel: 9 })
        .toBuffer(),
    );
    await expectImageError(file, /pixel|limit/i);
  });

  it('refuses a truncated or malformed file', async () => {
    const good = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#abc' } })
      .jpeg()
      .toBuffer();
    const file = path.join(dir, 'cut.jpg');
    writeFileSync(file, good.subarray(0, good.length / 2));
    await expectImageError(file, /./);
    const junk = path.join(dir, 'junk.jpg');
    writeFileSync(junk, Buffer.from('not an image at all'));
    await expectImageError(junk, /./);
  });
});
