import type { Campaign } from '../../campaign/load.js';
import { CampaignPressError, ValidationErrors } from '../../errors.js';
import { processImage } from '../../images/process.js';
import type { MemoryAsset } from '../../render/pool.js';
import { ASSET_ORIGIN } from '../../util/origin.js';

/** The campaign's images, decoded and re-encoded before any page sees them. */
export interface CampaignImages {
  /** Served to the page from memory, by URL. */
  memory: Map<string, MemoryAsset>;
  /** Campaign-relative path -> URL. */
  assetUrls: Map<string, string>;
  /** Testimony id -> photo URL. */
  photos: Map<string, string>;
  /** Testimony id -> sha256 of the photo file (the consent record names it). */
  photoHashes: Map<string, string>;
}

/** Throws ValidationErrors listing every image that failed, not just the first. */
export async function loadImages(campaign: Campaign): Promise<CampaignImages> {
  const images: CampaignImages = { memory: new Map(), assetUrls: new Map(), photos: new Map(), photoHashes: new Map() };
  const add = async (abs: string, rel: string, kind: 'logo' | 'photo', where: { file: string; line?: number; field: string }) => {
    const img = await processImage(abs, kind, where);
    const url = `${ASSET_ORIGIN}/assets/${img.sha256}.${img.contentType === 'image/png' ? 'png' : 'jpg'}`;
    images.memory.set(url, { body: img.bytes, contentType: img.contentType });
    images.assetUrls.set(rel, url);
    return { url, sourceSha256: img.sourceSha256 };
  };
  const errors: unknown[] = [];
  if (campaign.logoPath && campaign.data.brand.logo) {
    await add(campaign.logoPath, campaign.data.brand.logo, 'logo', {
      file: campaign.file,
      line: campaign.lineOf(['brand', 'logo']),
      field: 'brand.logo',
    }).catch((e: unknown) => errors.push(e));
  }
  for (const t of campaign.testimonies) {
    if (!t.photoPath || !t.data.photo) continue;
    try {
      const r = await add(t.photoPath, t.data.photo, 'photo', { file: t.file, line: t.photoLine, field: 'photo' });
      images.photos.set(t.id, r.url);
      images.photoHashes.set(t.id, r.sourceSha256);
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
