import type { Campaign } from '../../campaign/load.js';
import { CampaignPressError, ValidationErrors } from '../../errors.js';
import { processImage } from '../../images/process.js';
import type { MemoryAsset } from '../../render/pool.js';
import { ASSET_ORIGIN } from '../../util/origin.js';
import { loadBrandImages, type RasterLogo } from '../brand-images.js';

/** The campaign's images, decoded and re-encoded before any page sees them. */
export interface CampaignImages {
  /** Served to the page from memory, by URL. */
  memory: Map<string, MemoryAsset>;
  /** Campaign-relative path -> URL, for any template (never a testimony photo). */
  assetUrls: Map<string, string>;
  /** Testimony id -> photo URL, only for photos the gate allowed on some asset of the plan. */
  photos: Map<string, string>;
  /** Raster logos by URL, with their pixel size (print resolution check). */
  rasters?: Map<string, RasterLogo>;
}

/**
 * Throws ValidationErrors listing every image that failed, not just the first. Called after the
 * gate: `photoIds` are the testimonies whose photo an allowed asset shows; no other photo is read.
 */
export async function loadImages(campaign: Campaign, photoIds: ReadonlySet<string>): Promise<CampaignImages> {
  const images: CampaignImages = { memory: new Map(), assetUrls: new Map(), photos: new Map() };
  const add = async (abs: string, kind: 'logo' | 'photo', where: { file: string; line?: number; field: string }) => {
    const img = await processImage(abs, kind, where);
    const url = `${ASSET_ORIGIN}/assets/${img.sha256}.${img.contentType === 'image/png' ? 'png' : 'jpg'}`;
    images.memory.set(url, { body: img.bytes, contentType: img.contentType });
    return { url, sourceSha256: img.sourceSha256 };
  };
  const errors: unknown[] = [];
  const brand = await loadBrandImages(campaign, images.memory, errors);
  for (const [ref, url] of brand.urls) images.assetUrls.set(ref, url);
  images.rasters = brand.rasters;
  for (const t of campaign.testimonies) {
    if (!t.photoPath || !t.data.photo || !photoIds.has(t.id)) continue;
    try {
      const where = { file: t.file, line: t.photoLine, field: 'photo' };
      const r = await add(t.photoPath, 'photo', where);
      // The gate approved the bytes it hashed at load; a file swapped since then is not them.
      if (r.sourceSha256 !== t.photoSha256)
        throw new CampaignPressError(
          'image-invalid',
          'the photo file changed during the build; it is not the file the consent gate checked',
          where,
        );
      images.photos.set(t.id, r.url);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length)
    throw new ValidationErrors(
      errors.map((e) => (e instanceof CampaignPressError ? e : new CampaignPressError('image-invalid', String(e)))),
    );
  return images;
}
