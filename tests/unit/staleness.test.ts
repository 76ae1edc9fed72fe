import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCampaign } from '../../src/campaign/load.js';
import { translatableSha256 } from '../../src/campaign/staleness.js';
import { loadLocaleTable } from '../../src/i18n/table.js';
import { sampleProject, REPO } from '../helpers.js';

/**
 * Staleness on meaning: a new hotline or a review date must not make every translation stale
 * (with --strict that failed the build for nothing), while a changed sentence must.
 */
const table = loadLocaleTable(path.join(REPO, 'locales'));
let root: string;
let cleanup: () => void;
let dir: string;
beforeEach(() => ({ root, dir, cleanup } = sampleProject()));
afterEach(() => cleanup());

const load = () => loadCampaign(dir, table, path.join(root, 'locales'));
const edit = (rel: string, f: (s: string) => string) => writeFileSync(path.join(dir, rel), f(readFileSync(path.join(dir, rel), 'utf8')));
const staleOf = (c: ReturnType<typeof load>) => ({
  ckbBody: c.bodies.get('ckb')?.stale,
  ckbStory: c.testimonies.find((t) => t.id === 'brother-at-sea')?.translations.get('ckb')?.stale,
});

/** Re-stamp the Sorani translations with the hash of what they translate (what `locales stamp` writes). */
function stampCkb() {
  const c = load();
  const t = c.testimonies.find((x) => x.id === 'brother-at-sea')!;
  edit('testimonies/brother-at-sea.ckb.md', (s) => s.replace(/source_sha256: "[0-9a-f]+"/, `source_sha256: "${t.contentSha256}"`));
  edit('campaign.ckb.md', (s) => s.replace(/source_sha256: "[0-9a-f]+"/, `source_sha256: "${c.contentSha256}"`));
}

describe('translation staleness', () => {
  it('control: the shipped translations (whole-file hashes) are fresh while their source is unchanged', () => {
    expect(staleOf(load())).toEqual({ ckbBody: false, ckbStory: false });
  });

  it('a whole-file hash goes stale on any change, a content hash does not: new hotline and review date', () => {
    edit('campaign.md', (s) => s.replace('+964 750 000 0000', '+964 751 111 2222'));
    edit('testimonies/brother-at-sea.md', (s) => s.replace('review_by: 2027-01-15', 'review_by: 2027-01-20'));
    expect(staleOf(load())).toEqual({ ckbBody: true, ckbStory: true });
    stampCkb();
    expect(staleOf(load())).toEqual({ ckbBody: false, ckbStory: false });
    edit('campaign.md', (s) => s.replace('+964 751 111 2222', '+964 752 333 4444'));
    edit('testimonies/brother-at-sea.md', (s) => s.replace('review_by: 2027-01-20', 'review_by: 2027-01-25'));
    expect(staleOf(load())).toEqual({ ckbBody: false, ckbStory: false });
  });

  it('a changed sentence, title or quote makes the translation stale', () => {
    stampCkb();
    edit('testimonies/brother-at-sea.md', (s) => s.replace(/^title: .*$/m, 'title: The sea took my brother that winter'));
    expect(staleOf(load()).ckbStory).toBe(true);
    stampCkb();
    const body = readFileSync(path.join(dir, 'campaign.md'), 'utf8');
    edit('campaign.md', (s) => `${s.trimEnd()}\n\nOne more sentence for the description.\n`);
    expect(readFileSync(path.join(dir, 'campaign.md'), 'utf8')).not.toBe(body);
    expect(staleOf(load()).ckbBody).toBe(true);
  });

  it('the content hash ignores line endings and trailing spaces, not words', () => {
    const a = translatableSha256({ title: 'T', quote: null, paraphrase: 'p', body: 'Line one.\nLine two.\n' });
    expect(translatableSha256({ title: 'T', quote: null, paraphrase: 'p', body: 'Line one.  \r\nLine two.\r\n\r\n' })).toBe(a);
    expect(translatableSha256({ title: 'T', quote: null, paraphrase: 'p', body: 'Line one.\nLine 2.\n' })).not.toBe(a);
    expect(translatableSha256({ title: 'T', quote: 'p', paraphrase: null, body: 'Line one.\nLine two.\n' })).not.toBe(a);
  });
});
