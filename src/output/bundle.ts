import { promises as fs } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { CampaignPressError } from '../errors.js';
import { buildDate } from '../util/dates.js';
import { isInside, sha256, writeFileAtomic } from '../util/files.js';
import { createManifest, readManifest, renderManifest, type Manifest, type ManifestAsset } from './manifest.js';
import { isPseudo } from '../i18n/pseudo.js';

/**
 * A release bundle: every asset of the manifest, the manifest and SHA256SUMS, in one zip whose
 * bytes depend only on the files (sorted entries, fixed dates and modes, one compression level).
 */

export interface BundleResult {
  zip: string;
  sums: string;
  entries: number;
  bytes: number;
  sha256: string;
  /** Pseudo-locale assets in the output folder that the bundle leaves out. */
  leftOut: string[];
}

/** Zip entry timestamps: SOURCE_DATE_EPOCH, or 1980-01-01 (the zip format's earliest date). */
function zipDate(): Date {
  const d = buildDate();
  return d.getTime() < Date.UTC(1980, 0, 1) ? new Date(Date.UTC(1980, 0, 1)) : d;
}

export async function bundleCampaign(outRoot: string, campaignId: string): Promise<BundleResult> {
  const dir = path.join(outRoot, campaignId);
  const manifest = await readManifest(dir);
  if (!manifest) throw new CampaignPressError('path-not-found', `no manifest in ${dir}`, { file: dir }, 'Build the campaign first.');
  // Pseudo-locale assets are layout tests, never a release.
  const pseudo = manifest.assets.filter((a) => isPseudo(a.locale));
  const files = manifest.assets.filter((a) => !isPseudo(a.locale)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sums: string[] = [];
  const contents: [string, Buffer][] = [];
  for (const a of files) {
    const p = path.join(dir, a.path);
    if (!isInside(dir, p)) throw new CampaignPressError('output-unsafe', `manifest path ${a.path} escapes ${dir}`);
    const bytes = await fs.readFile(p).catch(() => undefined);
    if (!bytes)
      throw new CampaignPressError(
        'path-not-found',
        `${a.path} is in the manifest but not on disk`,
        { file: p },
        'Build again; the output folder was changed by hand.',
      );
    const digest = sha256(bytes);
    if (digest !== a.sha256)
      throw new CampaignPressError(
        'output-unsafe',
        `${a.path} does not match its manifest checksum`,
        { file: p },
        'Build again; the file was changed after the build.',
      );
    sums.push(`${digest}  ${campaignId}/${a.path}`);
    contents.push([`${campaignId}/${a.path}`, bytes]);
  }
  // The bundled manifest lists exactly the bundled assets.
  const manifestBytes = Buffer.from(renderManifest({ ...manifest, assets: files }));
  sums.push(`${sha256(manifestBytes)}  ${campaignId}/manifest.json`);
  contents.push([`${campaignId}/manifest.json`, manifestBytes]);
  const sumsText = `${sums.join('\n')}\n`;
  contents.push([`${campaignId}/SHA256SUMS`, Buffer.from(sumsText)]);

  const zip = new yazl.ZipFile();
  const mtime = zipDate();
  for (const [name, bytes] of contents) {
    // PNG, JPEG and PDF are compressed already: store them, deflate only text.
    const compress = /\.(json|txt)$|SHA256SUMS$/.test(name);
    zip.addBuffer(bytes, name, { mtime, mode: 0o100644, compress, forceZip64Format: false });
  }
  zip.end({ forceZip64Format: false, comment: '' });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const zipBytes = Buffer.concat(chunks);
  const zipPath = path.join(outRoot, `${campaignId}.zip`);
  const sumsPath = path.join(dir, 'SHA256SUMS');
  await writeFileAtomic(sumsPath, sumsText);
  await writeFileAtomic(zipPath, zipBytes);
  await writeFileAtomic(`${zipPath}.sha256`, `${sha256(zipBytes)}  ${campaignId}.zip\n`);
  return {
    zip: zipPath,
    sums: sumsPath,
    entries: contents.length,
    bytes: zipBytes.length,
    sha256: sha256(zipBytes),
    leftOut: pseudo.map((a) => a.path),
  };
}

/**
 * Join the outputs of several shards (each an output folder holding <campaign>/manifest.json)
 * into one output folder with one manifest. Every file is checked against its shard's manifest;
 * shards must agree on the campaign, the build date and the refusals, and never overlap.
 */
export async function mergeShards(dirs: string[], outRoot: string): Promise<{ campaign: string; assets: number }> {
  const manifests: { dir: string; m: Manifest }[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(d);
    } catch {
      throw new CampaignPressError('path-not-found', `shard folder ${d} does not exist`, { file: d });
    }
    for (const n of names) {
      const m = await readManifest(path.join(d, n));
      if (m) manifests.push({ dir: path.join(d, n), m });
    }
  }
  if (!manifests.length)
    throw new CampaignPressError(
      'path-not-found',
      `no manifest.json under ${dirs.join(', ')}`,
      {},
      'Pass the --out folders of the shard builds.',
    );
  const first = manifests[0]!.m;
  for (const { dir, m } of manifests) {
    if (m.campaign !== first.campaign || m.as_of !== first.as_of)
      throw new CampaignPressError(
        'usage',
        `${dir} is ${m.campaign} as of ${m.as_of}, not ${first.campaign} as of ${first.as_of}`,
        { file: dir },
        'Merge shards of one build (same campaign and --as-of).',
      );
  }
  const seen = new Map<string, string>();
  const assets: ManifestAsset[] = [];
  const dest = path.join(outRoot, first.campaign);
  for (const { dir, m } of manifests) {
    for (const a of m.assets) {
      if (seen.has(a.path))
        throw new CampaignPressError(
          'usage',
          `${a.path} is in two shards (${seen.get(a.path)} and ${dir})`,
          { file: dir },
          'Each shard must build a different --shard K/N of the same N.',
        );
      seen.set(a.path, dir);
      const bytes = await fs.readFile(path.join(dir, a.path)).catch(() => undefined);
      if (!bytes || sha256(bytes) !== a.sha256)
        throw new CampaignPressError('output-unsafe', `${path.join(dir, a.path)} is missing or does not match its manifest`, { file: dir });
      const target = path.join(dest, a.path);
      if (!isInside(dest, target)) throw new CampaignPressError('output-unsafe', `${a.path} escapes ${dest}`);
      await writeFileAtomic(target, bytes);
      assets.push(a);
    }
  }
  const refusals = new Map(manifests.flatMap(({ m }) => m.refusals).map((r) => [`${r.asset}|${r.testimony}|${r.rule}`, r]));
  const merged = createManifest(first.campaign, first.as_of, first.regions, assets, [...refusals.values()]);
  await writeFileAtomic(path.join(dest, 'manifest.json'), renderManifest(merged));
  return { campaign: first.campaign, assets: assets.length };
}
