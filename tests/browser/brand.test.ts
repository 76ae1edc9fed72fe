import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/errors.js';
import { renderDocument } from '../../src/pipeline/document.js';
import { type BuildReport, build } from '../../src/pipeline/run.js';
import { loadProject } from '../../src/pipeline/steps/load.js';
import { resolveScope } from '../../src/pipeline/steps/load.js';
import { planStep } from '../../src/pipeline/steps/plan.js';
import { RenderPool } from '../../src/render/pool.js';
import { makeProject, pdfText, pdfTextLogical, REPO, squash } from '../helpers.js';

/**
 * Issue 14's "done when", on a campaign the templates were not written for: honest-roads (a
 * partner's campaign in Urdu, Sorani, Arabic, Tajik and English) given the fictional kit
 * unity-aid (an Illustrator SVG logo, an Inkscape SVG donor logo and a PNG ministry logo) and a
 * hero photo that carries EXIF. Built through Chromium, then decoded.
 */

const FIXTURES = path.join(REPO, 'tests', 'fixtures');
const LOCALES = ['en', 'ckb', 'ar', 'ur', 'tg'];
const KIT = readFileSync(path.join(FIXTURES, 'brands', 'unity-aid.yaml'), 'utf8');
const kitText = (section: 'name' | 'label', locale: string): string => {
  const block = section === 'name' ? KIT.split('\ncolours:')[0]! : KIT.split('  label:\n')[1]!;
  const m = new RegExp(`\\n\\s+${locale}: (.+)`).exec(`\n${block}`);
  if (!m) throw new Error(`no ${section} for ${locale} in the kit`);
  return m[1]!.trim();
};

/** A bright photo (sky and field) with the photographer's name in its EXIF. */
async function heroPhoto(): Promise<Buffer> {
  const w = 1600;
  const h = 1000;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const sky = y < h * 0.55;
      const n = (((x * 7919 + y * 104729) % 97) / 97) * 30;
      px[i] = sky ? 200 + n : 120 + ((x >> 4) % 2) * 60 + n;
      px[i + 1] = sky ? 220 + n / 2 : 100 + n;
      px[i + 2] = sky ? 250 : 70 + n;
    }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .withExif({ IFD0: { Artist: 'Canary Photographer Name', ImageDescription: 'Canary Photographer Name' } })
    .jpeg()
    .toBuffer();
}

let root: string;
let cleanup: () => void;
let report: BuildReport;
let out: string;
let campaignDir: string;

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  cpSync(path.join(FIXTURES, 'layouts', 'locales'), path.join(root, 'locales'), { recursive: true });
  cpSync(path.join(FIXTURES, 'brands'), path.join(root, 'brands'), { recursive: true });
  campaignDir = path.join(root, 'campaigns', 'honest-roads');
  cpSync(path.join(FIXTURES, 'layouts', 'honest-roads'), campaignDir, { recursive: true });
  writeFileSync(path.join(campaignDir, 'assets', 'hero.jpg'), await heroPhoto());
  const md = readFileSync(path.join(campaignDir, 'campaign.md'), 'utf8')
    .replace(
      /brand:\n {2}primary: .*\n {2}accent: .*\n {2}logo: .*\n/,
      'brand: unity-aid\nhero:\n  image: assets/hero.jpg\n  licence: "Photo: example, CC BY 4.0"\n  focus: "50% 40%"\n  treatment: duotone\n',
    )
    .replace(
      /outputs:[\s\S]*?---/,
      `outputs:
  - template: poster
    formats: [a3, a4]
  - template: social-card
    formats: [square, link]
  - template: social-card
    formats: [story]
    variant: photo
  - template: testimony-card
    formats: [story]
    for_each: testimony
  - template: testimony-card
    formats: [square]
    for_each: testimony
    variant: photo
---`,
    );
  expect(md).toContain('brand: unity-aid');
  writeFileSync(path.join(campaignDir, 'campaign.md'), md);
  out = path.join(root, 'out');
  report = await build({ root, campaignDir, out, asOf: '2026-06-01', locales: LOCALES });
}, 600_000);
afterAll(() => cleanup());

const file = (p: string) => path.join(out, 'honest-roads', p);

describe('a partner campaign with a brand kit, two partner logos and a hero image', () => {
  it('builds every asset in five scripts with exit 0, the variants named in the file', () => {
    expect(report.errors.map((e) => e.message)).toEqual([]);
    expect(report.exitCode).toBe(0);
    // per locale: 2 posters + the A4 poster's PNG + 2 cards + 1 photo story + 2 testimonies x 2 card formats
    expect(report.assets).toHaveLength(5 * 10);
    const paths = report.assets.map((a) => a.path);
    expect(paths).toContain('ur/social-card-story-photo.png');
    expect(paths).toContain('ckb/testimony-card-square-photo-eleven-days.png');
    expect(paths).toContain('ckb/testimony-card-story-eleven-days.png');
  });

  it('prints the brand bar and the partner strip in the page language on every poster', () => {
    for (const l of LOCALES) {
      for (const f of ['poster-a3.pdf', 'poster-a4.pdf']) {
        const text = squash(pdfTextLogical(file(`${l}/${f}`)));
        // Nastaliq defeats word order in pdftotext; the strip's own label is short and set in Naskh-width runs.
        expect(text, `${l}/${f} name`).toContain(squash(kitText('name', l)).slice(0, l === 'ur' ? 4 : undefined));
        expect(text, `${l}/${f} funded by`).toContain(squash(kitText('label', l)).slice(0, l === 'ur' ? 3 : undefined));
        expect(text).toContain(squash('@unityaid_help'));
      }
    }
  });

  it('keeps SVG logos as vectors: the only rasters in a poster are the PNG partner logo and the hero', () => {
    for (const l of ['en', 'ar']) {
      const list = execFileSync('pdfimages', ['-list', file(`${l}/poster-a3.pdf`)], { encoding: 'utf8' })
        .split('\n')
        .slice(2)
        .filter(Boolean)
        .map((line) => line.trim().split(/\s+/))
        .map((c) => `${c[3]}x${c[4]}`)
        .sort();
      // Control: pdfimages does see rasters (the ministry PNG, 900x300, and the hero, 1600x1000).
      expect(list, l).toEqual(['1600x1000', '900x300']);
    }
  });

  it('strips the hero photo metadata', () => {
    for (const a of report.assets.filter((x) => x.output === 'pdf')) {
      expect(readFileSync(file(a.path)).includes('Canary Photographer'), a.path).toBe(false);
    }
  });

  it('prints an edition code on print assets: campaign, locale, date and the content key', () => {
    for (const a of report.assets.filter((x) => x.output === 'pdf')) {
      const text = pdfText(file(a.path)).replace(/\s+/g, ' ');
      expect(text, a.path).toContain(`honest-roads · ${a.locale} · 2026-06-01 · ${a.key!.slice(0, 8)}`);
    }
  });

  it('makes the QR code on A3 at least 60 mm (measured on the printed page), smaller on A4 (control)', async () => {
    const qrMm = async (pdf: string) => {
      const png = path.join(root, 'qr.png');
      execFileSync('pdftoppm', ['-r', '100', '-aa', 'no', '-aaVector', 'no', '-png', '-singlefile', pdf, png.replace(/\.png$/, '')]);
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      // The QR is drawn in #0b1a24 (templates/_shared/base.css) and nothing else is.
      let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
      for (let y = 0; y < info.height; y++)
        for (let x = 0; x < info.width; x++) {
          const i = (y * info.width + x) * 3;
          if (Math.abs(data[i]! - 11) <= 2 && Math.abs(data[i + 1]! - 26) <= 2 && Math.abs(data[i + 2]! - 36) <= 2) {
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x);
            y1 = Math.max(y1, y);
          }
        }
      return Math.min(x1 - x0 + 1, y1 - y0 + 1) * (25.4 / 100);
    };
    for (const l of LOCALES) expect(await qrMm(file(`${l}/poster-a3.pdf`)), l).toBeGreaterThanOrEqual(60);
    const a4 = await qrMm(file('en/poster-a4.pdf'));
    expect(a4).toBeGreaterThan(30);
    expect(a4).toBeLessThan(60);
  });

  it('puts the toned hero under the photo story card (many tones) and not under the message card (flat)', async () => {
    // The bottom 340 px of a story are background only: the hero shows there, or the flat brand colour.
    const tones = async (p: string) => {
      const { data } = await sharp(file(p))
        .removeAlpha()
        .extract({ left: 0, top: 1600, width: 1000, height: 320 })
        .raw()
        .toBuffer({ resolveWithObject: true });
      return new Set(Array.from({ length: data.length / 3 }, (_, i) => data.readUIntBE(i * 3, 3))).size;
    };
    expect(await tones('ar/social-card-story-photo.png')).toBeGreaterThan(8);
    expect(report.assets.some((a) => a.path === 'ar/social-card-story.png')).toBe(false);
    const flat = await sharp(file('ar/social-card-square.png'))
      .removeAlpha()
      .extract({ left: 0, top: 1030, width: 1000, height: 50 })
      .raw()
      .toBuffer();
    expect(new Set(Array.from({ length: flat.length / 3 }, (_, i) => flat.readUIntBE(i * 3, 3))).size).toBeLessThan(4);
  });
});

describe('pages as Chromium lays them out', () => {
  it('mirrors directional icons in RTL only, never the phone; the warning panel opens the testimony card', async () => {
    const project = loadProject(root, campaignDir);
    const diag = new Diagnostics();
    const scope = resolveScope(project, { asOf: '2026-06-01', locales: LOCALES });
    const planned = await planStep(project, scope, { root, skipRefused: false, strict: false }, diag);
    const pool = new RenderPool(planned.images!.memory, { concurrency: 1 });
    try {
      const layOut = async (rel: string) => {
        const keyed = planned.jobs.find((k) => k.job.relPath === rel)!;
        const doc = renderDocument(keyed.job, planned.inputs!, keyed.key);
        return pool.run(rel, async (page) => {
          await page.setViewport({ width: 1080, height: 1920 });
          await page.setContent(doc.html, { waitUntil: 'load' });
          return page.evaluate(() => {
            const t = (sel: string) => {
              const el = document.querySelector(sel);
              return el ? getComputedStyle(el).transform : 'absent';
            };
            const panel = document.querySelector('.cw-panel');
            const quote = document.querySelector('.quote');
            const safe = document.querySelector('.safe')!.getBoundingClientRect();
            return {
              arrow: t('.icon-arrow-right'),
              phone: t('.icon-phone'),
              globe: t('.icon-globe'),
              partners: Array.from(document.querySelectorAll<HTMLImageElement>('img.partner')).map((i) => [i.alt, i.naturalWidth > 0]),
              panel: panel
                ? {
                    text: panel.textContent!.trim(),
                    beforeQuote: quote ? panel.getBoundingClientRect().bottom <= quote.getBoundingClientRect().top : false,
                    widthShare: panel.getBoundingClientRect().width / safe.width,
                    height: panel.getBoundingClientRect().height,
                  }
                : null,
            };
          });
        });
      };
      const mirrored = 'matrix(-1, 0, 0, 1, 0, 0)';
      for (const l of ['ar', 'ckb', 'ur']) {
        const card = await layOut(`${l}/social-card-square.png`);
        expect(card.arrow, l).toBe(mirrored);
        expect(card.phone, l).toBe('none');
        expect(card.globe, l).toBe('none');
        expect(card.partners).toEqual([
          ['Northern Donor Fund', true],
          ['Ministry of Example Affairs', true],
        ]);
      }
      for (const l of ['en', 'tg']) expect((await layOut(`${l}/social-card-square.png`)).arrow, l).toBe('none');
      const common = (l: string) => JSON.parse(readFileSync(path.join(root, 'locales', l, 'common.json'), 'utf8'));
      const withWarning = project.campaign.testimonies.find((t) => t.data.content_warning !== 'none');
      expect(withWarning, 'the fixture has a testimony with a content warning').toBeDefined();
      for (const l of ['ckb', 'en', 'ur']) {
        for (const f of ['story', 'square-photo']) {
          const { panel } = await layOut(`${l}/testimony-card-${f}-${withWarning!.id}.png`);
          expect(panel, `${l} ${f}`).not.toBeNull();
          expect(panel!.text).toBe(common(l).content_warning[withWarning!.data.content_warning]);
          expect(panel!.beforeQuote, `${l} ${f}`).toBe(true);
          // A panel, not a pill: across the text column and at least two lines of small type tall.
          expect(panel!.widthShare, `${l} ${f}`).toBeGreaterThan(0.45);
          expect(panel!.height, `${l} ${f}`).toBeGreaterThan(70);
        }
      }
    } finally {
      await pool.close();
    }
  }, 300_000);
});

describe('raster logos below print resolution', () => {
  it('warns, naming the kit field and the ppi it prints at; the same logo at 3x the pixels does not (control)', async () => {
    const small = await sharp(path.join(FIXTURES, 'brands', 'unity-aid', 'ministry.png'))
      .resize({ width: 300 })
      .png()
      .toBuffer();
    const run = async (png: Buffer) => {
      writeFileSync(path.join(root, 'brands', 'unity-aid', 'ministry.png'), png);
      const r = await build({
        root,
        campaignDir,
        out: path.join(root, 'out-ppi'),
        asOf: '2026-06-01',
        locales: ['en'],
        only: ['poster:a3'],
      });
      expect(r.errors).toEqual([]);
      return r.warnings.filter((w) => w.code === 'image-resolution-low');
    };
    const low = await run(small);
    expect(low).toHaveLength(1);
    expect(low[0]).toMatchObject({ field: 'partners.logos[1].logo' });
    expect(low[0]!.file).toMatch(/brands\/unity-aid\.yaml$/);
    // 100 px tall at about 17.8 mm: about 143 ppi.
    expect(low[0]!.message).toMatch(
      /en\/poster-a3\.pdf: brands\/unity-aid\/ministry\.png \(300×100 px\) prints at 1[2-6]\d ppi; print needs 300/,
    );
    expect(await run(readFileSync(path.join(FIXTURES, 'brands', 'unity-aid', 'ministry.png')))).toEqual([]);
  }, 300_000);
});
