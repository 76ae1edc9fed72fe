import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Refusal } from '../consent/gate.js';
import { buildDate } from '../util/dates.js';
import { VERSION } from '../version.js';

export interface ManifestAsset {
  path: string;
  sha256: string;
  bytes: number;
  width?: number;
  height?: number;
  pages?: number;
  page_size_mm?: [number, number];
  locale: string;
  template: string;
  format: string;
  output: string;
  channel: string;
  consent_ids: string[];
  testimonies: string[];
  /** Content key: hash of template, data, strings, fonts, options and renderer version. */
  key: string;
}

export interface Manifest {
  manifest_version: 1;
  generator: string;
  campaign: string;
  as_of: string;
  regions: string[];
  /** Set on a shard's manifest (K/N); `bundle --merge` joins shards into one manifest without it. */
  shard?: string;
  built_at?: string;
  assets: ManifestAsset[];
  refusals: Refusal[];
}

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
  return `${JSON.stringify(m, null, 2)}\n`;
}

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return m.manifest_version === 1 && Array.isArray(m.assets) ? m : undefined;
  } catch {
    return undefined;
  }
}
