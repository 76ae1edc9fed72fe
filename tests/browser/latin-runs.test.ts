import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildReport, build } from '../../src/pipeline/run.js';
import { campaignMd, makeProject, pdfTextLogical, squash, writeFiles, writeSublineProbe } from '../helpers.js';
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

/** Word boxes of page 1, as poppler lays them out (left to right on the page). */
function words(file: string) {
  const xml = execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' });
  return [...xml.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<\/word>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    text: m[3]!,
  }));
}

describe('Latin runs in Arabic-script text', () => {
  let root: string;
  let cleanup: () => void;
  let out: string;
  let report: BuildReport;
  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    // Control page: a paragraph pinned to Vazirmatn alone draws its Latin with Vazirmatn's own
    // glyphs, which the decoding must see (else "no Latin in an Arabic font" proves nothing).
    // Vazirmatn is loaded on the Sorani page; on the others the locale's own stack takes over.
    writeSublineProbe(
      root,
      'probe-pinned',
      'Control: a paragraph in Vazirmatn only',
      ".words { padding: 10mm; font-size: 5mm; font-family: 'Vazirmatn', var(--font); }",
    );
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

  for (const l of Object.keys(MESSAGES)) {
    it(`${l}: the phone number's digit groups read left to right on one line; the web address is one piece`, () => {
      const boxes = words(pdf(l));
      const groups = MESSAGES[l]!.subline.match(/\d+(?: \d+)+/)![0].split(' ');
      // Each group is a word of its own (the subline is the only text with these digits).
      const found = groups.map((g) => boxes.find((b) => b.text.replace(/[^\d]/g, '') === g));
      expect(found.every(Boolean), `${l}: ${groups} in ${boxes.map((b) => b.text).join(' ')}`).toBe(true);
      const at = found.map((b) => b!);
      for (const b of at) expect(Math.abs(b.y - at[0]!.y), `${l} same line`).toBeLessThan(1);
      // In the order they are dialled: the first group leftmost (bidi alone puts it rightmost).
      expect(
        at.map((b) => b.x),
        `${l} order`,
      ).toEqual([...at.map((b) => b.x)].sort((a, b) => a - b));
      expect(
        boxes.some((b) => b.text.includes('www.safe-routes.org')),
        `${l} address`,
      ).toBe(true);
    });
  }

  it('control: a paragraph pinned to Vazirmatn draws its Latin in Vazirmatn, and the decoding sees it', async () => {
    const runs = await pdfTextByFont(pdf('ckb', 'probe-pinned-a6.pdf'));
    expect(latinOf(drawnIn(runs, /^Vazirmatn-/))).toContain('WhatsApp');
    expect([...runs.keys()].filter((f) => f.startsWith('NotoSans-'))).toEqual([]);
  });
});

/** The same for numbers written in the locale's own digits, which bidi treats otherwise (Arabic-Indic digits are "AN"). */
describe('phone numbers in Arabic-Indic and Persian digits', () => {
  const NUMBERS: Record<string, { subline: string; groups: string[] }> = {
    ar: { subline: 'اتصلوا بنا مجاناً على الرقم ٠٧٥٠ ١٢٣ ٤٥٦٧ في أي وقت', groups: ['٠٧٥٠', '١٢٣', '٤٥٦٧'] },
    fa: { subline: 'برای کمک رایگان با شماره ۰۹۱۲ ۳۴۵ ۶۷۸۹ تماس بگیرید', groups: ['۰۹۱۲', '۳۴۵', '۶۷۸۹'] },
  };
  let root: string;
  let cleanup: () => void;
  let out: string;
  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    const dir = path.join(root, 'campaigns', 'digits');
    writeFiles(dir, {
      'campaign.md': campaignMd({ id: 'digits', locales: ['en', 'ar', 'fa'], outputs: '  - template: poster\n    formats: [a4]' }),
    });
    for (const [l, m] of Object.entries(NUMBERS))
      writeFiles(path.join(root, 'locales', l), {
        'digits.json': JSON.stringify({ headline: l === 'fa' ? 'پیش از سفر بپرسید' : 'اسأل قبل أن تسافر', subline: m.subline }),
      });
    out = path.join(root, 'out');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01', locales: ['ar', 'fa'] });
    expect(report.errors.map((e) => e.message)).toEqual([]);
  }, 300_000);
  afterAll(() => cleanup());

  for (const l of Object.keys(NUMBERS)) {
    it(`${l}: the digit groups stand in the order they are dialled, left to right, on one line`, () => {
      const boxes = words(path.join(out, 'digits', l, 'poster-a4.pdf'));
      const at = NUMBERS[l]!.groups.map((g) => boxes.find((b) => b.text === g));
      expect(at.every(Boolean), `${l}: ${boxes.map((b) => b.text).join(' ')}`).toBe(true);
      for (const b of at) expect(Math.abs(b!.y - at[0]!.y)).toBeLessThan(1);
      expect(at.map((b) => b!.x)).toEqual(at.map((b) => b!.x).sort((a, b) => a - b));
    });
  }
});
