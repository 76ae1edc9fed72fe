import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Campaign } from '../campaign/load.js';
import type { Channel } from '../campaign/schema.js';
import { type ManifestAsset, parseManifest } from './manifest.js';
import type { Template } from '../templates/engine.js';
import { gateTestimony, RULES, type RuleCode } from '../consent/gate.js';

/**
 * What an officer needs to act on: per testimony, its consent dates, what expires or needs
 * review soon, and where (locale x channel) the gate refuses it and why. Pure, given the date.
 */

export interface ConsentRow {
  testimony: string;
  consent_id: string | null;
  status: string;
  granted_on: string | null;
  review_by: string | null;
  expires_on: string | null;
  days_to_review: number | null;
  days_to_expiry: number | null;
  /** Needs action within the window: expired, withdrawn, review due, refused somewhere. */
  action: string[];
  refused: { locale: string; channel: Channel; rules: RuleCode[]; reasons: string[] }[];
  allowed: { locale: string; channel: Channel }[];
}

function days(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function reportConsent(
  campaign: Campaign,
  templates: ReadonlyMap<string, Template>,
  asOf: string,
  within: number,
  regions: string[],
  /** Build date for granted_on (fail closed: the earliest date anywhere); asOf when absent. */
  asOfEarliest?: string,
): ConsentRow[] {
  const channels = [...new Set([...templates.values()].filter((t) => t.testimonies !== 'none').map((t) => t.channel))].sort() as Channel[];
  return campaign.testimonies.map((t) => {
    const c = t.data.consent;
    const row: ConsentRow = {
      testimony: t.id,
      consent_id: c?.id ?? t.consentId ?? null,
      status: c?.status ?? (t.consentInvalid ? 'invalid' : 'missing'),
      granted_on: c?.granted_on ?? null,
      review_by: c?.review_by ?? null,
      expires_on: c?.expires_on ?? null,
      days_to_review: c ? days(asOf, c.review_by) : null,
      days_to_expiry: c ? days(asOf, c.expires_on) : null,
      action: [],
      refused: [],
      allowed: [],
    };
    if (t.consentInvalid) row.action.push(`consent block invalid at ${t.consentInvalid.field}: refused until it matches the signed form`);
    else if (!c) row.action.push('no consent record: never published');
    else {
      if (c.status !== 'granted') row.action.push(`status is ${c.status}: take down published assets (campaign-press recall ${c.id})`);
      if (row.days_to_expiry! < 0) row.action.push(`expired ${-row.days_to_expiry!} days ago`);
      else if (row.days_to_expiry! <= within) row.action.push(`expires in ${row.days_to_expiry} days`);
      if (row.days_to_review! < 0) row.action.push(`review overdue by ${-row.days_to_review!} days: no new assets until re-confirmed`);
      else if (row.days_to_review! <= within) row.action.push(`review due in ${row.days_to_review} days`);
    }
    for (const locale of campaign.data.locales) {
      for (const channel of channels) {
        const g = gateTestimony(campaign, t, { channel, locale, regions, asOf, asOfEarliest });
        if (g.allowed) row.allowed.push({ locale, channel });
        else row.refused.push({ locale, channel, rules: g.rules, reasons: g.reasons });
      }
    }
    if (row.refused.length && row.allowed.length === 0 && c && c.status === 'granted') row.action.push('refused everywhere: see the rules');
    return row;
  });
}

export function ruleText(rule: RuleCode): string {
  return RULES[rule];
}

export interface RecallHit extends ManifestAsset {
  campaign: string;
  manifest: string;
  file: string;
}

/** Every asset, in every manifest below `dir`, that contains the consent record. */
export async function recall(consentId: string, dir: string): Promise<{ hits: RecallHit[]; manifests: number }> {
  const hits: RecallHit[] = [];
  let manifests = 0;
  const walk = async (d: string, depth: number) => {
    if (depth > 6) return;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (e) {
      // No output folder yet means no asset used the record; anything else (a folder that cannot
      // be read) could hide one, so it fails.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && depth === 0) return;
      throw e;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(p, depth + 1);
      else if (e.isFile() && e.name === 'manifest.json') {
        // A damaged manifest fails the recall rather than hide an asset that must be taken down.
        const m = parseManifest(await fs.readFile(p, 'utf8'), p);
        manifests++;
        for (const a of m.assets) {
          if (a.consent_ids.includes(consentId))
            hits.push({ ...a, campaign: m.campaign, manifest: p, file: path.join(path.dirname(p), a.path) });
        }
      }
    }
  };
  await walk(path.resolve(dir), 0);
  hits.sort((a, b) => a.file.localeCompare(b.file, 'en'));
  return { hits, manifests };
}
