import path from 'node:path';
import type { Campaign } from '../campaign/load.js';
import { readTextInside, writeFileAtomic } from '../util/files.js';

/**
 * `locales stamp`: after a reviewer has checked a translation against the current source, record
 * that source in the translation's `source_sha256`, as the hash of the translatable fields
 * (campaign/staleness.ts). Only that one frontmatter line changes; line endings are kept.
 */

export interface Stamped {
  file: string;
  locale: string;
  /** Whether the translation was stale before (its recorded hash matched neither form). */
  wasStale: boolean;
  changed: boolean;
}

interface Target {
  file: string;
  locale: string;
  hash: string;
  stale: boolean;
}

function targets(campaign: Campaign, locales?: readonly string[]): Target[] {
  const wanted = (l: string) => !locales?.length || locales.includes(l);
  const out: Target[] = [];
  for (const [l, b] of campaign.bodies) {
    if (wanted(l)) out.push({ file: path.join(campaign.dir, `campaign.${l}.md`), locale: l, hash: campaign.contentSha256, stale: b.stale });
  }
  for (const t of campaign.testimonies) {
    for (const [l, tr] of t.translations) {
      if (wanted(l))
        out.push({ file: path.join(campaign.dir, 'testimonies', `${t.id}.${l}.md`), locale: l, hash: t.contentSha256, stale: tr.stale });
    }
  }
  return out;
}

/** Rewrite the source_sha256 line of a frontmatter block; undefined when the file has none. */
export function restamp(text: string, hash: string): string | undefined {
  const m = /^(---[^\S\r\n]*\r?\n)([\s\S]*?)(\r?\n---[^\S\r\n]*(?:\r?\n|$))/.exec(text);
  if (!m) return undefined;
  const front = m[2]!;
  const re = /^source_sha256:[^\r\n]*/m;
  if (!re.test(front)) return undefined;
  const next = front.replace(re, `source_sha256: "${hash}"`);
  return text.slice(0, m.index) + m[1] + next + m[3] + text.slice(m.index + m[0].length);
}

export async function stampTranslations(campaigns: readonly Campaign[], locales?: readonly string[]): Promise<Stamped[]> {
  const done: Stamped[] = [];
  for (const c of campaigns) {
    for (const t of targets(c, locales)) {
      // Through the safe reader (inside the campaign, valid UTF-8); the raw bytes keep the file's
      // own line endings, so only the one line differs.
      const text = readTextInside(c.dir, t.file).bytes.toString('utf8');
      const next = restamp(text, t.hash);
      const changed = next !== undefined && next !== text;
      if (changed) await writeFileAtomic(t.file, next);
      done.push({ file: t.file, locale: t.locale, wasStale: t.stale, changed });
    }
  }
  return done;
}
