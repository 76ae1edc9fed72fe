import { promises as fs } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { CampaignPressError } from '../errors.js';
import { buildDate } from '../render/pdf.js';
import { isInside, sha256, writeFileAtomic } from '../util/files.js';
import { readManifest, renderManifest } from './manifest.js';
import { isPseudo } from '../locales/pseudo.js';

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
    if (!bytes) throw new CampaignPressError('path-not-found', `${a.path} is in the manifest but not on disk`, { file: p }, 'Build again; the output folder was changed by hand.');
    const digest = sha256(bytes);
    if (digest !== a.sha256) throw new CampaignPressError('output-unsafe', `${a.path} does not match its manifest checksum`, { file: p }, 'Build again; the file was changed after the build.');
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
  return { zip: zipPath, sums: sumsPath, entries: contents.length, bytes: zipBytes.length, sha256: sha256(zipBytes), leftOut: pseudo.map((a) => a.path) };
}
