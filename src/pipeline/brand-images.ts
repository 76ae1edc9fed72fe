import { brandImages, type Campaign } from '../campaign/load.js';
import { CampaignPressError, type Location } from '../errors.js';
import { serveBrandImage, serveHero } from '../images/brand.js';
import type { MemoryAsset } from '../render/pool.js';
import { sha256 as sha256Of } from '../util/files.js';
import { ASSET_ORIGIN } from '../util/origin.js';
import { brandColours, contrastRatio, heroTones } from './contrast.js';

/**
 * The brand's images (logo, partner logos) and the hero, served from memory like every campaign
 * image. The hero is toned so that text in the on-primary colour keeps 4.5:1 over every pixel of
 * it, and that is measured on the bytes served, not assumed.
 */

export const HERO_MIN_CONTRAST = 4.5;
/** Tones are aimed a little above the minimum: JPEG rounding moves a few pixels. */
const HERO_AIM = 4.9;

export interface BrandAssets {
  /** Template name of the image (`{{asset}}`) -> URL. */
  urls: Map<string, string>;
  /** Raster logos by URL (for the print resolution check): where each is named. */
  rasters: Map<string, RasterLogo>;
}

export interface RasterLogo {
  width: number;
  height: number;
  ref: string;
  where: Location;
}

/** Print wants 300 pixels per inch at the size a picture is printed. */
export const PRINT_PPI = 300;

/**
 * A raster logo printed below 300 ppi prints soft: a warning naming the file that names the logo
 * and the asset, with the resolution it got. SVG logos never warn (vectors print sharp at any size).
 */
export function lowResolutionWarnings(
  asset: string,
  pictures: readonly { src: string; ppi: number }[],
  rasters: ReadonlyMap<string, RasterLogo>,
): CampaignPressError[] {
  const out: CampaignPressError[] = [];
  for (const p of pictures) {
    const logo = rasters.get(p.src);
    if (!logo || p.ppi >= PRINT_PPI || p.ppi <= 0) continue;
    out.push(
      new CampaignPressError(
        'image-resolution-low',
        `${asset}: ${logo.ref.replace(/^brand:/, 'brands/')} (${logo.width}×${logo.height} px) prints at ${Math.round(p.ppi)} ppi; print needs ${PRINT_PPI}`,
        logo.where,
      ),
    );
  }
  return out;
}

export async function loadBrandImages(campaign: Campaign, memory: Map<string, MemoryAsset>, errors: unknown[]): Promise<BrandAssets> {
  const res: BrandAssets = { urls: new Map(), rasters: new Map() };
  const put = (ref: string, bytes: Buffer, contentType: string, sha: string) => {
    const ext = contentType === 'image/svg+xml' ? 'svg' : contentType === 'image/png' ? 'png' : 'jpg';
    const url = `${ASSET_ORIGIN}/assets/${sha}.${ext}`;
    memory.set(url, { body: bytes, contentType });
    res.urls.set(ref, url);
    return url;
  };
  for (const img of brandImages({ brand: campaign.brand })) {
    try {
      const s = await serveBrandImage(img);
      const url = put(img.ref, s.bytes, s.contentType, sha256Of(s.bytes));
      if (s.pixels) res.rasters.set(url, { ...s.pixels, ref: img.ref, where: img.where });
    } catch (e) {
      errors.push(e);
    }
  }
  const hero = campaign.hero;
  if (hero) {
    try {
      const text = brandColours(campaign.brand).vars['--on-primary'] ?? '#FFFFFF';
      const s = await serveHero(hero, heroTones(campaign.brand.primary, text, HERO_AIM), text, HERO_AIM);
      const worst = Math.min(contrastRatio(s.extremes.lightest, text), contrastRatio(s.extremes.darkest, text));
      if (worst < HERO_MIN_CONTRAST)
        throw new CampaignPressError(
          'hero-contrast',
          `text in ${text} over the ${hero.treatment} hero would reach a contrast of ${worst.toFixed(2)}:1 (lightest pixel ${s.extremes.lightest}, darkest ${s.extremes.darkest}); at least ${HERO_MIN_CONTRAST}:1 is needed`,
          hero.where,
        );
      put(hero.ref, s.bytes, s.contentType, sha256Of(s.bytes));
    } catch (e) {
      errors.push(e);
    }
  }
  return res;
}
