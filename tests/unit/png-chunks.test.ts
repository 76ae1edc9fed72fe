import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { keepPixelChunks, pngSize } from '../../src/render/png.js';

/** Chunk types in file order, and whether every CRC is right (a viewer refuses a file whose CRC is wrong). */
function chunks(png: Buffer): { types: string[]; crcOk: boolean } {
  const types: string[] = [];
  let crcOk = true;
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    types.push(png.toString('latin1', at + 4, at + 8));
    if (crc32(png.subarray(at + 4, at + 8 + len)) !== png.readUInt32BE(at + 8 + len)) crcOk = false;
    at += 12 + len;
  }
  return { types, crcOk };
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Insert chunks right after IHDR (signature 8 bytes, IHDR 25), as an encoder that writes metadata does. */
function withChunks(png: Buffer, ...extra: Buffer[]): Buffer {
  return Buffer.concat([png.subarray(0, 33), ...extra, png.subarray(33)]);
}

/** The PNG without one chunk type (written here independently of the code under test). */
function without(png: Buffer, type: string): Buffer {
  const parts = [png.subarray(0, 8)];
  for (let at = 8; at < png.length; ) {
    const end = at + 12 + png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) !== type) parts.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

// A card-like PNG as Chromium gives it (8-bit RGB, IHDR IDAT IEND: sharp's own pHYs taken out),
// with text across it so the pixels are not flat.
const sharpCard = await sharp({ create: { width: 64, height: 40, channels: 3, background: '#1d3557' } })
  .composite([{ input: Buffer.from('<svg width="64" height="40"><text x="4" y="24" fill="#f1faee">ئەمە</text></svg>') }])
  .png()
  .toBuffer();
const card = without(sharpCard, 'pHYs');
// What a photo's metadata or an encoder's comment would carry: a name the asset must never show.
const text = chunk('tEXt', Buffer.from('Comment\0Karwan Aziz, Erbil', 'latin1'));
const exif = chunk('eXIf', Buffer.concat([Buffer.from('MM\0*\0\0\0\x08', 'latin1'), Buffer.from('GPS 36/1 44/1')]));
const time = chunk('tIME', Buffer.from([0x07, 0xea, 11, 29, 4, 0, 0]));
const pixels = (png: Buffer) => sharp(png).raw().toBuffer();

describe('keepPixelChunks (the PNG of a card kept as Chromium encoded it)', () => {
  it('drops text, EXIF and time chunks and keeps the pixels byte for byte', async () => {
    const tagged = withChunks(card, text, exif, time);
    // Control: the input carries the chunks and the name, so a pass that kept everything fails here.
    expect(chunks(tagged).types).toEqual(['IHDR', 'tEXt', 'eXIf', 'tIME', 'IDAT', 'IEND']);
    expect(tagged.includes('Karwan Aziz')).toBe(true);
    const kept = keepPixelChunks(tagged);
    expect(chunks(kept)).toEqual({ types: ['IHDR', 'IDAT', 'IEND'], crcOk: true });
    expect(kept.includes('Karwan Aziz')).toBe(false);
    expect(kept.includes('36/1')).toBe(false);
    expect((await pixels(kept)).equals(await pixels(card))).toBe(true);
    // Nothing to drop: the same bytes. A pHYs is dropped when no resolution is asked for.
    expect(chunks(card).types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(keepPixelChunks(card).equals(card)).toBe(true);
    expect(chunks(sharpCard).types).toContain('pHYs');
    expect(keepPixelChunks(sharpCard).equals(card)).toBe(true);
  });

  it('keeps the palette and transparency of a palette PNG, and every IDAT in order', async () => {
    const palette = await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 0.5 } } })
      .png({ palette: true, colours: 4 })
      .toBuffer();
    expect(chunks(palette).types).toEqual(expect.arrayContaining(['PLTE', 'tRNS']));
    // Split the image data in two chunks (a decoder joins them; Chromium writes more than one).
    const types = chunks(palette).types;
    const idatAt = offsetOf(palette, types.indexOf('IDAT'));
    const len = palette.readUInt32BE(idatAt);
    const data = palette.subarray(idatAt + 8, idatAt + 8 + len);
    const split = Buffer.concat([
      palette.subarray(0, idatAt),
      chunk('IDAT', data.subarray(0, 5)),
      text,
      chunk('IDAT', data.subarray(5)),
      palette.subarray(idatAt + 12 + len),
    ]);
    const kept = keepPixelChunks(split);
    expect(chunks(kept).types.filter((t) => !['PLTE', 'tRNS', 'pHYs'].includes(t))).toEqual(['IHDR', 'IDAT', 'IDAT', 'IEND']);
    expect(chunks(kept).types).toEqual(expect.arrayContaining(['PLTE', 'tRNS']));
    expect((await pixels(kept)).equals(await pixels(palette))).toBe(true);
  });

  it('writes one pHYs right after IHDR when a resolution is given, replacing any other', async () => {
    const kept = keepPixelChunks(withChunks(card, chunk('pHYs', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0])), text), 150);
    expect(chunks(kept)).toEqual({ types: ['IHDR', 'pHYs', 'IDAT', 'IEND'], crcOk: true });
    expect((await sharp(kept).metadata()).density).toBe(150);
    // Byte for byte the clean file with one pHYs of 150 ppi (5906 per metre) after IHDR, written here.
    const phys = Buffer.from([0, 0, 0x17, 0x12, 0, 0, 0x17, 0x12, 1]);
    expect(kept.equals(withChunks(card, chunk('pHYs', phys)))).toBe(true);
  });

  it('reads the size from IHDR', () => {
    expect(pngSize(card)).toEqual({ width: 64, height: 40 });
  });

  it('refuses what is not a whole PNG rather than writing it', () => {
    expect(() => keepPixelChunks(Buffer.from('GIF89a not a png at all, padded to a plausible length'))).toThrow(/not a PNG/);
    expect(() => keepPixelChunks(card.subarray(0, card.length - 6))).toThrow(/truncated/);
    // Bytes after IEND would be written into the asset unseen.
    expect(() => keepPixelChunks(Buffer.concat([card, Buffer.from('trailing')]))).toThrow(/truncated|after IEND/);
  });
});

/** Byte offset of the i-th chunk. */
function offsetOf(png: Buffer, i: number): number {
  let at = 8;
  for (let k = 0; k < i; k++) at += 12 + png.readUInt32BE(at);
  return at;
}
