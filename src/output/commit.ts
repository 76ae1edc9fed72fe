import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Refusal } from '../consent/gate.js';
import { isInside, sha256, writeFileAtomic } from '../util/files.js';
import { CONTACT_SHEET, type SheetContext, thumbnailsIn, withContactSheet } from './contact-sheet.js';
import { assetFiles, createManifest, type Manifest, type ManifestAsset, readManifest, renderManifest, sidecars } from './manifest.js';

/**
 * The commit step: staged files move into <out>/<campaign>/, assets no longer planned are
 * removed, and the manifest is written last, so a reader never sees a manifest that names a
 * file that is not there yet.
 */

/** The previous manifest entry, if it may be reused: same content key and the file on disk unchanged. */
export async function reusable(campaignOut: string, prev: ManifestAsset | undefined, key: string): Promise<ManifestAsset | undefined> {
  if (!prev || prev.key !== key) return undefined;
  if (!(await unchanged(campaignOut, { path: prev.path, sha256: prev.sha256 }))) return undefined;
  // Its sidecars (alt text) must be there too; a missing or edited one renders the asset again.
  for (const f of sidecars(prev)) {
    const have = await fs.readFile(path.join(campaignOut, f.path)).catch(() => undefined);
    if (!have?.equals(f.bytes)) return undefined;
  }
  // And its page thumbnails, which live in the contact sheet beside it.
  if (prev.thumbnails?.length) {
    const thumbs = await sheetThumbnails(campaignOut);
    if (!prev.thumbnails.every((t) => thumbs.has(t.sha256))) return undefined;
  }
  return prev;
}

/** Staging subfolder where the render step leaves page thumbnails (`<sha256>.png`) for the sheet. */
export const THUMBS_DIR = '.thumbs';

const sheetCache = new Map<string, { stamp: string; thumbs: Map<string, Buffer> }>();
/** The thumbnails embedded in the contact sheet in `campaignOut` (read once per version of the file). */
async function sheetThumbnails(campaignOut: string): Promise<Map<string, Buffer>> {
  const file = path.join(campaignOut, CONTACT_SHEET);
  const st = await fs.stat(file).catch(() => undefined);
  if (!st?.isFile()) return new Map();
  const stamp = `${st.size} ${st.mtimeMs} ${st.ino}`;
  const hit = sheetCache.get(file);
  if (hit?.stamp === stamp) return hit.thumbs;
  const thumbs = thumbnailsIn(await fs.readFile(file));
  sheetCache.set(file, { stamp, thumbs });
  return thumbs;
}

/** Thumbnails rendered by this build, named by their sha256 (checked). */
async function stagedThumbnails(staging: string): Promise<Map<string, Buffer>> {
  const dir = path.join(staging, THUMBS_DIR);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const out = new Map<string, Buffer>();
  for (const n of names) {
    const png = await fs.readFile(path.join(dir, n));
    if (n === `${sha256(png)}.png`) out.set(sha256(png), png);
  }
  return out;
}

async function unchanged(campaignOut: string, f: { path: string; sha256: string }): Promise<boolean> {
  const file = path.join(campaignOut, f.path);
  if (!isInside(campaignOut, file)) return false;
  const bytes = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
    // A deleted or unreadable output is rendered again, which loses nothing.
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') return undefined;
    throw e;
  });
  return !!bytes && sha256(bytes) === f.sha256;
}

export { readManifest };

export interface CommitInput {
  campaignOut: string;
  staging: string;
  /** Paths below `staging`, relative. */
  staged: string[];
  /** Every asset of this build (reused and rendered). */
  assets: ManifestAsset[];
  previous: Manifest | undefined;
  /** Whether a previous asset falls inside this build's slice (locales, --only, shard). */
  inScope: (a: ManifestAsset) => boolean;
  /** Every path the full plan has: an earlier asset outside the slice is kept only while it is planned. */
  fullPlan: ReadonlySet<string>;
  manifest: { campaign: string; asOf: string; regions: string[]; refusals: Refusal[]; shard?: string };
  /** For the contact sheet of the final manifest (output/contact-sheet.ts), written just before the manifest. */
  sheet: SheetContext;
}

export interface CommitResult {
  manifest: Manifest;
  /** Files of previous builds that were deleted because they are no longer planned. */
  removed: number;
}

export async function commitStaged(inp: CommitInput): Promise<CommitResult> {
  // Thumbnails for the new sheet: this build's, and the ones of reused assets from the old sheet.
  const thumbs = new Map([...(await sheetThumbnails(inp.campaignOut)), ...(await stagedThumbnails(inp.staging))]);
  // A withdrawn testimony's cards must not linger: what this build's slice no longer plans goes.
  const built = new Set(inp.assets.map((a) => a.path));
  const kept: ManifestAsset[] = [];
  const gone: ManifestAsset[] = [];
  for (const a of inp.previous?.assets ?? []) {
    if (built.has(a.path)) continue;
    if (!inp.inScope(a) && inp.fullPlan.has(a.path)) kept.push(a);
    else gone.push(a);
  }
  // The sheet is made before anything moves: a sheet that cannot be written (a deny-listed term,
  // a thumbnail lost with a hand-removed sheet) leaves the previous outputs as they were.
  const m = inp.manifest;
  let sheet: ReturnType<typeof withContactSheet>;
  try {
    const all = createManifest(m.campaign, m.asOf, m.regions, [...inp.assets, ...kept], m.refusals, m.shard);
    sheet = withContactSheet(all, { ...inp.sheet, thumbs });
  } catch (e) {
    await discardStaging(inp.staging);
    throw e;
  }
  const { manifest, html } = sheet;
  for (const rel of inp.staged) {
    const dest = path.join(inp.campaignOut, rel);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(path.join(inp.staging, rel), dest);
  }
  await fs.rm(inp.staging, { recursive: true, force: true });
  for (const a of gone)
    for (const rel of [...assetFiles(a), ...sidecars(a).map((f) => f.path)]) {
      const p = path.join(inp.campaignOut, rel);
      if (isInside(inp.campaignOut, p)) await fs.rm(p, { force: true });
    }
  let removed = gone.length;
  await writeFileAtomic(path.join(inp.campaignOut, CONTACT_SHEET), html);
  await writeFileAtomic(path.join(inp.campaignOut, 'manifest.json'), renderManifest(manifest));
  removed += await sweepUnlisted(
    inp.campaignOut,
    new Set(manifest.assets.flatMap((a) => [...assetFiles(a), ...sidecars(a).map((f) => f.path)])),
  );
  return { manifest, removed };
}

/** Files the tool writes at the top of <out>/<campaign>/ besides the assets; never swept. */
const KEEP = /^(manifest\.json|SHA256SUMS|index\.html|contact-sheet\.[a-z]+)$/;
/** Only rendered outputs and their alt-text sidecars are swept: whatever else a person put in the folder stays. */
const OUTPUT_FILE = /\.(png|jpe?g|pdf|webp)(\.alt\.txt)?$/i;

/** Whether a path below <out>/<campaign>/ looks like an asset (not a tool file, not something a person put there). */
export function isOutputPath(rel: string): boolean {
  return !(!rel.includes('/') && KEEP.test(rel)) && OUTPUT_FILE.test(rel);
}

/** Every file below `dir` (relative, with /), hidden files and folders (staging) left out. */
export async function listOutputFolder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const abs = path.join(d, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) out.push(path.relative(dir, abs).split(path.sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Remove rendered files the manifest does not list (left by an older build whose manifest was
 * lost or damaged, or by a crash between rename and manifest), and the folders they leave empty.
 */
async function sweepUnlisted(campaignOut: string, listed: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<boolean> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    let empty = true;
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(campaignOut, abs).split(path.sep).join('/');
      if (e.name.startsWith('.')) empty = false;
      else if (e.isDirectory()) {
        if (await walk(abs)) await fs.rmdir(abs);
        else empty = false;
      } else if (e.isFile() && OUTPUT_FILE.test(e.name) && !listed.has(rel) && !(dir === campaignOut && KEEP.test(e.name))) {
        await fs.rm(abs, { force: true });
        removed++;
      } else empty = false;
    }
    return empty;
  };
  await walk(campaignOut);
  return removed;
}

/**
 * Staging folders of builds that no longer run (killed, or crashed before cleaning up). A
 * staging folder is named after its process id; one whose process is alive is left alone.
 */
export async function removeStaleStaging(campaignOut: string): Promise<number> {
  const names = await fs.readdir(campaignOut).catch((e: NodeJS.ErrnoException) => {
    // No output folder yet: nothing is stale.
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  let removed = 0;
  for (const n of names) {
    const m = /^\.staging-(\d+)-[0-9a-f]+$/.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    await fs.rm(path.join(campaignOut, n), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove a failed or interrupted build's staging folder; the previous outputs stay as they were. */
export async function discardStaging(staging: string): Promise<void> {
  await fs.rm(staging, { recursive: true, force: true });
}
