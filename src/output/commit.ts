import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Refusal } from '../consent/gate.js';
import { isInside, sha256, writeFileAtomic } from '../util/files.js';
import { createManifest, type Manifest, type ManifestAsset, readManifest, renderManifest } from './manifest.js';

/**
 * The commit step: staged files move into <out>/<campaign>/, assets no longer planned are
 * removed, and the manifest is written last, so a reader never sees a manifest that names a
 * file that is not there yet.
 */

/** The previous manifest entry, if it may be reused: same content key and the file on disk unchanged. */
export async function reusable(campaignOut: string, prev: ManifestAsset | undefined, key: string): Promise<ManifestAsset | undefined> {
  if (!prev || prev.key !== key) return undefined;
  const file = path.join(campaignOut, prev.path);
  if (!isInside(campaignOut, file)) return undefined;
  const bytes = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
    // A deleted or unreadable output is rendered again, which loses nothing.
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') return undefined;
    throw e;
  });
  return bytes && sha256(bytes) === prev.sha256 ? prev : undefined;
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
  manifest: { campaign: string; asOf: string; regions: string[]; refusals: Refusal[]; shard?: string };
}

export interface CommitResult {
  manifest: Manifest;
  /** Files of previous builds that were deleted because they are no longer planned. */
  removed: number;
}

export async function commitStaged(inp: CommitInput): Promise<CommitResult> {
  for (const rel of inp.staged) {
    const dest = path.join(inp.campaignOut, rel);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(path.join(inp.staging, rel), dest);
  }
  await fs.rm(inp.staging, { recursive: true, force: true });
  // A withdrawn testimony's cards must not linger: what this build's slice no longer plans goes.
  const built = new Set(inp.assets.map((a) => a.path));
  const kept: ManifestAsset[] = [];
  let removed = 0;
  for (const a of inp.previous?.assets ?? []) {
    if (built.has(a.path)) continue;
    if (inp.inScope(a)) {
      const p = path.join(inp.campaignOut, a.path);
      if (isInside(inp.campaignOut, p)) await fs.rm(p, { force: true });
      removed++;
    } else kept.push(a);
  }
  const m = inp.manifest;
  const manifest = createManifest(m.campaign, m.asOf, m.regions, [...inp.assets, ...kept], m.refusals, m.shard);
  await writeFileAtomic(path.join(inp.campaignOut, 'manifest.json'), renderManifest(manifest));
  return { manifest, removed };
}

/** Remove a failed or interrupted build's staging folder; the previous outputs stay as they were. */
export async function discardStaging(staging: string): Promise<void> {
  await fs.rm(staging, { recursive: true, force: true });
}
