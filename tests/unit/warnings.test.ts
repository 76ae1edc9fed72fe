import { describe, expect, it } from 'vitest';
import { groupWarnings, type Problem } from '../../src/errors.js';

const w = (message: string, file = 'campaigns/c/testimonies/karwan.md'): Problem => ({
  code: 'translation-missing',
  message,
  hint: 'Add testimonies/karwan.<lng>.md, or leave it out on purpose.',
  file,
});

describe('groupWarnings', () => {
  it('one warning for a testimony missing in 3 locales and 2 formats, not 6', () => {
    const input = ['ckb', 'ar', 'fa'].flatMap((l) =>
      ['square', 'story'].map((f) => w(`testimony karwan has no ${l} translation; it is left out of ${l}/testimony-card-${f}-karwan.png`)),
    );
    expect(input).toHaveLength(6);
    const out = groupWarnings(input);
    expect(out).toEqual([
      {
        ...input[0],
        message:
          'testimony karwan has no ckb, ar, fa translation; it is left out of 6 assets (ckb/testimony-card-square-karwan.png, ckb/testimony-card-story-karwan.png, …)',
      },
    ]);
  });

  it('keeps apart what differs in more than the asset: another testimony, another code, a warning without an asset', () => {
    const a = w('testimony karwan has no ckb translation; it is left out of ckb/testimony-card-square-karwan.png');
    const b = w(
      'testimony shirin has no ckb translation; it is left out of ckb/testimony-card-square-shirin.png',
      'campaigns/c/testimonies/shirin.md',
    );
    const c = { ...a, code: 'translation-stale' };
    const d = w('"campaign:title" has no ckb translation; the en text is used', 'locales/ckb/c.json');
    expect(groupWarnings([a, b, c, d, d])).toEqual([a, b, c, d, d]);
  });

  it('a single warning is returned as it was', () => {
    const a = w('testimony karwan has no ckb translation; it is left out of ckb/testimony-card-square-karwan.png');
    expect(groupWarnings([a])).toEqual([a]);
  });
});
