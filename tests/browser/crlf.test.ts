import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translatableSha256 } from '../../src/campaign/staleness.js';
import { build, type BuildReport } from '../../src/pipeline/run.js';
import { campaignMd, defaultConsent, listFiles, makeProject, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Every editor's files (issue 11 item 3): the same Sorani campaign saved by Notepad (CRLF line
 * endings and a BOM in campaign.md, its translation, the testimonies and the locale JSON) builds
 * and gives the same outputs, byte for byte, as the LF files.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
const reports: BuildReport[] = [];
const outs = ['out-lf', 'out-notepad'];

const DESCRIPTION = 'Every year families lose their children on the road.\n\n- **The sea is dangerous.**\n- Ask us first.\n';
const CKB_DESCRIPTION = 'هەموو ساڵێک خێزانەکان منداڵەکانیان لە ڕێگادا لەدەست دەدەن.\n\n- **دەریا مەترسیدارە.**\n- سەرەتا لە ئێمە بپرسە.\n';
const TESTIMONY_BODY = 'He left in the spring.\nHe did not come back.\n';
const CKB = { title: 'گەشتی سەلامەت', headline: 'ڕاستییەکە بزانە پێش ئەوەی بڕۆیت.', subline: 'دەریا ڕاستە.', cta: 'پەیوەندی بکە' };

/** The files of the campaign as LF text; `notepad` saves each with CRLF and a BOM. */
function files(notepad: boolean): { campaign: Record<string, string>; locale: Record<string, string> } {
  const save = (s: string) => (notepad ? `\uFEFF${s.replace(/\n/g, '\r\n')}` : s);
  const tSource = testimonyMd({ id: 'karwan', body: TESTIMONY_BODY, consent: defaultConsent({ id: 'CR-CRLF-1' }) });
  const tHash = translatableSha256({
    title: 'A story from the road',
    quote: 'The smuggler promised a safe boat.',
    paraphrase: 'He was promised a safe boat.',
    body: TESTIMONY_BODY,
  });
  const cHash = translatableSha256({ body: DESCRIPTION });
  const campaign = {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb'],
      body: DESCRIPTION,
      outputs:
        '  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n    for_each: testimony\n  - template: leaflet\n    formats: [a5]',
    }).replace('hotline: "+964 750 000 0000"', 'hotline: "+964 750 482 3916"'),
    'campaign.ckb.md': `---\ntranslation_of: c\nsource_sha256: ${cHash}\nstatus: reviewed\n---\n${CKB_DESCRIPTION}`,
    'testimonies/karwan.md': tSource,
    'testimonies/karwan.ckb.md': `---\ntranslation_of: karwan\nsource_sha256: ${tHash}\nstatus: reviewed\ntitle: چیرۆکێک لە ڕێگاوە\nquote: "قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی دا."\nparaphrase: بەڵێنی بەلەمێکی سەلامەتیان پێدا.\n---\nلە بەهاردا ڕۆیشت.\nنەگەڕایەوە.\n`,
  };
  return {
    campaign: Object.fromEntries(Object.entries(campaign).map(([k, v]) => [k, save(v)])),
    locale: { 'c.json': save(`${JSON.stringify(CKB, null, 2)}\n`) },
  };
}

// One project, the same paths: the LF files are built, then saved over by Notepad and built again.
beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  for (const [i, notepad] of [false, true].entries()) {
    const f = files(notepad);
    writeFiles(path.join(root, 'campaigns', 'c'), f.campaign);
    writeFiles(path.join(root, 'locales', 'ckb'), f.locale);
    const campaignDir = path.join(root, 'campaigns', 'c');
    reports.push(await build({ root, campaignDir, out: path.join(root, outs[i]!), asOf: AS_OF, cache: false }));
  }
}, 300_000);
afterAll(() => cleanup());

describe('a campaign saved by Notepad (CRLF and BOM)', () => {
  it('the fixture really is CRLF with a BOM (control)', () => {
    const raw = readFileSync(path.join(root, 'campaigns', 'c', 'testimonies', 'karwan.ckb.md'));
    expect(raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    expect(raw.includes('\r\n')).toBe(true);
    expect(files(false).campaign['campaign.md']!.includes('\r')).toBe(false);
  });

  it('builds with no error and no stale translation, like the LF campaign', () => {
    for (const r of reports) {
      expect(r.errors).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(r.warnings.filter((w) => w.code !== 'placeholder-contact')).toEqual([]);
    }
    expect(reports[1]!.assets.map((a) => a.path)).toEqual([
      'ckb/leaflet-a5.pdf',
      'ckb/social-card-square.png',
      'ckb/testimony-card-square-karwan.png',
      'en/leaflet-a5.pdf',
      'en/social-card-square.png',
      'en/testimony-card-square-karwan.png',
    ]);
  });

  it('gives byte-identical outputs: every asset, sidecar and the manifest', () => {
    const [a, b] = outs.map((o) => path.join(root, o, 'c'));
    const names = listFiles(a!);
    expect(listFiles(b!)).toEqual(names);
    expect(names.length).toBe(6 + 4 + 2); // assets, PNG sidecars, manifest, contact sheet
    for (const n of names) expect(readFileSync(path.join(b!, n)).equals(readFileSync(path.join(a!, n))), n).toBe(true);
  });
});
