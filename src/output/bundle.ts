import { promises as fs } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { CampaignPressError } from '../errors.js';
import { buildDate } from '../util/dates.js';
import { isInside, outputPathInside, sha256, writeFileAtomic } from '../util/files.js';
import { assetFiles, createManifest, readManifest, renderManifest, sidecars, type Manifest, type ManifestAsset } from './manifest.js';
import { isPseudo } from '../i18n/pseudo.js';
import type { Campaign } from '../campaign/load.js';
import type { Channel } from '../campaign/schema.js';
import type { GateDates } from '../consent/dates.js';
import { gateTestimony, RULES, type Refusal } from '../consent/gate.js';
import { deniedHashes } from '../consent/inputs.js';
import { decodeUriText, findDenied } from '../consent/denylist.js';
import { deniedInFile } from './scan.js';
import { isOutputPath, listOutputFolder } from './commit.js';
import { CONTACT_SHEET, type SheetContext, thumbnailsIn, withContactSheet } from './contact-sheet.js';

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
  /** Assets the release check refused (left out with --skip-refused). */
  refusals: Refusal[];
}

/**
 * A release re-checks consent: every asset it packs is gated again, from its manifest entry,
 * against the campaign's consent records as they are now, and every byte it writes is scanned
 * for deny-listed terms. Cards of a testimony withdrawn since the build never reach a zip.
 */
export interface ReleaseCheck {
  campaign: Campaign;
  dates: GateDates;
  /** Leave refused assets out (and report them) instead of refusing the release. */
  skipRefused: boolean;
  /** Locale names and direction (the project's locale table), for the contact sheet. */
  locales: SheetContext['locales'];
  /** Every asset path the campaign as it is now plans for these regions: a release holds nothing else. */
  planned: (regions: readonly string[]) => ReadonlySet<string>;
}

/**
 * A release holds only what the campaign plans now: a manifest entry it no longer plans (a
 * dropped locale, a renamed format, a shard built from an older campaign.md), or an asset-like
 * file in the output folder that neither the manifest nor the plan knows, refuses the release.
 */
async function refuseUnplanned(
  dir: string,
  campaignId: string,
  m: { kept: ManifestAsset[]; all: ManifestAsset[] },
  plan: ReadonlySet<string>,
  onDisk: boolean,
): Promise<void> {
  const listed = m.kept;
  // Files of assets the release check left out (refused now, --skip-refused) are known, not stray.
  const known = new Set(m.all.flatMap((a) => [...assetFiles(a), ...sidecars(a).map((f) => f.path)]));
  // A sidecar (alt text) and a page thumbnail are planned with their asset.
  const thumbOf = (p: string) => /^_thumbs\/(.+)\.p\d+\.png$/.exec(p)?.[1];
  const planned = (p: string) =>
    plan.has(p) || (p.endsWith('.alt.txt') && plan.has(p.slice(0, -'.alt.txt'.length))) || plan.has(thumbOf(p) ?? '');
  const unplanned = listed.filter((a) => !plan.has(a.path)).map((a) => a.path);
  const stray = (onDisk ? await listOutputFolder(dir) : []).filter(
    (p) => isOutputPath(p) && !known.has(p) && !planned(p) && !isPseudo(p.split('/')[0]!),
  );
  const all = [...unplanned, ...stray];
  if (!all.length) return;
  const shown = all.slice(0, 5).map((p) => `${campaignId}/${p}`);
  throw new CampaignPressError(
    'release-unplanned',
    `${shown.join(', ')}${all.length > 5 ? ` and ${all.length - 5} more` : ''} ${all.length === 1 ? 'is' : 'are'} not in the current plan of ${campaignId}${
      unplanned.length ? ` (${unplanned.length} listed in the manifest)` : ''
    }; nothing was bundled`,
    { file: path.join(dir, unplanned.length ? 'manifest.json' : all[0]!) },
  );
}

/** The release was refused: nothing was written. */
export class ReleaseRefused extends Error {
  constructor(readonly refusals: Refusal[]) {
    super(`the release check refused ${new Set(refusals.map((r) => r.asset)).size} asset(s)`);
    this.name = 'ReleaseRefused';
  }
}

function refusal(a: ManifestAsset, testimony: string, consentId: string | null, rule: Refusal['rule'], reason: string): Refusal {
  return { testimony, consent_id: consentId, rule, reason, asset: a.path, locale: a.locale, template: a.template, format: a.format };
}

/** Gate one manifest asset again: the refusals it gets now (none when it may still be released). */
export function regateAsset(a: ManifestAsset, regions: readonly string[], check: ReleaseCheck): Refusal[] {
  const { campaign, dates } = check;
  const out: Refusal[] = [];
  for (const id of a.testimonies) {
    const t = campaign.testimonies.find((x) => x.id === id);
    if (!t) {
      out.push(refusal(a, id, a.consent_ids[0] ?? null, 'consent-missing', 'the testimony is no longer in the campaign'));
      continue;
    }
    const g = gateTestimony(campaign, t, { channel: a.channel as Channel, locale: a.locale, regions, ...dates });
    if (g.allowed) continue;
    const consentId = t.data.consent?.id ?? t.consentId ?? null;
    for (const [i, rule] of g.rules.entries()) out.push(refusal(a, id, consentId, rule, g.reasons[i] ?? RULES[rule]));
  }
  return out;
}

/**
 * A refusal about an old asset may name a testimony renamed because its id was deny-listed after
 * the build: such values are replaced, so that the refusal (printed, and kept in the manifest)
 * does not carry the term.
 */
function withoutDenied(r: Refusal, denied: ReadonlySet<string>): Refusal {
  const hidden = (s: string | null) => (s !== null && findDenied(decodeUriText(s), denied) ? '(not shown: deny-listed)' : s);
  return { ...r, testimony: hidden(r.testimony)!, consent_id: hidden(r.consent_id), asset: hidden(r.asset)! };
}

/** Gate every asset; throws ReleaseRefused unless the check skips refused assets. */
function regate(assets: ManifestAsset[], regions: readonly string[], check: ReleaseCheck): { keep: ManifestAsset[]; refusals: Refusal[] } {
  const keep: ManifestAsset[] = [];
  const refusals: Refusal[] = [];
  const denied = deniedHashes(check.campaign);
  for (const a of assets) {
    // Against the regions the manifest says the asset was built for (and will be shown in).
    const r = regateAsset(a, regions, check).map((x) => withoutDenied(x, denied));
    if (r.length) refusals.push(...r);
    else keep.push(a);
  }
  if (refusals.length && !check.skipRefused) throw new ReleaseRefused(refusals);
  return { keep, refusals };
}

/** A file the release would write carries a deny-listed term: refuse the release (the term is not shown). */
function scanOrRefuse(name: string, bytes: Buffer, denied: ReadonlySet<string>, asset?: ManifestAsset): void {
  if (!deniedInFile(name, bytes, denied)) return;
  // A path that is itself the leak is not repeated in the refusal.
  const shown = findDenied(decodeUriText(name), denied) ? '(file name not shown)' : (asset?.path ?? name);
  throw new ReleaseRefused([
    {
      testimony: asset?.testimonies[0] ?? '(none)',
      consent_id: asset?.consent_ids[0] ?? null,
      rule: 'denylist',
      reason: RULES.denylist,
      asset: shown,
      locale: asset?.locale ?? '',
      template: asset?.template ?? '',
      format: asset?.format ?? '',
    },
  ]);
}

/**
 * The page thumbnails embedded in the contact sheet of a build folder (each checked against its
 * sha256). The sheet that is packed or merged is made again from the manifest and these, so a
 * thumbnail the manifest names and the sheet lacks refuses the release (output-unsafe).
 */
async function sheetThumbnails(dir: string): Promise<Map<string, Buffer>> {
  const html = await fs.readFile(path.join(dir, CONTACT_SHEET)).catch(() => undefined);
  return html ? thumbnailsIn(html) : new Map();
}

function sheetContext(check: ReleaseCheck, denied: ReadonlySet<string>): SheetContext {
  return { locales: check.locales, order: check.campaign.data.locales, denied };
}

/** Zip entry timestamps: SOURCE_DATE_EPOCH, or 1980-01-01 (the zip format's earliest date). */
function zipDate(): Date {
  const d = buildDate();
  return d.getTime() < Date.UTC(1980, 0, 1) ? new Date(Date.UTC(1980, 0, 1)) : d;
}

export async function bundleCampaign(outRoot: string, campaignId: string, check: ReleaseCheck): Promise<BundleResult> {
  const dir = path.join(outRoot, campaignId);
  const manifest = await readManifest(dir);
  if (!manifest) throw new CampaignPressError('path-not-found', `no manifest in ${dir}`, { file: dir }, 'Build the campaign first.');
  if (manifest.campaign !== check.campaign.id)
    throw new CampaignPressError('usage', `${dir} holds campaign ${manifest.campaign}, not ${check.campaign.id}`, { file: dir });
  // Pseudo-locale assets are layout tests, never a release.
  const pseudo = manifest.assets.filter((a) => isPseudo(a.locale));
  const gated = regate(
    manifest.assets.filter((a) => !isPseudo(a.locale)),
    manifest.regions,
    check,
  );
  await refuseUnplanned(dir, campaignId, { kept: gated.keep, all: manifest.assets }, check.planned(manifest.regions), true);
  const denied = deniedHashes(check.campaign);
  const files = gated.keep.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
    scanOrRefuse(`${campaignId}/${a.path}`, bytes, denied, a);
    sums.push(`${digest}  ${campaignId}/${a.path}`);
    contents.push([`${campaignId}/${a.path}`, bytes]);
    for (const f of sidecars(a)) {
      const have = await fs.readFile(path.join(dir, f.path)).catch(() => undefined);
      if (!have?.equals(f.bytes))
        throw new CampaignPressError(
          'output-unsafe',
          `${f.path} is missing or does not match the alt text in the manifest`,
          { file: path.join(dir, f.path) },
          'Build again; the file was changed or removed after the build.',
        );
      scanOrRefuse(`${campaignId}/${f.path}`, f.bytes, denied, a);
      sums.push(`${sha256(f.bytes)}  ${campaignId}/${f.path}`);
      contents.push([`${campaignId}/${f.path}`, f.bytes]);
    }
  }
  // The bundled manifest lists exactly the bundled assets, and what the release check refused;
  // its contact sheet shows exactly those. It is made as the build made its own, so a release of
  // the whole build packs the bytes on disk and SHA256SUMS verifies the output folder.
  const { manifest: bundled, html: sheet } = withContactSheet(
    { ...manifest, assets: files, refusals: [...manifest.refusals, ...gated.refusals] },
    { ...sheetContext(check, denied), thumbs: await sheetThumbnails(dir) },
  );
  sums.push(`${sha256(sheet)}  ${campaignId}/${CONTACT_SHEET}`);
  contents.push([`${campaignId}/${CONTACT_SHEET}`, sheet]);
  const manifestBytes = Buffer.from(renderManifest(bundled));
  sums.push(`${sha256(manifestBytes)}  ${campaignId}/manifest.json`);
  contents.push([`${campaignId}/manifest.json`, manifestBytes]);
  const sumsText = `${sums.join('\n')}\n`;
  contents.push([`${campaignId}/SHA256SUMS`, Buffer.from(sumsText)]);
  for (const [name, bytes] of contents.slice(-3)) scanOrRefuse(name, bytes, denied);

  const zip = new yazl.ZipFile();
  const mtime = zipDate();
  for (const [name, bytes] of contents) {
    // PNG, JPEG and PDF are compressed already: store them, deflate only text.
    const compress = /\.(json|txt|html)$|SHA256SUMS$/.test(name);
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
    refusals: gated.refusals,
  };
}

/**
 * Join the outputs of several shards (each an output folder holding <campaign>/manifest.json)
 * into one output folder with one manifest. Every file is checked against its shard's manifest;
 * shards must agree on the campaign, the build date and the refusals, and never overlap.
 */
export async function mergeShards(
  dirs: string[],
  outRoot: string,
  check: ReleaseCheck,
): Promise<{ campaign: string; assets: number; refusals: Refusal[] }> {
  const manifests: { dir: string; m: Manifest }[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(d);
    } catch {
      throw new CampaignPressError('path-not-found', `shard folder ${d} does not exist`, { file: d });
    }
    for (const n of names) {
      const m = await readManifest(path.join(d, n), d);
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
    if (m.campaign !== check.campaign.id)
      throw new CampaignPressError(
        'usage',
        `${dir} holds campaign ${m.campaign}, not ${check.campaign.id}`,
        { file: dir },
        'Pass the campaign folder the shards were built from.',
      );
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
  // Ids and paths come from shard manifests other jobs wrote: plain names, inside --out (`../victim` is refused).
  const dest = path.dirname(outputPathInside(outRoot, first.campaign, 'manifest.json', { file: manifests[0]!.dir, field: 'campaign' }));
  const denied = deniedHashes(check.campaign);
  // Check everything before writing anything: a refused merge leaves the output folder as it was.
  const gated = manifests.map(({ dir, m }) => ({ dir, m, ...regate(m.assets, m.regions, check) }));
  // Paths first: a path that climbs out is named as such, before it is judged against the plan.
  for (const { dir, keep } of gated)
    for (const a of keep) outputPathInside(outRoot, first.campaign, a.path, { file: dir, field: 'assets.path' });
  // A shard folder's own extra files are never copied; only what its manifest would bring in is checked.
  for (const { dir, m, keep } of gated)
    await refuseUnplanned(dir, m.campaign, { kept: keep, all: m.assets }, check.planned(m.regions), false);
  const toWrite: [string, Buffer][] = [];
  for (const { dir, keep } of gated) {
    for (const a of keep) {
      if (seen.has(a.path))
        throw new CampaignPressError(
          'usage',
          `${a.path} is in two shards (${seen.get(a.path)} and ${dir})`,
          { file: dir },
          'Each shard must build a different --shard K/N of the same N.',
        );
      seen.set(a.path, dir);
      const target = outputPathInside(outRoot, first.campaign, a.path, { file: dir, field: 'assets.path' });
      const bytes = await fs.readFile(path.join(dir, path.relative(dest, target))).catch(() => undefined);
      if (!bytes || sha256(bytes) !== a.sha256)
        throw new CampaignPressError('output-unsafe', `${path.join(dir, a.path)} is missing or does not match its manifest`, { file: dir });
      scanOrRefuse(`${first.campaign}/${a.path}`, bytes, denied, a);
      toWrite.push([target, bytes]);
      for (const f of sidecars(a)) {
        const have = await fs.readFile(path.join(dir, f.path)).catch(() => undefined);
        if (!have?.equals(f.bytes))
          throw new CampaignPressError('output-unsafe', `${path.join(dir, f.path)} is missing or does not match its manifest`, {
            file: dir,
          });
        scanOrRefuse(`${first.campaign}/${f.path}`, f.bytes, denied, a);
        toWrite.push([outputPathInside(outRoot, first.campaign, f.path, { file: dir, field: 'assets.alt' }), f.bytes]);
      }
      assets.push(a);
    }
  }
  const newRefusals = gated.flatMap((g) => g.refusals);
  const refusals = new Map(
    [...manifests.flatMap(({ m }) => m.refusals), ...newRefusals].map((r) => [`${r.asset}|${r.testimony}|${r.rule}`, r]),
  );
  // The merged folder gets the contact sheet of the whole build, made as a build makes it.
  const { manifest: mergedManifest, html: sheet } = withContactSheet(
    createManifest(first.campaign, first.as_of, first.regions, assets, [...refusals.values()]),
    {
      ...sheetContext(check, denied),
      thumbs: new Map((await Promise.all(manifests.map(({ dir }) => sheetThumbnails(dir)))).flatMap((m) => [...m])),
    },
  );
  const merged = renderManifest(mergedManifest);
  scanOrRefuse(`${first.campaign}/manifest.json`, Buffer.from(merged), denied);
  for (const [target, bytes] of toWrite) await writeFileAtomic(target, bytes);
  await writeFileAtomic(path.join(dest, CONTACT_SHEET), sheet);
  await writeFileAtomic(path.join(dest, 'manifest.json'), merged);
  return { campaign: first.campaign, assets: assets.length, refusals: newRefusals };
}
