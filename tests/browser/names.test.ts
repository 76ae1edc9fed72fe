import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { build } from '../../src/pipeline/run.js';
import {
  campaignMd,
  defaultConsent,
  listFiles,
  makeProject,
  pdfFonts,
  pdfTextLogical,
  squash,
  testimonyMd,
  writeFiles,
  writeSublineProbe,
} from '../helpers.js';
import { pdfTextByFont, words, wordsDrawnIn } from '../pdf-text-by-font.js';

/**
 * Names and faces in every script: a translation may write the pseudonym in its own script (and
 * the deny-list sees it like any text); headlines of every Arabic-script locale but Urdu share one
 * display family.
 */

const REAL_NAME_ARABIC = 'کاروان عەزیز';

function translation(lng: string, displayName: string): string {
  return `---
translation_of: story
source_sha256: "${'0'.repeat(64)}"
status: reviewed
title: "چیرۆکێک لە ڕێگا"
quote: "قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی دا."
display_name: ${JSON.stringify(displayName)}
---
ئەمە چیرۆکێکی نموونەیە بۆ تاقیکردنەوە.
`;
}

describe('a localized display_name', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => ({ root, cleanup } = makeProject()));
  afterAll(() => cleanup());

  const campaign = async (id: string, ckbName: string) => {
    const dir = path.join(root, 'campaigns', id);
    writeFiles(dir, {
      'campaign.md': campaignMd({ id, locales: ['en', 'ckb'], outputs: '  - template: leaflet\n    formats: [a5]' }),
      'testimonies/story.md': testimonyMd({
        id: 'story',
        consent: defaultConsent({ display_name: 'Hawre*', denylist: `"${hashTerm(REAL_NAME_ARABIC)}"` }),
      }),
      'testimonies/story.ckb.md': translation('ckb', ckbName),
    });
    writeFiles(path.join(root, 'locales', 'ckb'), {
      [`${id}.json`]: JSON.stringify({
        headline: 'پێش ڕۆیشتن ڕاستییەکە بزانە.',
        subline: 'دەریا ڕاستەقینەیە. بەڵێنەکان ڕاست نین.',
        cta: 'پەیوەندی بە هێڵی یارمەتییەوە بکە',
      }),
    });
    const out = path.join(root, `out-${id}`);
    return { report: await build({ root, campaignDir: dir, out, asOf: '2026-06-01', locales: ['en', 'ckb'] }), out };
  };

  it('prints the pseudonym in the translation’s script in that locale, and the consent record’s spelling elsewhere', async () => {
    const { report, out } = await campaign('local-name', 'هاوڕێ*');
    // The translation's source hash is made up: a stale-translation warning is expected, nothing else.
    expect(report.errors.map((e) => e.message)).toEqual([]);
    const ckb = squash(pdfTextLogical(path.join(out, 'local-name', 'ckb', 'leaflet-a5.pdf')));
    const en = squash(pdfTextLogical(path.join(out, 'local-name', 'en', 'leaflet-a5.pdf')));
    expect(ckb).toContain(squash('هاوڕێ'));
    expect(ckb).not.toContain('Hawre');
    expect(en).toContain('Hawre*');
  }, 120_000);

  it('refuses a localized display_name that is the real name in Arabic letters (deny-list, exit 3, nothing written)', async () => {
    const { report, out } = await campaign('real-name', REAL_NAME_ARABIC);
    expect(report.exitCode).toBe(3);
    expect(report.refusals.map((r) => `${r.testimony} ${r.rule} ${r.locale}`)).toContain('story denylist ckb');
    // Only the Sorani asset names it; the English one is refused with it (the whole build stops
    // unless --skip-refused), and no byte of the name is written anywhere.
    for (const f of listFiles(out)) expect(f).not.toMatch(/ckb\/leaflet/);
  }, 120_000);

  it('is refused in any spelling the deny-list folds (Arabic ي and ك for Sorani ی and ک)', async () => {
    const { report } = await campaign('real-name-folded', 'كاروان عەزيز');
    expect(report.exitCode).toBe(3);
  }, 120_000);
});

describe('fonts in Arabic-script text', () => {
  let root: string;
  let cleanup: () => void;
  let out: string;
  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    // One paragraph of Sorani with a Latin name in it, and one without any Latin letter.
    writeSublineProbe(root, 'probe-latin', 'Font probe: a paragraph, nothing else', '.words { padding: 10mm; font-size: 6mm; }');
    const dir = path.join(root, 'campaigns', 'fonts');
    writeFiles(dir, {
      'campaign.md': campaignMd({
        id: 'fonts',
        locales: ['en', 'ckb', 'ar', 'ur'],
        outputs: '  - template: probe-latin\n  - template: poster\n    formats: [a4]',
      }),
    });
    const msgs = (headline: string, subline: string, cta: string) => JSON.stringify({ headline, subline, cta });
    writeFiles(path.join(root, 'locales'), {
      'ckb/fonts.json': msgs('پێش ڕۆیشتن ڕاستییەکە بزانە', 'هاوڕێ دەڵێت: پەیوەندی بە Hawre بکە', 'پەیوەندیمان پێوە بکە'),
      'ar/fonts.json': msgs('اعرف الحقيقة قبل أن ترحل', 'الطريق طويل والبحر حقيقي', 'اتصل بنا'),
      'ur/fonts.json': msgs('جانے سے پہلے سچ جانیں', 'راستہ لمبا ہے اور سمندر اصلی ہے', 'ہم سے رابطہ کریں'),
    });
    out = path.join(root, 'out');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(report.errors.map((e) => e.message)).toEqual([]);
  }, 240_000);
  afterAll(() => cleanup());

  const fonts = (lng: string, file: string) => pdfFonts(path.join(out, 'fonts', lng, file)).map((f) => f.name);

  it('sets Arabic and Sorani headlines in one display family, and keeps Nastaliq for Urdu', async () => {
    // The poster's headline is the only Vazirmatn on the Arabic poster: its body text is Naskh.
    const ar = await pdfTextByFont(path.join(out, 'fonts', 'ar', 'poster-a4.pdf'));
    expect(wordsDrawnIn(ar, /^Vazirmatn-/)).toEqual(words('اعرف الحقيقة قبل أن ترحل'));
    expect(wordsDrawnIn(ar, /^NotoNaskhArabic-/)).toEqual(expect.arrayContaining(words('الطريق طويل والبحر حقيقي اتصل بنا')));
    expect(fonts('ckb', 'poster-a4.pdf').some((f) => f.startsWith('Vazirmatn'))).toBe(true);
    // Urdu: Nastaliq, and no Vazirmatn anywhere.
    expect(fonts('ur', 'poster-a4.pdf').some((f) => f.startsWith('NotoNastaliqUrdu'))).toBe(true);
    expect(fonts('ur', 'poster-a4.pdf').some((f) => f.startsWith('Vazirmatn'))).toBe(false);
    // Control: the Arabic probe page (no headline) has no Vazirmatn: the family comes from the headline rule.
    expect(fonts('ar', 'probe-latin-a6.pdf').some((f) => f.startsWith('Vazirmatn'))).toBe(false);
  });
});
