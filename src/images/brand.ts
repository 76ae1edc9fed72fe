import type { BrandImage, HeroImage } from '../campaign/brand.js';
import { CampaignPressError } from '../errors.js';
import { decodeText, readBytesInside, sha256 } from '../util/files.js';
import { SvgRefused, sanitizeSvg } from '../util/svg.js';
import { processImage } from './process.js';
import sharp from 'sharp';

/**
 * Logos and the hero image, ready to serve: an SVG is rebuilt by the allow-list (src/util/svg.ts)
 * and served as SVG, so Chromium prints it as vectors; a raster is re-encoded like every image.
 * The hero is cropped to nothing and toned in the brand's colours here, at build time, so the
 * page only places it.
 */

export interface ServedImage {
  bytes: Buffer;
  contentType: 'image/svg+xml' | 'image/png' | 'image/jpeg';
  /** sha256 of the file as read (photo-misrouting and caching refer to it). */
  sourceSha256: string;
  /** Pixel size of a raster; undefined for SVG (any size prints sharp). */
  pixels?: { width: number; height: number };
}

const MAX_SVG_BYTES = 2 * 1024 * 1024;

export async function serveBrandImage(img: BrandImage): Promise<ServedImage> {
  if (!img.svg) {
    const p = await processImage(img.abs, 'logo', img.where);
    return { bytes: p.bytes, contentType: p.contentType, sourceSha256: p.sourceSha256, pixels: { width: p.width, height: p.height } };
  }
  const { bytes } = readBytesInside(img.root, img.abs, { maxBytes: MAX_SVG_BYTES, where: img.where });
  const text = decodeText(bytes, img.where.file ?? img.abs);
  try {
    const clean = sanitizeSvg(text);
    return { bytes: Buffer.from(clean.svg, 'utf8'), contentType: 'image/svg+xml', sourceSha256: sha256(bytes) };
  } catch (e) {
    if (!(e instanceof SvgRefused)) throw e;
    throw new CampaignPressError('svg-unsafe', `${img.ref.replace(/^brand:/, 'brands/')}: ${e.message}`, img.where);
  }
}

/**
 * The hero: decoded and re-encoded (metadata dropped, as for photos), then toned in the brand's
 * colours. Duotone maps grey levels onto the two tones; overlay keeps the photo's colours and lays
 * the far tone (the one away from the text colour) over it, as strongly as needed for the lightest
 * possible pixel to stay readable under `text`. Returns the extremes of the result, which the
 * caller checks against the text colour.
 */
export async function serveHero(
  hero: HeroImage,
  tones: { dark: string; light: string },
  text: string,
  min = 4.5,
): Promise<ServedImage & { extremes: { lightest: string; darkest: string } }> {
  const p = await processImage(hero.abs, 'photo', hero.where);
  const grey = hero.treatment === 'duotone';
  const img = sharp(p.bytes).removeAlpha();
  const { data, info } = await (grey ? img.greyscale() : img.toColourspace('srgb')).raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const out = Buffer.alloc(n * 3);
  if (grey) {
    const [dark, light] = [rgb(tones.dark), rgb(tones.light)];
    for (let i = 0; i < n; i++) {
      const t = data[i * info.channels]! / 255;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(dark[c]! + (light[c]! - dark[c]!) * t);
    }
  } else {
    const textLight = luminance(rgb(text)) > 0.18;
    const far = rgb(textLight ? tones.dark : tones.light);
    const extreme = textLight ? [255, 255, 255] : [0, 0, 0];
    // The strongest photo that keeps the extreme pixel readable.
    let k = 0;
    for (let t = 0; t <= 1.0001; t += 0.01) {
      const c = far.map((f, i) => Math.round(f + (extreme[i]! - f) * t));
      if (contrast(c, rgb(text)) < min) break;
      k = t;
    }
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(far[c]! + (data[i * info.channels + c]! - far[c]!) * k);
    }
  }
  const bytes = await sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: 86, mozjpeg: true, chromaSubsampling: '4:4:4' })
    .toBuffer();
  return {
    bytes,
    contentType: 'image/jpeg',
    sourceSha256: p.sourceSha256,
    pixels: { width: info.width, height: info.height },
    extremes: await extremes(bytes),
  };
}

/** The lightest and darkest pixel (by relative luminance) of an encoded image, as #RRGGBB. */
export async function extremes(bytes: Buffer): Promise<{ lightest: string; darkest: string }> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  let hi = -1;
  let lo = 2;
  let lightest = '#000000';
  let darkest = '#ffffff';
  for (let i = 0; i < info.width * info.height; i++) {
    const px = [data[i * info.channels]!, data[i * info.channels + 1]!, data[i * info.channels + 2]!] as const;
    const l = luminance(px);
    if (l > hi) {
      hi = l;
      lightest = hex(px);
    }
    if (l < lo) {
      lo = l;
      darkest = hex(px);
    }
  }
  return { lightest, darkest };
}

function rgb(h: string): [number, number, number] {
  const n = Number.parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
function hex(c: readonly number[]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
function contrast(a: readonly number[], b: readonly number[]): number {
  const [x, y] = [luminance(a), luminance(b)].sort((m, q) => q - m) as [number, number];
  return (x + 0.05) / (y + 0.05);
}
function luminance(c: readonly number[]): number {
  const ch = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(c[0]!) + 0.7152 * ch(c[1]!) + 0.0722 * ch(c[2]!);
}
