import { statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CampaignPressError, type Location } from '../errors.js';
import { readBytesInside, sha256 } from '../util/files.js';

/**
 * Every campaign image is decoded and re-encoded by sharp before a page sees it. Re-encoding
 * drops EXIF, XMP, IPTC, GPS and comments (sharp writes none unless asked), which matters
 * because Chromium copies JPEG bytes into PDFs unchanged.
 */

export const MAX_INPUT_PIXELS = 40_000_000;
export const MAX_INPUT_BYTES = 50 * 1024 * 1024;
const ACCEPTED = new Set(['jpeg', 'png', 'webp']);

export interface ProcessedImage {
  bytes: Buffer;
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  /** sha256 of the original file (consent photo hashes refer to this). */
  sourceSha256: string;
  /** sha256 of the re-encoded bytes (the asset URL). */
  sha256: string;
}

export async function processImage(file: string, kind: 'logo' | 'photo', where: Location): Promise<ProcessedImage> {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new CampaignPressError('path-not-found', `image ${where.field ?? file} does not exist`, where);
  if (stat.size > MAX_INPUT_BYTES) {
    throw new CampaignPressError(
      'image-invalid',
      `image is ${(stat.size / 1048576).toFixed(1)} MB; the limit is ${MAX_INPUT_BYTES / 1048576} MB`,
      where,
    );
  }
  const input = readBytesInside(path.dirname(file), file, { maxBytes: MAX_INPUT_BYTES, where }).bytes;
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const, sequentialRead: true };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, options).metadata();
  } catch (e) {
    throw new CampaignPressError('image-invalid', `cannot read the image: ${(e as Error).message}`, where);
  }
  if (!meta.format || !ACCEPTED.has(meta.format)) {
    throw new CampaignPressError(
      'image-invalid',
      `image format "${meta.format ?? 'unknown'}" is not accepted; use JPEG, PNG or WebP`,
      where,
    );
  }
  if ((meta.pages ?? 1) > 1) throw new CampaignPressError('image-invalid', 'animated or multi-page images are not accepted', where);
  try {
    // rotate() applies the EXIF orientation before the metadata is dropped.
    let img = sharp(input, options).rotate();
    if (kind === 'photo') {
      img = img.resize({ width: 2400, height: 2400, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' });
      const { data, info } = await img
        .jpeg({ quality: 86, mozjpeg: true, chromaSubsampling: '4:2:0' })
        .toBuffer({ resolveWithObject: true });
      return {
        bytes: data,
        contentType: 'image/jpeg',
        width: info.width,
        height: info.height,
        sourceSha256: sha256(input),
        sha256: sha256(data),
      };
    }
    img = img.resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await img.png({ compressionLevel: 9 }).toBuffer({ resolveWithObject: true });
    return {
      bytes: data,
      contentType: 'image/png',
      width: info.width,
      height: info.height,
      sourceSha256: sha256(input),
      sha256: sha256(data),
    };
  } catch (e) {
    throw new CampaignPressError('image-invalid', `cannot decode the image: ${(e as Error).message}`, where);
  }
}
