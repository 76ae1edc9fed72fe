import { createHash } from 'node:crypto';

/**
 * The pure parts of `--marks` (marks.ts draws them with pdf-lib): what the slug says and the
 * content key of a marked PDF. The build's steps import these without loading pdf-lib.
 */

/**
 * The slug names the campaign, locale, asset and edition; nothing else (no title, no name of a
 * person), and only characters the slug font draws. Ids and paths are ASCII by schema already.
 */
export function slugText(s: { campaign: string; locale: string; asset: string; edition: string; page: number; pages: number }): string {
  const parts = [s.campaign, s.locale, s.asset, `edition ${s.edition}`];
  if (s.pages > 1) parts.push(`page ${s.page}/${s.pages}`);
  return parts.join('  |  ').replace(/[^\x20-\x7e]/g, '?');
}

/** The content key of a PDF built with marks (other bytes than the same PDF without). */
export function markedKey(key: string): string {
  return createHash('sha256').update(`${key}\u0000marks-v1`).digest('hex');
}
