import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildReport, build } from '../../src/pipeline/run.js';
import { campaignMd, listFiles, makeProject, missingLettersIn, pdfTextLogical, REPO, squash, writeFiles } from '../helpers.js';
import { contrastRatio } from '../../src/pipeline/contrast.js';
import { hiddenWords, hiddenWordsEach } from '../ink.js';

/**
 * Layouts that hold for a campaign the templates were not written for: honest-roads, written the
 * way a partner writes (ordinary sentence lengths) in Urdu, Pashto, Sorani, Arabic, Tajik and
 * English, with two testimonies and a photo. Then the checks that make a hidden word fail the
 * build, each with a control, and a headline far too long for any box.
 */

const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'layouts');

describe('a partner campaign in six languages', () => {
  let root: string;
  let cleanup: () => void;
  let report: BuildReport;
  let out: string;

  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    cpSync(path.join(FIXTURE, 'honest-roads'), path.join(root, 'campaigns', 'honest-roads'), { recursive: true });
    cpSync(path.join(FIXTURE, 'locales'), path.join(root, 'locales'), { recursive: true });
    out = path.join(root, 'out');
    report = await build({ root, campaignDir: path.join(root, 'campaigns', 'honest-roads'), out, asOf: '2026-06-01' });
  }, 420_000);
  afterAll(() => cleanup());

  it('builds every planned asset with exit 0', () => {
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.exitCode).toBe(0);
    // 6 locales × (2 posters + the A4 poster's PNG + 4 social cards + 2 testimonies × 2 card formats + 2 leaflets: A5, trifold)
    expect(report.stats.planned).toBe(78);
    expect(report.assets).toHaveLength(78);
    const files = listFiles(path.join(out, 'honest-roads')).filter(
      (f) => f !== 'manifest.json' && f !== 'index.html' && !f.endsWith('.alt.txt'),
    );
    expect(files).toHaveLength(78);
    // Each of the 48 PNG cards and the 6 posters' sharing PNGs has its alt-text sidecar.
    expect(listFiles(path.join(out, 'honest-roads')).filter((f) => f.endsWith('.png.alt.txt'))).toHaveLength(54);
  });

  it('every word of every PDF leaves ink on its page (rendered with and without the text layer)', async () => {
    const pdfs = report.assets.filter((a) => a.output === 'pdf');
    expect(pdfs).toHaveLength(24);
    const problems: string[] = [];
    // 24 PDFs, the A5 leaflets 8 pages each, rasterized twice: one Ghostscript run per pass (a run
    // per PDF spent most of its time starting Ghostscript).
    const inks = await hiddenWordsEach(pdfs.map((a) => path.join(out, 'honest-roads', a.path)));
    pdfs.forEach((a, i) => {
      const ink = inks[i]!;
      expect(ink.words, a.path).toBeGreaterThan(40);
      for (const w of ink.hidden) problems.push(`${a.path} page ${w.page + 1}: "${w.text}"`);
    });
    expect(problems).toEqual([]);
  }, 420_000);

  it('story cards keep the top 250 px and the bottom 340 px background only', async () => {
    const stories = report.assets.filter((a) => a.format === 'story');
    expect(stories).toHaveLength(18);
    for (const a of stories) {
      const { data, info } = await sharp(path.join(out, 'honest-roads', a.path))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([1080, 1920]);
      // Background only: every column of the zone is one colour from its first row to its last
      // (flat fills and vertical bands pass; a letter, a logo or a QR code does not).
      for (const [from, to] of [
        [0, 250],
        [1920 - 340, 1920],
      ] as const) {
        const changed: number[] = [];
        for (let x = 0; x < info.width; x++) {
          const first = (from * info.width + x) * 3;
          for (let y = from + 1; y < to; y++) {
            const i = (y * info.width + x) * 3;
            if (data[i] !== data[first] || data[i + 1] !== data[first + 1] || data[i + 2] !== data[first + 2]) {
              changed.push(x);
              break;
            }
          }
        }
        expect(changed, `${a.path} rows ${from}-${to}`).toEqual([]);
      }
    }
  });
});

/** A one-format test template; the build lints and renders it like a shipped one. */
function probeTemplate(root: string, name: string, hbs: string, css: string): void {
  writeFiles(path.join(root, 'templates', name), {
    'template.json': JSON.stringify({
      description: `Layout probe: ${name}`,
      channel: 'social',
      output: 'png',
      testimonies: 'none',
      formats: { card: { width: 600, height: 400, unit: 'px' } },
    }),
    'template.hbs': hbs,
    'style.css': css,
  });
}

describe('a hidden word fails the build, naming both elements', () => {
  let root: string;
  let cleanup: () => void;
  const words =
    '.words { position: absolute; top: 40px; inset-inline-start: 40px; width: 400px; font-size: 30px; line-height: 40px; margin: 0; }';

  beforeAll(() => {
    ({ root, cleanup } = makeProject());
    // A box painted over the line.
    probeTemplate(
      root,
      'probe-covered',
      '<main class="page" data-no-overflow="page"><p class="words">{{t "campaign:headline"}}</p><div class="slab"></div></main>',
      `${words}\n.slab { position: absolute; top: 70px; left: 0; width: 600px; height: 60px; background: var(--primary); }`,
    );
    // A window too small for the text, with overflow hidden: the second line is cut off.
    probeTemplate(
      root,
      'probe-clipped',
      '<main class="page" data-no-overflow="page"><div class="window"><p class="words">{{t "campaign:headline"}}</p></div></main>',
      `.window { position: absolute; top: 40px; left: 40px; width: 400px; height: 45px; overflow: hidden; }\n${words.replace('position: absolute; top: 40px; inset-inline-start: 40px; ', '')}`,
    );
    // Near-white text on white paper.
    probeTemplate(
      root,
      'probe-invisible',
      '<main class="page" data-no-overflow="page"><p class="words">{{t "campaign:headline"}}</p></main>',
      `${words}\n.words { color: #fbfbfb; }`,
    );
    // Control: the same parts, laid out so nothing hides anything.
    probeTemplate(
      root,
      'probe-clear',
      '<main class="page" data-no-overflow="page"><p class="words">{{t "campaign:headline"}}</p><div class="slab"></div></main>',
      `${words}\n.slab { position: absolute; top: 300px; left: 0; width: 600px; height: 60px; background: var(--primary); }`,
    );
  });
  afterAll(() => cleanup());

  const run = async (templates: string[], id: string) => {
    const dir = path.join(root, 'campaigns', id);
    writeFiles(dir, {
      'campaign.md': campaignMd({
        id,
        messages: { headline: 'Know the truth before you go, and ask us first.', subline: 'x', cta: 'y' },
        outputs: templates.map((t) => `  - template: ${t}`).join('\n'),
      }),
    });
    const o = path.join(root, `out-${id}`);
    return { report: await build({ root, campaignDir: dir, out: o, asOf: '2026-06-01' }), out: o };
  };

  it('covered, clipped and invisible text each exit 4 with both elements named; nothing is written', async () => {
    const { report, out } = await run(['probe-covered', 'probe-clipped', 'probe-invisible'], 'hidden-probes');
    expect(report.exitCode).toBe(4);
    const msgs = report.errors.map((e) => e.message);
    const of = (asset: string) => msgs.filter((m) => m.startsWith(`en/${asset}`)).join('\n');
    expect(of('probe-covered-card.png')).toMatch(/"Know the truth[^"]*" \(p\.words[^)]*\) is covered by div\.slab/);
    expect(of('probe-clipped-card.png')).toMatch(/\(p\.words[^)]*\) is cut off by div\.window/);
    expect(of('probe-invisible-card.png')).toMatch(/\(p\.words[^)]*\) does not show on .*#fbfbfb on #ffffff/);
    expect(new Set(report.errors.map((e) => e.code))).toEqual(new Set(['render-hidden-text']));
    expect(listFiles(out)).toEqual([]);
  });

  it('text inside a format safe area exits 4, naming the element and the edge', async () => {
    writeFiles(path.join(root, 'templates', 'probe-story'), {
      'template.json': JSON.stringify({
        description: 'Layout probe: a story card with a safe area',
        channel: 'social',
        output: 'png',
        testimonies: 'none',
        formats: { story: { width: 1080, height: 1920, unit: 'px', safe_area: { top: 250, right: 60, bottom: 340, left: 60 } } },
      }),
      'template.hbs':
        '<main class="page" data-no-overflow="page"><p class="kicker">{{t "campaign:title"}}</p><p class="words">{{t "campaign:headline"}}</p></main>',
      // The kicker sits at 120 px from the top, where the platform draws the profile bar.
      'style.css':
        '.kicker { position: absolute; top: 120px; left: 80px; font-size: 40px; }\n.words { position: absolute; top: 700px; left: 80px; width: 900px; font-size: 60px; }',
    });
    const { report } = await run(['probe-story'], 'story-probe');
    expect(report.exitCode).toBe(4);
    const msg = report.errors.map((e) => e.message).join('\n');
    expect(msg).toMatch(/en\/probe-story-story\.png: .*p\.kicker "Test campaign" enters the top safe zone \(250 px/);
    expect(report.errors.map((e) => e.code)).toEqual(['render-safe-area']);
    // Control: the headline, well inside the safe area, is not named.
    expect(msg).not.toMatch(/p\.words/);
  });

  it('control: the same parts with nothing hidden build with exit 0', async () => {
    const { report } = await run(['probe-clear'], 'clear-probe');
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.exitCode).toBe(0);
  });
});

describe('the print check itself', () => {
  it('finds a word painted over in a PDF, and only that word (control for the ink test)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-ink-'));
    const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.setContent(
        `<body style="margin:0;font:28px sans-serif">
          <p style="position:absolute;top:20px;left:20px;margin:0">Visible words</p>
          <p style="position:absolute;top:120px;left:20px;margin:0">Smuggled</p>
          <div style="position:absolute;top:110px;left:0;width:400px;height:60px;background:#0b3d5c"></div>
          <p style="position:absolute;top:220px;left:20px;margin:0;color:#fff">Whitewashed</p>
        </body>`,
      );
      const pdf = path.join(dir, 'probe.pdf');
      writeFileSync(pdf, await page.pdf({ width: '120mm', height: '90mm', printBackground: true }));
      const ink = hiddenWords(pdf);
      expect(ink.words).toBe(4);
      expect(ink.hidden.map((w) => w.text).sort()).toEqual(['Smuggled', 'Whitewashed']);
      // The batched check (one Ghostscript run for many PDFs) pairs each page with its own PDF's
      // words: the probe between two clean PDFs of other sizes and page counts, its hidden words
      // found on its page only.
      await page.setContent(
        `<body style="margin:0;font:28px sans-serif"><p style="margin:20px">First clean page</p>
          <p style="margin:20px;break-before:page">Second clean page</p></body>`,
      );
      const clean = path.join(dir, 'clean.pdf');
      writeFileSync(clean, await page.pdf({ width: '148mm', height: '105mm', printBackground: true }));
      const each = await hiddenWordsEach([clean, pdf, clean]);
      expect(each.map((r) => r.words)).toEqual([6, 4, 6]);
      expect(each.map((r) => r.hidden.map((w) => `${w.page + 1}: ${w.text}`).sort())).toEqual([[], ['1: Smuggled', '1: Whitewashed'], []]);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a headline far too long', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => ({ root, cleanup } = makeProject()));
  afterAll(() => cleanup());

  it('exits 4 naming the locale file and key, the asset, how much too long and a character budget', async () => {
    const dir = path.join(root, 'campaigns', 'long-headline');
    writeFiles(dir, {
      'campaign.md': campaignMd({ id: 'long-headline', locales: ['en', 'tg'], outputs: '  - template: poster\n    formats: [a4]' }),
    });
    const tg = JSON.parse(readFileSync(path.join(FIXTURE, 'locales', 'tg', 'honest-roads.json'), 'utf8')) as Record<string, string>;
    tg.headline = Array.from({ length: 30 }, () => tg.headline).join(' ');
    writeFiles(path.join(root, 'locales', 'tg'), { 'long-headline.json': JSON.stringify(tg) });
    const report = await build({ root, campaignDir: dir, out: path.join(root, 'out'), asOf: '2026-06-01', locales: ['tg'] });
    expect(report.exitCode).toBe(4);
    const msg = report.errors.map((e) => e.message).join('\n');
    expect(msg).toMatch(/tg\/poster-a4\.pdf: .*headline \(locales\/tg\/long-headline\.json headline\): too long by about \d{3,}%/);
    const headline = report.errors.find((e) => e.code === 'render-overflow' && e.file === 'locales/tg/long-headline.json');
    expect(headline?.field).toBe('headline');
    const budget = Number(/about (\d+) characters fit/.exec(msg)?.[1]);
    // The real headline (about 75 characters) fits; 30 of them do not: the budget lies between.
    expect(budget).toBeGreaterThan(40);
    expect(budget).toBeLessThan(tg.headline!.length / 5);
  });
});

describe('brand colours that do not contrast', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => ({ root, cleanup } = makeProject()));
  afterAll(() => cleanup());

  // An orange at 2.95:1 on the sample navy: under the 3:1 large text needs.
  const lowAccent = (id: string) => {
    const dir = path.join(root, 'campaigns', id);
    writeFiles(dir, { 'campaign.md': campaignMd({ id }).replace('accent: "#F2B705"', 'accent: "#B5722F"') });
    return dir;
  };

  it('fall back to a safe tint, warn contrast-low with the colours and the ratio, and print the tint', async () => {
    const dir = lowAccent('low-accent');
    const out = path.join(root, 'out-low');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(report.exitCode).toBe(0);
    const warning = report.warnings.find((w) => w.code === 'contrast-low');
    expect(warning?.message).toMatch(
      /#B5722F on #0B3D5C has a contrast of 2\.95:1, below 3:1 \(WCAG 2\.2\); (#[0-9A-F]{6}) \(\d\.\d\d:1\) is used instead/,
    );
    expect(warning).toMatchObject({ field: 'brand.accent' });
    const tint = /(#[0-9A-F]{6}) \(/.exec(warning!.message)![1]!;
    expect(contrastRatio(tint, '#0B3D5C')).toBeGreaterThanOrEqual(3);
    // The kicker (accent text on the primary field) is drawn in the tint: its glyphs hold pixels of
    // exactly that colour.
    const { data } = await sharp(path.join(out, 'low-accent', 'en', 'social-card-square.png'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(tint.slice(i, i + 2), 16));
    let hits = 0;
    for (let i = 0; i < data.length; i += 3) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) hits++;
    expect(hits).toBeGreaterThan(200);
  });

  it('is an error with --strict (exit 2, nothing written)', async () => {
    const dir = lowAccent('low-accent-strict');
    const out = path.join(root, 'out-strict');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01', strict: true });
    expect(report.exitCode).toBe(2);
    expect(report.errors.map((e) => e.code)).toContain('contrast-low');
    expect(listFiles(out)).toEqual([]);
  });
});

describe('a manual line break in a message', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => ({ root, cleanup } = makeProject()));
  afterAll(() => cleanup());

  it('breaks the headline where the writer put \\n, and nowhere else on a wide card', async () => {
    const dir = path.join(root, 'campaigns', 'manual-break');
    const headline = 'Ask.\nThen go.';
    writeFiles(dir, {
      'campaign.md': campaignMd({
        id: 'manual-break',
        messages: { headline, subline: 'The sea is real.', cta: 'Call us' },
        outputs: '  - template: poster\n    formats: [a3]',
      }),
    });
    const out = path.join(root, 'out');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(report.errors).toEqual([]);
    const lines = execFileSync('pdftotext', ['-raw', path.join(out, 'manual-break', 'en', 'poster-a3.pdf'), '-'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim());
    // The whole headline fits on one line of an A3 poster; it is two lines because the writer said so.
    expect(lines).toContain('Ask.');
    expect(lines).toContain('Then go.');
    expect(lines).not.toContain('Ask. Then go.');
  });
});

describe('an A5 cover holds an ordinary long headline in any script, and an English fallback on a Sorani page', () => {
  let root: string;
  let cleanup: () => void;
  const msgs = (l: string) =>
    JSON.parse(readFileSync(path.join(FIXTURE, 'locales', l, 'honest-roads.json'), 'utf8')) as Record<string, string>;
  // The partner's English headline, 65 characters; the Sorani translator has not done it yet.
  const HEADLINE = "A smuggler's promise is not a plan. Ask us before you pay anyone.";
  const SUBLINE =
    'Every month people are held for ransom, abandoned at borders or lost at sea. Free, confidential advice can help you find a safer way.';
  const CTA = 'Call us or send a message. We answer in your language, and we never share your name.';
  /** A leaflet campaign whose Sorani messages lack the keys in `untranslated` (the English is used). */
  const campaign = async (id: string, messages: Record<string, string>, locales: string[], untranslated: string[]) => {
    const dir = path.join(root, 'campaigns', id);
    writeFiles(dir, {
      'campaign.md': campaignMd({ id, locales, messages, outputs: '  - template: leaflet\n    formats: [a5]' }),
    });
    const ckb = Object.fromEntries(Object.entries(msgs('ckb')).filter(([k]) => !untranslated.includes(k)));
    writeFiles(path.join(root, 'locales'), {
      [`ckb/${id}.json`]: JSON.stringify(ckb),
      [`ur/${id}.json`]: JSON.stringify(msgs('ur')),
      [`ps/${id}.json`]: JSON.stringify(msgs('ps')),
    });
    const out = path.join(root, `out-${id}`);
    // No test here reads the English leaflet: only the translations are built.
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01', locales: locales.filter((l) => l !== 'en') });
    return { report, pdf: (l: string) => path.join(out, id, l, 'leaflet-a5.pdf') };
  };
  // The cover's text in logical order (right-to-left runs put back).
  const coverText = (pdf: string) => squash(pdfTextLogical(pdf, 1));
  const missingWordsIn = (hay: string, expected: string) =>
    expected
      .split(/\s+/)
      .map((w) => w.replace(/[.,،:;!?۔«»"“”]/g, ''))
      .filter((w) => w.length > 1 && !hay.includes(squash(w)));
  beforeAll(() => ({ root, cleanup } = makeProject()));
  afterAll(() => cleanup());

  it('builds the Sorani, Urdu and Pashto covers with exit 0, every headline word on the cover and showing', async () => {
    const { report, pdf } = await campaign(
      'covers',
      { headline: HEADLINE, subline: SUBLINE, cta: CTA },
      ['en', 'ckb', 'ur', 'ps'],
      ['headline'],
    );
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.exitCode).toBe(0);
    // The fallback is reported, not hidden.
    expect(report.warnings.map((w) => `${w.code} ${w.field}`)).toContain('translation-missing campaign:headline');
    expect(missingWordsIn(coverText(pdf('ckb')), HEADLINE)).toEqual([]);
    expect(missingWordsIn(coverText(pdf('ps')), msgs('ps').headline!)).toEqual([]);
    // Nastaliq's cascade defeats word extraction: the cover holds every letter of the headline.
    expect(missingLettersIn(coverText(pdf('ur')), msgs('ur').headline!)).toEqual([]);
    const inks = await hiddenWordsEach(['ckb', 'ur', 'ps'].map(pdf));
    ['ckb', 'ur', 'ps'].forEach((l, i) => {
      expect(
        inks[i]!.hidden.filter((w) => w.page === 0).map((w) => w.text),
        l,
      ).toEqual([]);
    });
  }, 300_000);

  it('builds a Sorani leaflet whose short English headline and call to action are fallbacks (they missed their boxes by 1-4%)', async () => {
    // Inline fallback text in Vazirmatn reports a glyph box 1.56 em tall in a line 1.5 em high;
    // judged by that box instead of its line, the headline "overflowed" at every size.
    const { report, pdf } = await campaign(
      'covers-short',
      { headline: 'Know the truth before you go.', subline: SUBLINE, cta: 'Call the free helpline' },
      ['en', 'ckb'],
      ['headline', 'cta'],
    );
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(missingWordsIn(coverText(pdf('ckb')), 'Know the truth before you go.')).toEqual([]);
    expect(hiddenWords(pdf('ckb')).hidden.map((w) => `${w.page + 1}: ${w.text}`)).toEqual([]);
  }, 300_000);

  it('control: the same fallback four times over still exits 4, naming campaign.md messages.headline and the Sorani leaflet', async () => {
    const long = Array.from({ length: 4 }, () => HEADLINE).join(' ');
    const { report } = await campaign('covers-long', { headline: long, subline: SUBLINE, cta: CTA }, ['en', 'ckb'], ['headline']);
    expect(report.exitCode).toBe(4);
    const e = report.errors.find((x) => x.code === 'render-overflow' && x.message.includes('ckb/leaflet-a5.pdf'));
    expect(path.relative(root, e?.file ?? '')).toBe('campaigns/covers-long/campaign.md');
    expect(e?.field).toBe('messages.headline');
    expect(e?.message).toMatch(/headline .*too long by about \d+%/);
  }, 300_000);
});
