import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildReport, build } from '../../src/pipeline/run.js';
import { campaignMd, logicalOrder, makeProject, REPO, squash, testimonyMd, writeFiles } from '../helpers.js';
import { wordBoxes } from '../ink.js';

/**
 * Leaflets that fold: an A5 leaflet is printed on sheets folded in four, so its page count is a
 * multiple of 4. The text flows across pages, short testimonies share one, a testimony with a
 * content warning opens its page with a warning panel, and padding is a real panel, never blank.
 */

const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'layouts');

function pages(pdf: string): number {
  return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
}

/** Each page's text in logical order (right-to-left runs put back, as pdfTextLogical does). */
function pageTexts(pdf: string): string[] {
  return execFileSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' }).split('\f').slice(0, pages(pdf)).map(logicalOrder);
}

function pageText(pdf: string, n: number): string {
  return pageTexts(pdf)[n - 1] ?? '';
}

/** Share of each page's pixels (grey, 30 dpi) that differ clearly from the page's commonest value: its ink. */
function inkShares(pdf: string): number[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-ink-'));
  try {
    execFileSync('pdftoppm', ['-r', '30', '-gray', pdf, path.join(dir, 'p')]);
    return readdirSync(dir)
      .sort()
      .map((f) => {
        const pgm = readFileSync(path.join(dir, f));
        // P5 header: magic, width, height, maxval, then one byte per pixel.
        const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.toString('latin1', 0, 40))!;
        const px = pgm.subarray(header[0].length);
        const counts = new Array<number>(256).fill(0);
        for (const v of px) counts[v]!++;
        const ground = counts.indexOf(Math.max(...counts));
        let ink = 0;
        for (const v of px) if (Math.abs(v - ground) > 40) ink++;
        return ink / px.length;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function inkShare(pdf: string, n: number): number {
  return inkShares(pdf)[n - 1] ?? 0;
}

/** The 1-based page on which a text (squashed, so Arabic-script extraction order does not matter) first appears. */
function pageOf(pdf: string, text: string): number {
  return pageTexts(pdf).findIndex((t) => squash(t).includes(squash(text))) + 1 || -1;
}

describe('leaflets of the sample and of a partner campaign fold', () => {
  let root: string;
  let cleanup: () => void;
  const reports: Record<string, BuildReport> = {};
  const leaflets: string[] = [];

  beforeAll(async () => {
    ({ root, cleanup } = makeProject());
    cpSync(path.join(FIXTURE, 'honest-roads'), path.join(root, 'campaigns', 'honest-roads'), { recursive: true });
    cpSync(path.join(FIXTURE, 'locales'), path.join(root, 'locales'), { recursive: true });
    cpSync(path.join(REPO, 'campaigns', 'safe-journeys'), path.join(root, 'campaigns', 'safe-journeys'), { recursive: true });
    for (const id of ['honest-roads', 'safe-journeys']) {
      reports[id] = await build({
        root,
        campaignDir: path.join(root, 'campaigns', id),
        out: path.join(root, 'out'),
        asOf: '2026-06-01',
        only: ['leaflet'],
      });
      for (const a of reports[id]!.assets) leaflets.push(path.join(root, 'out', id, a.path));
    }
  }, 300_000);
  afterAll(() => cleanup());

  it('builds every leaflet, each A5 booklet with a multiple of 4 pages', () => {
    for (const r of Object.values(reports)) expect(r.errors.map((e) => e.message)).toEqual([]);
    // honest-roads: 6 locales × (A5 + trifold); safe-journeys: 4 locales × A5.
    expect(leaflets).toHaveLength(16);
    const a5 = leaflets.filter((f) => f.endsWith('leaflet-a5.pdf'));
    expect(a5).toHaveLength(10);
    const counts = a5.map((f) => `${path.relative(root, f)}: ${pages(f)}`);
    for (const f of a5) expect(pages(f) % 4, counts.join('\n')).toBe(0);
  });

  it('puts ink and words on every page: padding is a real panel, never blank', () => {
    for (const f of leaflets) {
      const lng = path.basename(path.dirname(f));
      const labels = (
        JSON.parse(readFileSync(path.join(REPO, 'locales', lng, 'common.json'), 'utf8')) as { leaflet: Record<string, string> }
      ).leaflet;
      let padPages = 0;
      const texts = pageTexts(f);
      const inks = inkShares(f);
      expect(inks).toHaveLength(texts.length);
      for (let p = 1; p <= texts.length; p++) {
        const text = texts[p - 1]!;
        const words = text.split(/\s+/).filter((w) => /\p{L}/u.test(w));
        const where = `${path.relative(root, f)} page ${p}`;
        expect(words.length, where).toBeGreaterThan(8);
        expect(inks[p - 1], where).toBeGreaterThan(0.002);
        // A padding panel is a whole panel: its heading, its text, and a good share of ink.
        if ([labels.keep_heading!, labels.stories_heading!].some((h) => squash(text).includes(squash(h)))) {
          padPages++;
          expect(inks[p - 1], where).toBeGreaterThan(0.01);
        }
      }
      if (f.endsWith('leaflet-a5.pdf')) expect(padPages, `${path.relative(root, f)}: padding pages`).toBeGreaterThan(0);
    }
    // Control for the ink measure: a blank page has none.
    expect(inkShareOfBlank(root)).toBeLessThan(0.001);
  }, 300_000);

  it('closes the inside pages with how to get help, and pads with panels in the page language', () => {
    const en = path.join(root, 'out', 'honest-roads', 'en', 'leaflet-a5.pdf');
    const ckb = path.join(root, 'out', 'honest-roads', 'ckb', 'leaflet-a5.pdf');
    expect(pageOf(en, 'How to get help')).toBeGreaterThan(1);
    expect(pageOf(ckb, 'چۆن یارمەتی وەربگریت')).toBeGreaterThan(1);
    expect(pageOf(en, 'Keep this number')).toBeGreaterThan(1);
    expect(pageOf(ckb, 'ئەم ژمارەیە لای خۆت هەڵبگرە')).toBeGreaterThan(1);
    // Control: the Sorani leaflet does not carry the English panels.
    expect(pageOf(ckb, 'How to get help')).toBe(-1);
    expect(pageOf(ckb, 'Keep this number')).toBe(-1);
  });

  it('opens a testimony with a content warning on its own page, the warning panel first, in the page language', () => {
    for (const [lng, warning, title] of [
      ['en', 'Before you read', "My son's last call came from a boat at night"],
      ['ckb', 'پێش خوێندنەوە', 'دوایین پەیوەندیی کوڕەکەم شەو لە بەلەمێکەوە بوو'],
    ] as const) {
      const pdf = path.join(root, 'out', 'honest-roads', lng, 'leaflet-a5.pdf');
      const titlePage = pageOf(pdf, title.split(' ').slice(0, 3).join(' '));
      expect(titlePage, `${lng} title`).toBeGreaterThan(1);
      expect(pageOf(pdf, warning), `${lng} warning`).toBe(titlePage);
      // The panel stands above the story: its first word's box is higher on the page than the title's.
      const { words } = wordBoxes(pdf);
      const onPage = words.filter((w) => w.page === titlePage - 1);
      // pdftotext -bbox writes a right-to-left word with its letters in visual order.
      const same = (w: string, s: string) => squash(w) === squash(s) || squash([...w].reverse().join('')) === squash(s);
      const top = (s: string) => Math.min(...onPage.filter((w) => same(w.text, s)).map((w) => w.yMin));
      const warningTop = top(warning.split(' ')[0]!);
      const titleTop = top(title.split(' ')[0]!);
      expect(warningTop).toBeLessThan(titleTop);
      // Nothing of another story stands above the panel on its page.
      expect(onPage.filter((w) => w.yMin < warningTop - 1).map((w) => w.text)).toEqual([]);
    }
    // Control: the testimony without a warning has no panel before it.
    const en = path.join(root, 'out', 'honest-roads', 'en', 'leaflet-a5.pdf');
    const first = pageOf(en, 'We waited eleven days');
    expect(pageText(en, first)).not.toContain('Before you read');
  });

  it('sets the hotline number on the Urdu A5 cover at the Latin size of the English one, read from the PDF', () => {
    // The number is Noto Sans in every locale: the Nastaliq type scale (0.85) is not its own. Before:
    // the Urdu number was 85% of the English one in width and height (honest-roads, a full cover).
    const hotline = '+92 51 111 222 333';
    const en = coverHotline(path.join(root, 'out', 'honest-roads', 'en', 'leaflet-a5.pdf'), hotline);
    for (const lng of ['ur', 'ps', 'ckb', 'ar', 'tg']) {
      const other = coverHotline(path.join(root, 'out', 'honest-roads', lng, 'leaflet-a5.pdf'), hotline);
      expect(Math.abs(other.width / en.width - 1), `${lng} width`).toBeLessThan(0.02);
      expect(Math.abs(other.height / en.height - 1), `${lng} height`).toBeLessThan(0.02);
    }
  });

  it('keeps the cover hotline out of the bottom margin in every locale: the head and its headline give way, not the margin', () => {
    // The cover keeps 8 units (8% of the 148 mm trim width) between its content and the trim.
    // Before: the intro was squeezed into its own bottom padding, so the honest-roads number ended
    // 1.8 mm above the trim in English (its box crossed it) and 4.9 mm in the English sample.
    const margin = 0.08 * 148 * MM;
    for (const f of leaflets.filter((x) => x.endsWith('leaflet-a5.pdf'))) {
      const campaign = path.basename(path.dirname(path.dirname(f)));
      const hotline = /hotline: "([^"]+)"/.exec(readFileSync(path.join(root, 'campaigns', campaign, 'campaign.md'), 'utf8'))![1]!;
      const { bottom } = coverHotline(f, hotline);
      const trimBottom = pageHeightPt(f) - 3 * MM;
      expect(trimBottom - bottom, path.relative(root, f)).toBeGreaterThanOrEqual(margin);
    }
  });

  it('prints the trifold on 2 A4 landscape pages (303 x 216 mm with bleed)', () => {
    for (const lng of ['en', 'ur', 'ps', 'ckb', 'ar', 'tg']) {
      const pdf = path.join(root, 'out', 'honest-roads', lng, 'leaflet-a4-trifold.pdf');
      const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
      expect(pages(pdf), lng).toBe(2);
      const [w, h] = /Page size:\s+([\d.]+) x ([\d.]+)/
        .exec(info)!
        .slice(1)
        .map((v) => Number(v) / (72 / 25.4));
      expect(w).toBeCloseTo(303, 0);
      expect(h).toBeCloseTo(216, 0);
    }
  });

  it('puts the trifold front cover on the right of the outside in English and on the left in Sorani', () => {
    // The headline's words, as pdftotext -bbox writes them (right-to-left words in visual order).
    const panelOf = (lng: string, word: string) => {
      const pdf = path.join(root, 'out', 'honest-roads', lng, 'leaflet-a4-trifold.pdf');
      const { words, pageWidthPt } = wordBoxes(pdf);
      const hits = words.filter(
        (w) => w.page === 0 && (squash(w.text) === squash(word) || squash([...w.text].reverse().join('')) === squash(word)),
      );
      expect(hits.length, `${lng} "${word}"`).toBeGreaterThan(0);
      const third = pageWidthPt[0]! / 3;
      return hits.map((w) => Math.floor((w.xMin + w.xMax) / 2 / third));
    };
    // Panels: 0 left, 1 middle, 2 right.
    expect(new Set(panelOf('en', "smuggler's"))).toEqual(new Set([2]));
    expect(new Set(panelOf('ckb', 'قاچاخچی'))).toEqual(new Set([0]));
    // The inside opens on the campaign text: its heading is in the first panel read (left in
    // English, right in Sorani) on page 2.
    const insideOf = (lng: string, title: string) => {
      const pdf = path.join(root, 'out', 'honest-roads', lng, 'leaflet-a4-trifold.pdf');
      const { words, pageWidthPt } = wordBoxes(pdf);
      const first = title.split(' ')[0]!;
      const hits = words.filter(
        (w) => w.page === 1 && (squash(w.text) === squash(first) || squash([...w.text].reverse().join('')) === squash(first)),
      );
      return new Set(hits.map((w) => Math.floor((w.xMin + w.xMax) / 2 / (pageWidthPt[1]! / 3))));
    };
    expect(insideOf('en', 'honest')).toEqual(new Set([0]));
    expect(insideOf('ckb', 'ڕاستگۆیانە')).toEqual(new Set([2]));
  });
});

const MM = 72 / 25.4;

function pageHeightPt(pdf: string): number {
  return Number(/Page size:\s+[\d.]+ x ([\d.]+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
}

/** The hotline number on a leaflet's cover (page 1) as poppler finds it: its digit groups' box, in pt. */
function coverHotline(pdf: string, hotline: string): { width: number; height: number; bottom: number } {
  const groups = hotline.split(' ');
  const found = wordBoxes(pdf).words.filter((w) => w.page === 0 && groups.includes(w.text));
  // Every group once: a measure that found nothing cannot pass.
  expect(found.map((w) => w.text).sort(), pdf).toEqual([...groups].sort());
  return {
    width: Math.max(...found.map((w) => w.xMax)) - Math.min(...found.map((w) => w.xMin)),
    height: Math.max(...found.map((w) => w.yMax)) - Math.min(...found.map((w) => w.yMin)),
    bottom: Math.max(...found.map((w) => w.yMax)),
  };
}

function inkShareOfBlank(root: string): number {
  const blank = path.join(root, 'blank.pdf');
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    '-g420x595',
    `-sOutputFile=${blank}`,
    '-c',
    'showpage',
  ]);
  return inkShare(blank, 1);
}

describe('text flows across pages', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => ({ root, cleanup } = makeProject()));
  afterAll(() => cleanup());

  const paragraph = (i: number) =>
    `Paragraph ${i} begins here. The smuggler said the road was short and the boat was safe, and we believed him because we had nobody else to ask. We paid in three parts, and each time the price went up.`;

  it('splits a long testimony across pages, short ones share a page, and the page count stays a multiple of 4', async () => {
    const dir = path.join(root, 'campaigns', 'long-story');
    const long = Array.from({ length: 14 }, (_, i) => paragraph(i + 1)).join('\n\n');
    writeFiles(dir, {
      'campaign.md': campaignMd({ id: 'long-story', outputs: '  - template: leaflet\n    formats: [a5]' }),
      'testimonies/long.md': testimonyMd({ id: 'long', body: long }),
      'testimonies/short-one.md': testimonyMd({ id: 'short-one', body: 'SHORTONE went to the border and came back.' }).replace(
        'CR-TEST-0001',
        'CR-TEST-0002',
      ),
      'testimonies/short-two.md': testimonyMd({ id: 'short-two', body: 'SHORTTWO stayed home and studied.' }).replace(
        'CR-TEST-0001',
        'CR-TEST-0003',
      ),
    });
    const out = path.join(root, 'out');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(report.errors.map((e) => e.message)).toEqual([]);
    const pdf = path.join(out, 'long-story', 'en', 'leaflet-a5.pdf');
    expect(pages(pdf) % 4).toBe(0);
    const first = pageOf(pdf, 'Paragraph 1 begins');
    const last = pageOf(pdf, 'Paragraph 14 begins');
    expect(first).toBeGreaterThan(1);
    expect(last).toBeGreaterThan(first);
    // Every paragraph is printed once, in order (none lost at a page break).
    const text = squash(Array.from({ length: pages(pdf) }, (_, i) => pageText(pdf, i + 1)).join('\n'));
    let at = -1;
    for (let i = 1; i <= 14; i++) {
      const next = text.indexOf(squash(`Paragraph ${i} begins`));
      expect(next, `paragraph ${i}`).toBeGreaterThan(at);
      at = next;
    }
    expect(pageOf(pdf, 'SHORTONE')).toBe(pageOf(pdf, 'SHORTTWO'));
  }, 120_000);

  it('a campaign with no description and no testimony still folds: cover, two panels, back', async () => {
    const dir = path.join(root, 'campaigns', 'bare');
    writeFiles(dir, { 'campaign.md': campaignMd({ id: 'bare', outputs: '  - template: leaflet\n    formats: [a5]', body: '' }) });
    const out = path.join(root, 'out-bare');
    const report = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(report.errors.map((e) => e.message)).toEqual([]);
    const pdf = path.join(out, 'bare', 'en', 'leaflet-a5.pdf');
    expect(pages(pdf)).toBe(4);
    for (let p = 1; p <= 4; p++) expect(inkShare(pdf, p), `page ${p}`).toBeGreaterThan(0.01);
  }, 120_000);
});
