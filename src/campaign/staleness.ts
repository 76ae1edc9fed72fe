import { createHash } from 'node:crypto';

/**
 * Staleness on meaning, not bytes (FORMAT.md 6): a translation records `source_sha256`, and it is
 * stale only when the text a translator translated changed. The hash covers the translatable
 * fields alone (title, quote, paraphrase, body; for campaign.md the description), so a new hotline,
 * a changed date, consent record or output list leaves every translation fresh. Hashes of the
 * whole source file, which earlier versions wrote, are still accepted while the file is unchanged.
 */

export interface TranslatableFields {
  title?: string | null;
  quote?: string | null;
  paraphrase?: string | null;
  body: string;
}

/** Line endings and trailing blank space are how an editor saved the file, not what it says. */
function canonical(s: string | null | undefined): string | null {
  if (s === undefined || s === null) return null;
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n+$/, '')
    .normalize('NFC');
}

export function translatableSha256(f: TranslatableFields): string {
  const fields = { title: canonical(f.title), quote: canonical(f.quote), paraphrase: canonical(f.paraphrase), body: canonical(f.body) };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** Whether a recorded `source_sha256` still matches its source (by meaning, or the whole file). */
export function isFresh(recorded: string, source: { sha256: string; contentSha256: string }): boolean {
  const r = recorded.toLowerCase();
  return r === source.contentSha256 || r === source.sha256;
}
