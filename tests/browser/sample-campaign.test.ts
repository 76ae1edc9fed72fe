import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { build, type BuildReport } from '../../src/pipeline/run.js';
import { bundleCampaign } from '../../src/output/bundle.js';
import yauzl from 'yauzl';

function zipEntries(file: string): Promise<{ name: string; mtime: string }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: { name: string; mtime: string }[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, mtime: e.getLastModDate({ timezone: 'UTC' }).toISOString() });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
import { listFiles, missingWords, pdfFonts, pdfInfo, REPO, releaseCheck, sha256 } from '../helpers.js';
import { pdfTextByFont, words, wordsDrawnIn, wordsNotIn } from '../pdf-text-by-font.js';

/** The shipped sample campaign, built for real through Chromium, then decoded. */
const out = mkdtempSync(path.join(os.tmpdir(), 'cp-sample-'));
let report: BuildReport;
const BUNDLED = /^(NotoSans|NotoNaskhArabic|NotoNastaliqUrdu|NotoSansArabic|Vazirmatn)-/;
const campaignDir = path.join(REPO, 'campaigns', 'safe-journeys');
const dir = path.join(out, 'safe-journeys');

beforeAll(async () => {
  report = await build({ root: REPO, campaignDir, out, asOf: '2026-11-28' });
}, 300_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('sample campaign safe-journeys', () => {
  it('builds every format in all four locales, including each testimony card', () => {
    expect(report.errors).toEqual([]);
    expect(report.exitCode).toBe(0);
    const files = listFiles(dir);
    for (const l of ['en', 'ckb', 'ar', 'kmr']) {
      for (const f of [
        'poster-a3.pdf',
        'poster-a4.pdf',
        'poster-a4.png',
        'leaflet-a5.pdf',
        'social-card-square.png',
        'social-card-portrait.png',
        'social-card-story.png',
        'social-card-link.png',
        'testimony-card-square-brother-at-sea.png',
        'testimony-card-story-brother-at-sea.png',
        'testimony-card-square-returned-home.png',
        'testimony-card-story-returned-home.png',
      ]) {
        expect(files).toContain(`${l}/${f}`);
      }
    }
    expect(files).toContain('manifest.json');
    expect(files.filter((f) => f.includes('.staging') || f.includes('.tmp-'))).toEqual([]);
    expect(report.stats).toMatchObject({ planned: 48, rendered: 48, refused: 0 });
  });

  it('renders PNGs at the exact pixel sizes', async () => {
    const sizes: Record<string, [number, number]> = {
      square: [1080, 1080],
      portrait: [1080, 1350],
      story: [1080, 1920],
      link: [1200, 630],
    };
    for (const [fmt, [w, h]] of Object.entries(sizes)) {
      const m = await sharp(path.join(dir, 'ckb', `social-card-${fmt}.png`)).metadata();
      expect([m.width, m.height, m.format]).toEqual([w, h, 'png']);
    }
    const t = await sharp(path.join(dir, 'ar', 'testimony-card-story-returned-home.png')).metadata();
    expect([t.width, t.height]).toEqual([1080, 1920]);
  });

  it('makes the A3 poster 303 x 426 mm (297 x 420 plus 3 mm bleed) with a trim box', () => {
    const info = pdfInfo(path.join(dir, 'en', 'poster-a3.pdf'));
    const [w, h] = info['Page size']!.split(' x ').map((s) => Number.parseFloat(s) / (72 / 25.4));
    expect(w).toBeCloseTo(303, 1);
    expect(h).toBeCloseTo(426, 1);
    const trim = info['TrimBox']!.split(/\s+/).map(Number);
    expect((trim[2]! - trim[0]!) / (72 / 25.4)).toBeCloseTo(297, 1);
    expect((trim[3]! - trim[1]!) / (72 / 25.4)).toBeCloseTo(420, 1);
    expect(info['Tagged']).toBe('yes');
    const a5 = pdfInfo(path.join(dir, 'ckb', 'leaflet-a5.pdf'));
    // Folded in four: cover, campaign text, two testimonies (each opening its page with its content
    // warning and running on to the next), how to get help, contact.
    expect(Number(a5['Pages'])).toBe(8);
  });

  it('puts Sorani, Arabic and Kurmanji text in the PDFs', () => {
    const msg = (l: string) =>
      JSON.parse(readFileSync(path.join(REPO, 'locales', l, 'safe-journeys.json'), 'utf8')) as Record<string, string>;
    for (const l of ['ckb', 'ar', 'kmr']) {
      expect(missingWords(path.join(dir, l, 'poster-a3.pdf'), msg(l).headline!), `${l} headline`).toEqual([]);
      expect(missingWords(path.join(dir, l, 'poster-a3.pdf'), msg(l).cta!), `${l} cta`).toEqual([]);
    }
    expect(missingWords(path.join(dir, 'ckb', 'leaflet-a5.pdf'), 'دەریا براکەمی برد')).toEqual([]);
    expect(missingWords(path.join(dir, 'ar', 'leaflet-a5.pdf'), 'البحر أخذ أخي')).toEqual([]);
  });

  it('draws every glyph with a bundled font (no system font in any PDF)', () => {
    for (const f of listFiles(dir).filter((x) => x.endsWith('.pdf'))) {
      const fonts = pdfFonts(path.join(dir, f));
      expect(fonts.length).toBeGreaterThan(0);
      for (const font of fonts) {
        expect(font.name, f).toMatch(BUNDLED);
        expect(font.embedded, `${f} ${font.name}`).toBe(true);
      }
    }
  });

  it('sets Sorani and Arabic headlines in Vazirmatn (display_fonts) and Arabic text in Noto Naskh Arabic, as locales.json says', async () => {
    const msg = (l: string) =>
      JSON.parse(readFileSync(path.join(REPO, 'locales', l, 'safe-journeys.json'), 'utf8')) as Record<string, string>;
    // On the Arabic poster the display family draws the headline, every word of it and nothing
    // else; Naskh draws the subline and the call to action.
    const ar = await pdfTextByFont(path.join(dir, 'ar', 'poster-a3.pdf'));
    expect(wordsDrawnIn(ar, /^Vazirmatn-/)).toEqual(words(msg('ar').headline!));
    expect(wordsNotIn(ar, /^NotoNaskhArabic-/, msg('ar').subline!)).toEqual([]);
    expect(wordsNotIn(ar, /^NotoNaskhArabic-/, msg('ar').cta!)).toEqual([]);
    // Sorani's text face is Vazirmatn too: its headline is Vazirmatn, and no Naskh is on the poster.
    const ckb = await pdfTextByFont(path.join(dir, 'ckb', 'poster-a3.pdf'));
    expect(wordsNotIn(ckb, /^Vazirmatn-Bold/, msg('ckb').headline!)).toEqual([]);
    expect([...ckb.keys()].filter((f) => f.startsWith('NotoNaskhArabic'))).toEqual([]);
  });

  it('writes a manifest whose checksums match the files, with consent ids per asset', () => {
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      assets: { path: string; sha256: string; bytes: number; consent_ids: string[]; testimonies: string[]; template: string }[];
      built_at?: string;
    };
    expect(m.assets).toHaveLength(48);
    for (const a of m.assets) {
      const bytes = readFileSync(path.join(dir, a.path));
      expect(sha256(bytes)).toBe(a.sha256);
      expect(bytes.length).toBe(a.bytes);
    }
    const leaflet = m.assets.find((a) => a.path === 'ckb/leaflet-a5.pdf')!;
    expect(leaflet.consent_ids).toEqual(['CR-2026-EXAMPLE-0001', 'CR-2026-EXAMPLE-0002']);
    expect(m.assets.find((a) => a.path === 'en/poster-a3.pdf')!.consent_ids).toEqual([]);
    expect(m.built_at).toBeUndefined();
  });

  it('rebuilds nothing when nothing changed, and renders byte-identical files without the cache', async () => {
    const before = Object.fromEntries(listFiles(dir).map((f) => [f, sha256(readFileSync(path.join(dir, f)))]));
    const again = await build({ root: REPO, campaignDir, out, asOf: '2026-11-28', locales: ['ckb', 'en'] });
    expect(again.stats).toMatchObject({ rendered: 0, cached: 24 });
    const fresh = await build({ root: REPO, campaignDir, out, asOf: '2026-11-28', locales: ['ckb'], cache: false });
    expect(fresh.stats).toMatchObject({ rendered: 12, cached: 0 });
    const after = Object.fromEntries(listFiles(dir).map((f) => [f, sha256(readFileSync(path.join(dir, f)))]));
    expect(after).toEqual(before);
  });

  it('bundles a deterministic zip with SHA256SUMS that verify', async () => {
    const release = await releaseCheck(REPO, campaignDir, '2026-11-28');
    const a = await bundleCampaign(out, 'safe-journeys', release);
    const first = readFileSync(a.zip);
    const b = await bundleCampaign(out, 'safe-journeys', release);
    expect(a.refusals).toEqual([]);
    expect(readFileSync(b.zip).equals(first)).toBe(true);
    expect(a.entries).toBe(87); // 48 assets, the alt-text sidecars of the 36 PNGs, contact sheet, manifest, SHA256SUMS
    const check = execFileSync('sha256sum', ['-c', path.join('safe-journeys', 'SHA256SUMS')], { cwd: out, encoding: 'utf8' });
    expect(check.split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(86);
    const listing = await zipEntries(a.zip);
    expect(listing.every((e) => e.mtime === '1980-01-01T00:00:00.000Z')).toBe(true);
    expect(listing.slice(0, 2).map((e) => e.name)).toEqual(['safe-journeys/ar/leaflet-a5.pdf', 'safe-journeys/ar/poster-a3.pdf']);
    expect(listing.map((e) => e.name)).toContain('safe-journeys/index.html');
    expect(listing.at(-1)!.name).toBe('safe-journeys/SHA256SUMS');
    expect(readFileSync(`${a.zip}.sha256`, 'utf8')).toBe(`${sha256(first)}  safe-journeys.zip\n`);
  });
});
