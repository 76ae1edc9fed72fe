import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/run.js';
import { bundleCampaign, mergeShards } from '../../src/output/bundle.js';
import {
  campaignMd,
  listFiles,
  makeProject,
  missingLetters,
  missingWords,
  pdfFonts,
  pdfTextLogical,
  REPO,
  releaseCheck,
  writeFiles,
} from '../helpers.js';

/**
 * A campaign written for this test, in Pashto, Tajik, Urdu, Sorani and Arabic, built with the
 * shipped templates and locales. Then the two ways a page goes wrong: a glyph no bundled font
 * has, and a template that reaches for the network.
 */
const messages: Record<string, Record<string, string>> = {
  ps: {
    title: 'خوندي سفر',
    headline: 'قاچاقبر دروغ پلوري. مخکې له تګه حقیقت وپېژنئ.',
    subline: 'سمندر، پوله او پور ریښتیا دي. ژمنې یې نه دي.',
    cta: 'وړیا مرستندویه کرښې ته زنګ ووهئ',
  },
  tg: {
    title: 'Сафари бехатар',
    headline: 'Қочоқчиён дурӯғ мефурӯшанд. Пеш аз рафтан ҳақиқатро донед.',
    subline: 'Баҳр, сарҳад ва қарз воқеӣ ҳастанд. Ваъдаҳо не.',
    cta: 'Ба хати ройгон занг занед',
  },
  ur: {
    title: 'محفوظ سفر',
    headline: 'اسمگلر جھوٹ بیچتے ہیں۔ جانے سے پہلے سچ جانیں۔',
    subline: 'سمندر، سرحد اور قرض حقیقی ہیں۔ وعدے نہیں۔',
    cta: 'مفت ہیلپ لائن پر کال کریں',
  },
  ckb: {
    title: 'گەشتی سەلامەت',
    headline: 'قاچاخچییەکان درۆ دەفرۆشن. ڕاستییەکە بزانە.',
    subline: 'دەریا و سنوور ڕاستین.',
    cta: 'پەیوەندی بە هێڵی بێبەرامبەر بکە',
  },
  ar: {
    title: 'رحلة آمنة',
    headline: 'المهربون يبيعون الأكاذيب. اعرف الحقيقة قبل أن ترحل.',
    subline: 'البحر والحدود حقيقية.',
    cta: 'اتصل بخط المساعدة المجاني',
  },
};
let root: string;
let cleanup: () => void;

beforeAll(() => ({ root, cleanup } = makeProject()));
afterAll(() => cleanup());

function setup(id: string, locales: string[], outputs: string, msgs = messages) {
  const en = { headline: 'Know the truth before you go.', subline: 'The sea is real.', cta: 'Call the free helpline' };
  writeFiles(path.join(root, 'campaigns', id), { 'campaign.md': campaignMd({ id, locales: ['en', ...locales], messages: en, outputs }) });
  for (const l of locales) writeFiles(path.join(root, 'locales', l), { [`${id}.json`]: JSON.stringify(msgs[l]) });
  return path.join(root, 'campaigns', id);
}

describe('scripts', () => {
  it('builds Pashto, Tajik, Urdu, Sorani and Arabic with bundled fonts, and the text reads back', async () => {
    const dir = setup(
      'scripts',
      ['ps', 'tg', 'ur', 'ckb', 'ar'],
      '  - template: poster\n    formats: [a4]\n  - template: social-card\n    formats: [square]',
    );
    const out = path.join(root, 'out');
    const r = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(listFiles(path.join(out, 'scripts')).filter((f) => f.endsWith('.pdf'))).toHaveLength(6);
    for (const l of ['ps', 'tg', 'ur', 'ckb', 'ar']) {
      const pdf = path.join(out, 'scripts', l, 'poster-a4.pdf');
      // Naskh (ar) and Nastaliq (ur) shift letters off the baseline, so pdftotext may break words
      // across its lines depending on the layout: check their letters here, words in sample-campaign.
      if (l === 'ur' || l === 'ar') expect(missingLetters(pdf, messages[l]!.headline!), `${l} headline letters`).toEqual([]);
      else expect(missingWords(pdf, messages[l]!.headline!), `${l} headline`).toEqual([]);
      for (const f of pdfFonts(pdf))
        expect(f.name, `${l} ${f.name}`).toMatch(/^(NotoSans|NotoSansArabic|NotoNaskhArabic|NotoNastaliqUrdu|Vazirmatn)-/);
      const png = await sharp(path.join(out, 'scripts', l, 'social-card-square.png')).metadata();
      expect([png.width, png.height]).toEqual([1080, 1080]);
    }
    expect(pdfFonts(path.join(out, 'scripts', 'ur', 'poster-a4.pdf')).some((f) => f.name.startsWith('NotoNastaliqUrdu'))).toBe(true);
    // Tajik's extended Cyrillic (ӯ, ҳ, қ) comes from Noto Sans, not a system font.
    expect(pdfFonts(path.join(out, 'scripts', 'tg', 'poster-a4.pdf')).every((f) => f.name.startsWith('NotoSans'))).toBe(true);
  });

  it('fails with exit 4 and writes nothing when a glyph is missing from the bundled fonts', async () => {
    // Georgian is in no font the Arabic-script or Latin locales bundle.
    const dir = setup('glyph', ['ar'], '  - template: social-card\n    formats: [square]', {
      ar: { ...messages.ar!, headline: 'المهربون يبيعون الأكاذيب ქართული' },
    });
    const out = path.join(root, 'out-glyph');
    const r = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(r.exitCode).toBe(4);
    const e = r.errors.find((x) => x.code === 'render-glyph-fallback');
    expect(e?.message).toMatch(/ar\/social-card-square\.png/);
    // Either layer may catch it: Chromium's report of a system font, or the bundled cmaps.
    expect(e?.message).toContain('ქ');
    expect(listFiles(out)).toEqual([]);
  });

  it('fails closed when Chromium can draw no text at all (a machine without any font)', async () => {
    const conf = path.join(root, 'fonts-none.conf');
    writeFileSync(
      conf,
      `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><cachedir>${path.join(root, 'fc-cache')}</cachedir></fontconfig>`,
    );
    const dir = setup('nofonts', [], '  - template: social-card\n    formats: [square]');
    const out = path.join(root, 'out-nofonts');
    const saved = process.env.FONTCONFIG_FILE;
    process.env.FONTCONFIG_FILE = conf;
    try {
      const r = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
      expect(r.exitCode).toBe(4);
      expect(r.errors[0]?.message).toMatch(/en\/social-card-square\.png: Chromium laid out none of the page text/);
      expect(r.errors[0]?.hint).toMatch(/fonts-dejavu-core/);
      expect(listFiles(out)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.FONTCONFIG_FILE;
      else process.env.FONTCONFIG_FILE = saved;
    }
  });

  // The page check refuses such a template before Chromium starts; that interception still
  // blocks and reports what gets past it is proven in network.test.ts on raw hostile pages.
  it('refuses a template that loads from the network before rendering, exit 2, nothing written', async () => {
    writeFiles(path.join(root, 'templates', 'leaky'), {
      'template.json': JSON.stringify({
        description: 'x',
        channel: 'social',
        output: 'png',
        formats: { sq: { width: 200, height: 200, unit: 'px' } },
      }),
      'template.hbs': '<main class="page"><img src="{{url campaign.contact.url}}" alt=""><p>{{t "campaign:headline"}}</p></main>',
    });
    const dir = setup('leaky', [], '  - template: leaky');
    const out = path.join(root, 'out-leaky');
    const r = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(r.exitCode).toBe(2);
    expect(r.errors.map((e) => e.code)).toContain('template-unsafe');
    expect(r.errors.find((e) => e.code === 'template-unsafe')!.message).toContain('"https://example.org/test"');
    expect(listFiles(out)).toEqual([]);
  });

  it('builds the pseudo-locales en-XA and ar-XB, writing the assets and reporting where layouts break', async () => {
    const dir = setup('pseudo', [], '  - template: social-card\n    formats: [square, link]\n  - template: poster\n    formats: [a4]');
    const out = path.join(root, 'out-pseudo');
    const r = await build({ root, campaignDir: dir, out, asOf: '2026-06-01', locales: ['en-XA', 'ar-XB'] });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(listFiles(path.join(out, 'pseudo'))).toEqual([
      'ar-XB/poster-a4.pdf',
      'ar-XB/poster-a4.png',
      'ar-XB/poster-a4.png.alt.txt',
      'ar-XB/social-card-link.png',
      'ar-XB/social-card-link.png.alt.txt',
      'ar-XB/social-card-square.png',
      'ar-XB/social-card-square.png.alt.txt',
      'en-XA/poster-a4.pdf',
      'en-XA/poster-a4.png',
      'en-XA/poster-a4.png.alt.txt',
      'en-XA/social-card-link.png',
      'en-XA/social-card-link.png.alt.txt',
      'en-XA/social-card-square.png',
      'en-XA/social-card-square.png.alt.txt',
      'index.html',
      'manifest.json',
    ]);
    // Line breaks are the layout's (headlines are balanced); the words are what must read back.
    const text = pdfTextLogical(path.join(out, 'pseudo', 'en-XA', 'poster-a4.pdf')).replace(/\s+/g, ' ');
    expect(text).toContain('Ķñöŵ ťĥé ťřüťĥ');
    expect(r.warnings.every((w) => w.code === 'render-overflow')).toBe(true);
  });

  it('shards cover the plan disjointly, and merged shards bundle to the same bytes as one build', async () => {
    const dir = setup(
      'sharded',
      ['ckb', 'ar'],
      '  - template: social-card\n    formats: [square, link]\n  - template: poster\n    formats: [a4]',
    );
    const whole = await build({ root, campaignDir: dir, out: path.join(root, 'sh-whole'), asOf: '2026-06-01' });
    expect(whole.exitCode).toBe(0);
    const one = await build({ root, campaignDir: dir, out: path.join(root, 'sh-1'), asOf: '2026-06-01', shard: { index: 1, count: 2 } });
    const two = await build({ root, campaignDir: dir, out: path.join(root, 'sh-2'), asOf: '2026-06-01', shard: { index: 2, count: 2 } });
    const p1 = one.assets.map((a) => a.path);
    const p2 = two.assets.map((a) => a.path);
    expect(p1.filter((p) => p2.includes(p))).toEqual([]);
    expect([...p1, ...p2].sort()).toEqual(whole.assets.map((a) => a.path).sort());
    expect(p1.length).toBeGreaterThan(0);
    expect(p2.length).toBeGreaterThan(0);
    const check = await releaseCheck(root, dir, '2026-06-01');
    const a = await bundleCampaign(path.join(root, 'sh-whole'), 'sharded', check);
    await mergeShards([path.join(root, 'sh-1'), path.join(root, 'sh-2')], path.join(root, 'sh-merged'), check);
    const b = await bundleCampaign(path.join(root, 'sh-merged'), 'sharded', check);
    // The merged folder's contact sheet and manifest are the one build's, byte for byte.
    for (const f of ['index.html', 'manifest.json'])
      expect(
        readFileSync(path.join(root, 'sh-merged', 'sharded', f)).equals(readFileSync(path.join(root, 'sh-whole', 'sharded', f))),
        f,
      ).toBe(true);
    expect(b.sha256).toBe(a.sha256);
    await expect(mergeShards([path.join(root, 'sh-1'), path.join(root, 'sh-1')], path.join(root, 'sh-bad'), check)).rejects.toThrow(
      /in two shards/,
    );
  });

  it('encodes JPEG and WebP formats with sharp at the exact size', async () => {
    writeFiles(path.join(root, 'templates', 'social-card'), {
      'template.json': JSON.stringify({
        ...JSON.parse(readFileSync(path.join(root, 'templates', 'social-card', 'template.json'), 'utf8')),
        formats: {
          square: { width: 1080, height: 1080, unit: 'px', output: 'jpeg' },
          link: { width: 1200, height: 630, unit: 'px', output: 'webp' },
        },
      }),
    });
    const dir = setup('encodings', [], '  - template: social-card');
    const out = path.join(root, 'out-enc');
    const r = await build({ root, campaignDir: dir, out, asOf: '2026-06-01' });
    expect(r.exitCode).toBe(0);
    const jpg = await sharp(path.join(out, 'encodings', 'en', 'social-card-square.jpg')).metadata();
    expect([jpg.format, jpg.width, jpg.height, jpg.exif]).toEqual(['jpeg', 1080, 1080, undefined]);
    const webp = await sharp(path.join(out, 'encodings', 'en', 'social-card-link.webp')).metadata();
    expect([webp.format, webp.width, webp.height]).toEqual(['webp', 1200, 630]);
    writeFiles(path.join(root, 'templates', 'social-card'), {
      'template.json': readFileSync(path.join(REPO, 'templates', 'social-card', 'template.json')),
    });
  });

  it('a clean build makes no request outside the in-memory allowlist', async () => {
    const dir = setup('clean', ['ckb'], '  - template: social-card\n    formats: [link]');
    const r = await build({ root, campaignDir: dir, out: path.join(root, 'out-clean'), asOf: '2026-06-01' });
    expect(r.exitCode).toBe(0);
    expect(r.errors.filter((e) => e.code === 'render-blocked-request')).toEqual([]);
  });
});
