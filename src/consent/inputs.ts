import type { Campaign } from '../campaign/load.js';
import { CampaignPressError } from '../errors.js';
import { findDenied } from './denylist.js';

/**
 * Checks on a loaded campaign that protect identities before anything is planned: names that
 * would travel into file names, manifests and zips, and photos routed around the consent gate.
 */

/** Every deny-listed digest of the campaign: the whole list applies to every asset and file. */
export function deniedHashes(campaign: Campaign): Set<string> {
  return new Set(campaign.testimonies.flatMap((t) => t.denylist));
}

const HINT =
  'Rename it to something that does not identify the person (an id such as story-07, a file to match). The term is not shown, so that it does not reach logs.';

function deniedError(message: string, where: { file?: string; field: string }): CampaignPressError {
  return new CampaignPressError('denylist-input', `${message} matches a deny-listed term (not shown)`, where, HINT);
}

/**
 * A testimony id, file name, consent id, photo path or campaign id that carries a deny-listed
 * term would reach file names, the manifest and SHA256SUMS: an input error. The message never
 * shows the value, and names a file only when its name is clean.
 */
export function deniedInputErrors(campaign: Campaign, denied: ReadonlySet<string> = deniedHashes(campaign)): CampaignPressError[] {
  if (!denied.size) return [];
  const bad = (s: string | undefined) => s !== undefined && findDenied(s, denied) !== undefined;
  const errors: CampaignPressError[] = [];
  if (bad(campaign.id)) errors.push(deniedError('the campaign id', { field: 'id' }));
  const names = [...campaign.testimonyFiles].sort();
  names.forEach((n, i) => {
    if (bad(n))
      errors.push(deniedError(`the name of file ${i + 1} of ${names.length} in testimonies/ (sorted by name)`, { field: 'file name' }));
  });
  for (const t of campaign.testimonies) {
    const clean = !bad(t.fileName) && !bad(t.id);
    const fields = [
      // An id equals its file name, already reported above.
      bad(t.id) && !bad(t.fileName) ? 'the testimony id' : undefined,
      bad(t.consentId) ? 'consent.id' : undefined,
      bad(t.data.photo) ? 'the photo path' : undefined,
    ].filter((f): f is string => f !== undefined);
    if (fields.length)
      errors.push(deniedError(fields.join(' and '), clean ? { file: t.file, field: fields.join(', ') } : { field: fields.join(', ') }));
  }
  const b = campaign.brand;
  for (const img of [b.logo, ...(b.partners?.logos ?? []), campaign.hero]) {
    if (img && bad(img.ref.replace(/^brand:/, '')))
      errors.push(deniedError(`the path of ${img.where.field ?? 'an image'}`, { file: img.where.file, field: img.where.field ?? 'brand' }));
  }
  return errors;
}

/**
 * A testimony photo reaches an output only through the gate (FORMAT.md 4.1): a logo or any other
 * image field that names a testimony's photo file, or holds a copy of it (same bytes, or the bytes
 * a consent record approved), is refused. A re-encoded copy has other bytes and is not caught here.
 */
export function misroutedPhotoErrors(
  campaign: Campaign,
  images: readonly { field: string; file: string; line?: number; path: string; sha256: string }[],
): CampaignPressError[] {
  const errors: CampaignPressError[] = [];
  for (const img of images) {
    const owner = campaign.testimonies.find(
      (t) =>
        (t.photoPath !== undefined && t.photoPath === img.path) ||
        (t.photoSha256 !== undefined && t.photoSha256 === img.sha256) ||
        t.data.consent?.photo?.sha256 === img.sha256,
    );
    if (!owner) continue;
    errors.push(
      new CampaignPressError(
        'photo-misrouted',
        `${img.field} is the photo of testimony ${owner.id} (or a copy of it); a testimony photo may appear only on that testimony's own assets, through the consent gate`,
        { file: img.file, line: img.line, field: img.field },
      ),
    );
  }
  return errors;
}
