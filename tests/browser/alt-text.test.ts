import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { bundleCampaign } from '../../src/output/bundle.js';
import { build, type BuildReport } from '../../src/pipeline/run.js';
import { campaignMd, defaultConsent, listFiles, makeProject, releaseCheck, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Alt text (issue 14 item 6): every image asset has alt text in its own language, in the
 * manifest and in a sidecar <asset>.alt.txt that is an output like the asset (pruned, listed in
 * SHA256SUMS, bundled). PDF dates (issue 14 item 7) come from --as-of or SOURCE_DATE_EPOCH.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
let report: BuildReport;
beforeAll(() => ({ root, cleanup } = makeProject()));
afterAll(() => cleanup());

const dir = () => path.join(root, 'campaigns', 'c');
const out = (name = 'out') => path.join(root, name);
const CKB = {
  title: 'گەشتی سەلامەت',
  headline: 'قاچاخچییەکان درۆ دەفرۆشن.\nڕاستییەکە بزانە.',
  subline: 'دەریا ڕاستە.',
  cta: 'پێش بڕیاردان قسەمان لەگەڵ بکە',
};
const REAL_NAME = 'Karwan Aziz Rashid';
const write = (locales: string[]) => {
  writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': JSON.stringify(CKB, null, 2) });
  writeFiles(dir(), {
    'campaign.md': campaignMd({
      id: 'c',
      locales,
      body: '',
      messages: { headline: 'Smugglers sell lies.\nKnow the truth.', subline: 'The sea is real.', cta: 'Talk to us before you decide.' },
      outputs:
        '  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n    for_each: testimony\n  - template: poster\n    formats: [a4]',
    }).replace('hotline: "+964 750 000 0000"', 'hotline: "+964 750 482 3916"'),
    'testimonies/karwan.md': testimonyMd({
      id: 'karwan',
      consent: defaultConsent({ id: 'CR-ALT-0001', display_name: 'Karwan*', denylist: `"${hashTerm(REAL_NAME)}"` }),
    }),
    'testimonies/karwan.ckb.md': `---\ntranslation_of: karwan\nsource_sha256: '${'0'.repeat(64)}'\nstatus: reviewed\ntitle: چیرۆکێک لە ڕێگاوە\nquote: "قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی دا."\nparaphrase: بەڵێنی بەلەمێکی سەلامەتیان پێدا.\n---\nچیرۆکێک بۆ تاقیکردنەوە.\n`,
  });
};
const manifest = (o = out()) =>
  JSON.parse(readFileSync(path.join(o, 'c', 'manifest.json'), 'utf8')) as {
    assets: { path: string; output: string; alt?: string; consent_ids: string[] }[];
  };

describe('alt text', () => {
  beforeAll(async () => {
    write(['en', 'ckb']);
    report = await build({ root, campaignDir: dir(), out: out(), asOf: AS_OF });
    expect(report.errors).toEqual([]);
  }, 180_000);

  it('every image asset has alt text in the manifest and a UTF-8 sidecar holding exactly it; PDFs have none', () => {
    const m = manifest();
    const images = m.assets.filter((a) => a.output === 'png');
    expect(images.map((a) => a.path)).toEqual([
      'ckb/poster-a4.png',
      'ckb/social-card-square.png',
      'ckb/testimony-card-square-karwan.png',
      'en/poster-a4.png',
      'en/social-card-square.png',
      'en/testimony-card-square-karwan.png',
    ]);
    for (const a of images) {
      expect(a.alt, a.path).toBeTruthy();
      expect(readFileSync(path.join(out(), 'c', `${a.path}.alt.txt`), 'utf8')).toBe(`${a.alt}\n`);
    }
    expect(m.assets.filter((a) => a.output === 'pdf').every((a) => a.alt === undefined)).toBe(true);
    expect(listFiles(path.join(out(), 'c')).filter((f) => f.endsWith('.alt.txt'))).toHaveLength(6);
  });

  it('is built from the content, in the asset language: headline, call to action, hotline; title and display name', () => {
    const alt = Object.fromEntries(manifest().assets.map((a) => [a.path, a.alt]));
    expect(alt['en/social-card-square.png']).toBe(
      'Smugglers sell lies. Know the truth. Talk to us before you decide. Free helpline: +964 750 482 3916',
    );
    expect(alt['ckb/social-card-square.png']).toBe(
      'قاچاخچییەکان درۆ دەفرۆشن. ڕاستییەکە بزانە. پێش بڕیاردان قسەمان لەگەڵ بکە. هێڵی یارمەتیی بێبەرامبەر: \u2066+964 750 482 3916\u2069',
    );
    expect(alt['en/testimony-card-square-karwan.png']).toBe(
      'Testimony: A story from the road (Karwan*). Name changed to protect identity. Free helpline: +964 750 482 3916',
    );
    expect(alt['ckb/testimony-card-square-karwan.png']).toContain('شایەتحاڵی: چیرۆکێک لە ڕێگاوە (Karwan*)');
  });

  it('never holds the real name or consent details', () => {
    for (const a of manifest().assets.filter((x) => x.alt)) {
      for (const secret of ['Aziz', 'Rashid', 'CR-ALT', 'granted', 'IQ-AR', 'pseudonym', 'survivor']) expect(a.alt).not.toContain(secret);
    }
  });

  it('is deterministic, and a sidecar removed by hand is written again by the next build', async () => {
    const again = await build({ root, campaignDir: dir(), out: out('out2'), asOf: AS_OF, cache: false });
    expect(again.errors).toEqual([]);
    for (const a of manifest().assets.filter((x) => x.alt)) {
      const f = `${a.path}.alt.txt`;
      expect(readFileSync(path.join(out('out2'), 'c', f)).equals(readFileSync(path.join(out(), 'c', f)))).toBe(true);
    }
    const side = path.join(out(), 'c', 'en', 'social-card-square.png.alt.txt');
    const before = readFileSync(side);
    rmSync(side);
    const r = await build({ root, campaignDir: dir(), out: out(), asOf: AS_OF });
    expect(r.stats.rendered).toBe(1);
    expect(readFileSync(side).equals(before)).toBe(true);
  });

  it('sidecars are in SHA256SUMS and the zip, and are pruned with their asset', async () => {
    const b = await bundleCampaign(out(), 'c', await releaseCheck(root, dir(), AS_OF));
    const sums = readFileSync(b.sums, 'utf8');
    expect(sums).toMatch(/^[0-9a-f]{64} {2}c\/ckb\/testimony-card-square-karwan\.png\.alt\.txt$/m);
    expect(b.entries).toBe(8 + 6 + 3); // assets (poster PDF and PNG, card, testimony card, in 2 locales), PNG sidecars, contact sheet, manifest, SHA256SUMS
    write(['en']);
    const r = await build({ root, campaignDir: dir(), out: out(), asOf: AS_OF });
    expect(r.errors).toEqual([]);
    expect(listFiles(path.join(out(), 'c')).filter((f) => f.startsWith('ckb/'))).toEqual([]);
    expect(listFiles(path.join(out(), 'c')).filter((f) => f.endsWith('.alt.txt'))).toEqual([
      'en/poster-a4.png.alt.txt',
      'en/social-card-square.png.alt.txt',
      'en/testimony-card-square-karwan.png.alt.txt',
    ]);
    write(['en', 'ckb']);
  });
});

describe('PDF dates', () => {
  const dates = async (file: string) => {
    const doc = await PDFDocument.load(readFileSync(file), { updateMetadata: false });
    return [doc.getCreationDate()?.toISOString(), doc.getModificationDate()?.toISOString()];
  };

  it('CreationDate and ModDate are the --as-of date, not 1970; byte-identical for identical inputs', async () => {
    const pdf = path.join(out(), 'c', 'en', 'poster-a4.pdf');
    expect(await dates(pdf)).toEqual(['2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']);
    const again = path.join(out('out2'), 'c', 'en', 'poster-a4.pdf');
    expect(readFileSync(again).equals(readFileSync(pdf))).toBe(true);
  });

  it('SOURCE_DATE_EPOCH wins; another date is another PDF (not a cached one with the old date)', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1780000000';
    try {
      const r = await build({ root, campaignDir: dir(), out: out(), asOf: AS_OF, only: ['poster'] });
      expect(r.errors).toEqual([]);
      // Both PDFs (another date); the Sorani poster's PNG too, pruned with its locale by the test before. The English PNG carries no date and is reused.
      expect(r.stats.rendered).toBe(3);
      expect(await dates(path.join(out(), 'c', 'ckb', 'poster-a4.pdf'))).toEqual([
        new Date(1780000000 * 1000).toISOString(),
        new Date(1780000000 * 1000).toISOString(),
      ]);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});
