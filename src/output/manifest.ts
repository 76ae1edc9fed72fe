import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RULES, type Refusal, type RuleCode } from '../consent/gate.js';
import { CampaignPressError } from '../errors.js';
import { buildDate } from '../util/dates.js';
import { readTextInside } from '../util/files.js';
import { VERSION } from '../version.js';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');
const ruleCode = z.enum(Object.keys(RULES) as [RuleCode, ...RuleCode[]]);

const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a relative path inside the campaign folder');
/** A file written beside the assets (the contact sheet): checksummed like them. */
const extraFileSchema = z.object({ path: relPath, sha256: sha256Hex });

/** What a manifest must hold to be trusted when it is read back (cache, stale removal, bundle, recall). */
const manifestAssetSchema = z.object({
  path: relPath,
  sha256: sha256Hex,
  bytes: z.number().int().nonnegative(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  pages: z.number().int().positive().optional(),
  page_size_mm: z.tuple([z.number().positive(), z.number().positive()]).optional(),
  /**
   * A PDF's page thumbnails (PNG), one per page, captured from the page render. They are not
   * files: the contact sheet embeds them (data: URIs, each marked with its sha256), so the
   * manifest names each by its checksum and size, and bundle and merge take them from the sheet.
   */
  thumbnails: z.array(z.object({ sha256: sha256Hex, width: z.number().int().positive(), height: z.number().int().positive() })).optional(),
  locale: z.string().min(1),
  template: z.string().min(1),
  format: z.string().min(1),
  output: z.string().min(1),
  channel: z.string().min(1),
  consent_ids: z.array(z.string()),
  testimonies: z.array(z.string()),
  /** Alt text of an image asset, in its language; also in the sidecar `<path>.alt.txt` (text and a newline). */
  alt: z.string().min(1).optional(),
  /** Content key: hash of template, data, strings, fonts, options and renderer version. */
  key: z.string(),
  /**
   * Input key (pipeline/steps/inputs.ts): hash of every input of the asset, compared before its
   * page is written, so a rebuild with nothing changed reuses the file without templating it.
   */
  inputs: sha256Hex.optional(),
  /** Warnings writing the page gave (a label in a fallback language): reported again when the asset is reused. */
  warnings: z
    .array(
      z.object({
        code: z.string(),
        message: z.string(),
        hint: z.string(),
        file: z.string().optional(),
        line: z.number().int().optional(),
        field: z.string().optional(),
      }),
    )
    .optional(),
});

const refusalSchema = z.object({
  testimony: z.string(),
  consent_id: z.string().nullable(),
  rule: ruleCode,
  reason: z.string(),
  asset: z.string(),
  locale: z.string(),
  template: z.string(),
  format: z.string(),
});

const manifestSchema = z.object({
  manifest_version: z.literal(1),
  generator: z.string(),
  campaign: z.string().min(1),
  as_of: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  regions: z.array(z.string()),
  /** Set on a shard's manifest (K/N); `bundle --merge` joins shards into one manifest without it. */
  shard: z
    .string()
    .regex(/^\d+\/\d+$/)
    .optional(),
  built_at: z.string().optional(),
  /** index.html: the contact sheet of these assets (written before the manifest). */
  contact_sheet: extraFileSchema.optional(),
  assets: z.array(manifestAssetSchema),
  refusals: z.array(refusalSchema),
});

export type ManifestAsset = z.infer<typeof manifestAssetSchema>;
export type ThumbnailEntry = NonNullable<ManifestAsset['thumbnails']>[number];

/** Every file of an asset (its thumbnails are inside the contact sheet, not files). */
export function assetFiles(a: ManifestAsset): string[] {
  return [a.path];
}
export type Manifest = z.infer<typeof manifestSchema>;

export function createManifest(
  campaign: string,
  asOf: string,
  regions: string[],
  assets: ManifestAsset[],
  refusals: Refusal[],
  shard?: string,
): Manifest {
  const m: Manifest = {
    manifest_version: 1,
    generator: `campaign-press ${VERSION}`,
    campaign,
    as_of: asOf,
    regions,
    ...(shard ? { shard } : {}),
    assets: [...assets].sort((a, b) => a.path.localeCompare(b.path, 'en')),
    refusals: [...refusals].sort((a, b) =>
      `${a.asset}|${a.testimony}|${a.rule}`.localeCompare(`${b.asset}|${b.testimony}|${b.rule}`, 'en'),
    ),
  };
  // No wall-clock time unless the caller pins one (reproducible builds).
  if (process.env.SOURCE_DATE_EPOCH) m.built_at = buildDate().toISOString();
  return m;
}

export function renderManifest(m: Manifest): string {
  // Keys in the schema's order at every level, whatever order they were set in (zod builds its
  // output in shape order): the same manifest is the same bytes, written by a build or re-read by
  // a bundle or a merge.
  return `${JSON.stringify(manifestSchema.parse(m), null, 2)}\n`;
}

/** Parse a manifest's text; a broken or foreign file is an error naming the file and the field. */
export function parseManifest(text: string, file: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CampaignPressError('manifest-invalid', `${file} is not JSON: ${(e as Error).message}`, { file });
  }
  const r = manifestSchema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  throw new CampaignPressError('manifest-invalid', `${file}: ${field ? `${field}: ` : ''}${issue.message}`, {
    file,
    field: field || undefined,
  });
}

/**
 * The manifest in `dir`, or undefined when there is none. A manifest that does not parse throws.
 * Read through the safe reader, inside `root` (the shard folder for a merge) and through no
 * symbolic link: a manifest.json linked to another file is refused, not followed.
 */
export async function readManifest(dir: string, root = dir): Promise<Manifest | undefined> {
  const file = path.join(dir, 'manifest.json');
  try {
    await fs.lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  const { text } = readTextInside(root, path.relative(root, file), { noLinks: true, maxBytes: MAX_MANIFEST_BYTES });
  return parseManifest(text, file);
}

/** A manifest lists each asset in a few hundred bytes: 64 MB is far beyond any real release. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** The sidecar files of an asset (its alt text), with their bytes: written, checksummed and bundled with it. */
export function sidecars(a: ManifestAsset): { path: string; bytes: Buffer }[] {
  return a.alt === undefined ? [] : [{ path: `${a.path}.alt.txt`, bytes: Buffer.from(`${a.alt}\n`, 'utf8') }];
}
