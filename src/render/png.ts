import { crc32 } from 'node:zlib';

/**
 * PNG chunk passes on encoded files, without touching the pixels: write a resolution (pHYs), and
 * keep only the chunks that make the image. sharp's withMetadata({ density }) also adds an EXIF
 * block and an ICC profile; an asset carries no metadata beyond what it needs.
 */
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunks that make the image; every other one (text, EXIF, ICC, gamma, time) is dropped. */
const PIXEL_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

interface Chunk {
  type: string;
  /** The whole chunk: length, type, data and CRC. */
  bytes: Buffer;
}

/** The chunks of a PNG in file order; a file that is not one whole PNG (IHDR first, IEND last, nothing after) throws. */
function chunks(png: Buffer): Chunk[] {
  if (png.length < 8 + 25 || !png.subarray(0, 8).equals(SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR')
    throw new Error('not a PNG');
  const out: Chunk[] = [];
  let at = 8;
  while (out.at(-1)?.type !== 'IEND') {
    if (at + 12 > png.length) throw new Error('truncated PNG');
    const end = at + 12 + png.readUInt32BE(at);
    if (end > png.length) throw new Error('truncated PNG');
    out.push({ type: png.toString('latin1', at + 4, at + 8), bytes: png.subarray(at, end) });
    at = end;
  }
  // Bytes after IEND would be copied into the asset unseen by any viewer.
  if (at !== png.length) throw new Error('bytes after IEND');
  return out;
}

function physChunk(ppi: number): Buffer {
  const perMetre = Math.round(ppi / 0.0254);
  const data = Buffer.alloc(9);
  data.writeUInt32BE(perMetre, 0);
  data.writeUInt32BE(perMetre, 4);
  data[8] = 1; // unit: metre
  return chunk('pHYs', data);
}

/**
 * The PNG with only the chunks that make the image (IHDR, PLTE, tRNS, IDAT, IEND), and a pHYs
 * after IHDR when a resolution is given. The compressed pixels are copied as they are.
 */
export function keepPixelChunks(png: Buffer, ppi?: number): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  for (const c of chunks(png)) {
    if (PIXEL_CHUNKS.has(c.type)) parts.push(c.bytes);
    if (c.type === 'IHDR' && ppi !== undefined) parts.push(physChunk(ppi));
  }
  return Buffer.concat(parts);
}

/** Width and height in pixels, from IHDR. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const ihdr = chunks(png)[0]!.bytes;
  return { width: ihdr.readUInt32BE(8), height: ihdr.readUInt32BE(12) };
}
