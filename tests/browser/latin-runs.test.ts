import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildReport, build } from '../../src/pipeline/run.js';
import { campaignMd, makeProject, pdfTextLogical, squash, writeFiles } from '../helpers.js';
import { drawnIn, type FontRuns, pdfTextByFont } from '../pdf-text-by-font.js';

/**
 * Latin runs inside Arabic-script text (a web address, a phone number, an English brand name)
 * are drawn in the bundled Latin sans, Noto Sans, in every Arabic-script locale, by the text
 * face and by the headline face alike; the Arabic fonts draw no Latin letter or digit. Decoded
 * from the PDFs' content streams, font by font.
 */

// What partners write: the agency's short name in the headline, a WhatsApp number and the web
// address in the running text.
const MESSAGES: Record<string, { headline: string; subline: string; cta: string }> = {
  ckb: {
    headline: 'پێش پارەدان بە قاچاخچی، لە IOM بپرسە',
    subline: 'بۆ زانیاری زیاتر سەردانی www.safe-routes.org بکە، یان لە WhatsApp نامەمان بۆ بنێرە: 0750 123 4567',
    cta: 'پەیوەندی بە هێڵی یارمەتییەوە بکە',
  },
  ar: {
    headline: 'اسأل IOM قبل أن تدفع لأي مهرب',
    subline: 'لمزيد من المعلومات زوروا www.safe-routes.org أو راسلونا عبر WhatsApp على الرقم 0750 123 4567',
    cta: 'اتصل بنا قبل أن تقرر',
  },
  ur: {
    headline: 'کسی کو پیسے دینے سے پہلے IOM سے پوچھیں',
    subline: 'مزید معلومات کے لیے www.safe-routes.org دیکھیں یا WhatsApp پر 0300 123 4567 پر پیغام بھیجیں',
    cta: 'ہم سے رابطہ کریں',
  },
  ps: {
    headline: 'قاچاقبر ته له پیسو ورکولو مخکې له IOM وپوښتئ',
    subline: 'د لا زیاتو معلوماتو لپاره www.safe-routes.org وګورئ یا په WhatsApp کې 0700 123 456 ته پیغام واستوئ',
    cta: 'موږ ته زنګ ووهئ',
  },
};
const LATIN = /[A-Za-z0-9]/g;
const latinOf = (s: string) => (s.match(LATIN) ?? []).join('');
const arabicFonts = (runs: FontRuns) => [...runs.keys()].filter((f) => !f.startsWith('NotoSans-'));

describe('Latin runs in Arabic-script text', () => {
  let root: string;
  let cleanup: () => void;
  let out: string;
  let report: BuildReport;
  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    // Control page: a paragraph pinned to Vazirmatn alone draws its Latin with Vazirmatn's own
    // glyphs, which the decoding must see (else "no Latin in an Arabic font" proves nothing).
    writeFiles(path.join(root, 'templates', 'probe-pinned'), {
      'template.json': JSON.stringify({
        description: 'Control: a paragraph in Vazirmatn only',
        channel: 'pdf',
        output: 'pdf',
        testimonies: 'none',
        formats: { a6: { width: 105, height: 148, unit: 'mm', bleed: 0 } },
      }),
      'template.hbs': '<main class="page" data-no-overflow="page"><p class="words">{{t "campaign:subline"}}</p></main>',
      // Vazirmatn is loaded on the Sorani page; on the others the locale's own stack takes over.
      'style.css': ".words { padding: 10mm; font-size: 5mm; font-family: 'Vazirmatn', var(--font); }",
    });
    const dir = path.join(root, 'campaigns', 'latin-runs');
    writeFiles(dir, {
      'campaign.md': campaignMd({
        id: 'latin-runs',
        locales: ['en', 'ckb', 'ar', 'ur', 'ps'],
        outputs: '  - template: poster\n    formats: [a4]\n  - template: probe-pinned',
      }),
    });
    for (const [l, m] of Object.entries(MESSAGES)) writeFiles(path.join(root, 'locales', l), { 'latin-runs.json': JSON.stringify(m) });
    out = path.join(root, 'out');
    report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
  }, 300_000);
  afterAll(() => cleanup());
  const pdf = (l: string, f = 'poster-a4.pdf') => path.join(out, 'latin-runs', l, f);

  it('builds', () => {
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.exitCode).toBe(0);
  });

  for (const l of Object.keys(MESSAGES)) {
    it(`${l}: Noto Sans draws the address, the number and the brand names; no Arabic font draws a Latin letter or digit`, async () => {
      const runs = await pdfTextByFont(pdf(l));
      const m = MESSAGES[l]!;
      const sans = drawnIn(runs, /^NotoSans-/);
      // Letters and digits: the full stops and hyphens of the address stay with the Arabic font,
      // like the punctuation of the sentence around it (docs/LOCALES.md).
      for (const w of ['IOM', 'www', 'safe', 'routes', 'org', 'WhatsApp', ...m.subline.match(/\d+/g)!])
        expect(sans, `${l} ${w}`).toContain(w);
      for (const f of arabicFonts(runs)) expect(latinOf(drawnIn(runs, new RegExp(`^${f}$`))), `${l} ${f}`).toBe('');
      // The headline's Latin is in the headline face's place: Noto Sans Bold.
      expect(drawnIn(runs, /^NotoSans-Bold/)).toContain('IOM');
      // And every Latin token reads back from the PDF's text layer. (Not the number whole: space-
      // separated digit groups inside right-to-left text are laid out right to left, by bidi.)
      const text = squash(pdfTextLogical(pdf(l)));
      for (const w of ['IOM', 'www', 'safe', 'routes', 'org', 'WhatsApp', ...m.subline.match(/\d+/g)!])
        expect(text, `${l} ${w}`).toContain(w);
    });
  }

  it('control: a paragraph pinned to Vazirmatn draws its Latin in Vazirmatn, and the decoding sees it', async () => {
    const runs = await pdfTextByFont(pdf('ckb', 'probe-pinned-a6.pdf'));
    expect(latinOf(drawnIn(runs, /^Vazirmatn-/))).toContain('WhatsApp');
    expect([...runs.keys()].filter((f) => f.startsWith('NotoSans-'))).toEqual([]);
  });
});
