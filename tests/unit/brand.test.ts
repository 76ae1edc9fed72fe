import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCampaign } from '../../src/campaign/load.js';
import { CampaignPressError, catalog, ValidationErrors } from '../../src/errors.js';
import { loadLocaleTable } from '../../src/i18n/table.js';
import { contrastRatio, heroTones } from '../../src/pipeline/contrast.js';
import { loadIcons } from '../../src/templates/icons.js';
import { SvgRefused, sanitizeSvg } from '../../src/util/svg.js';
import { campaignMd, makeProject, REPO, writeFiles } from '../helpers.js';

const BRANDS = path.join(REPO, 'tests', 'fixtures', 'brands');
const hostile = (name: string) => readFileSync(path.join(BRANDS, 'hostile', name), 'utf8');
const refusal = (text: string): string => {
  try {
    sanitizeSvg(text);
  } catch (e) {
    if (e instanceof SvgRefused) return e.message;
    throw e;
  }
  return '';
};

describe('SVG logos: parsed, rebuilt from an allow-list, refused when they could run or load', () => {
  it('keeps an Illustrator export as vectors: gradient, classes, clip paths survive; editor data does not', () => {
    const { svg, viewBox } = sanitizeSvg(readFileSync(path.join(BRANDS, 'unity-aid', 'logo.svg'), 'utf8'));
    expect(viewBox).toEqual([0, 0, 240, 80]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<linearGradient id="SVGID_1_" gradientUnits="userSpaceOnUse"');
    expect(svg).toContain('fill:url(#SVGID_1_)');
    expect(svg).toContain('<path class="st2" d="M22,44c10,10,26,10,36,0">');
    expect(svg).not.toMatch(/metadata|rdf|xml:space|xmlns:xlink|DOCTYPE|Illustrator|data-name/);
    const donor = sanitizeSvg(readFileSync(path.join(BRANDS, 'unity-aid', 'donor.svg'), 'utf8')).svg;
    expect(donor).toContain('clip-path="url(#c)"');
    expect(donor).not.toMatch(/sodipodi|inkscape|namedview/);
  });

  it.each([
    ['script.svg', /<script>: a script/],
    ['onload.svg', /event handler onload on <svg>.*event handler onclick on <rect>/],
    ['external-use.svg', /xlink:href="https:\/\/attacker.example\/sprite.svg#logo" on <use> points outside the file/],
    ['foreign-object.svg', /<foreignObject>: foreignObject/],
    ['embedded-image.svg', /<image>: an embedded or linked image/],
    ['css-import.svg', /@import in a style is not allowed/],
    ['css-escaped-url.svg', /CSS that does not parse .* is not allowed in a logo/],
    ['attribute-url.svg', /fill="url\(https:\/\/attacker.example.* loads something/],
    ['html-breakout.svg', /not one <svg> element/],
    ['animated-link.svg', /<a>: a link/],
    ['live-text.svg', /<text>: text \(convert the letters to outlines\)/],
  ])('refuses %s, saying what and where', (file, message) => {
    const m = refusal(hostile(file));
    expect(m).toMatch(message);
    expect(m).toMatch(/line \d+/);
  });

  it('refuses a DOCTYPE that declares entities (file reads, entity bombs) instead of leaving their remains as text', () => {
    const m = refusal(hostile('entity.svg'));
    expect(m).toMatch(/line 2: a DOCTYPE with entity declarations/);
    expect(m).not.toMatch(/root:|lollol/);
    // Control: the DOCTYPE Illustrator writes today (no internal subset) is accepted (the kit logo above).
  });

  it('refuses an SVG with no size, since a logo must scale to a box', () => {
    expect(refusal('<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>')).toMatch(/no viewBox/);
  });
});

describe('icons', () => {
  it('ships Lucide icons, inline, with directional ones marked for mirroring and the phone not', () => {
    const { icons } = loadIcons(path.join(REPO, 'templates'));
    expect([...icons.keys()].sort()).toEqual(['arrow-right', 'globe', 'map-pin', 'message-circle', 'phone', 'triangle-alert']);
    expect(icons.get('arrow-right')).toMatch(/^<svg class="icon icon-arrow-right mirror" aria-hidden="true" style="fill: none"/);
    expect(icons.get('phone')).toMatch(/^<svg class="icon icon-phone" aria-hidden="true"/);
    expect(icons.get('phone')).not.toContain('mirror');
    expect(readFileSync(path.join(REPO, 'templates', '_shared', 'icons', 'LICENSE'), 'utf8')).toContain('ISC License');
  });
});

describe('hero tones keep text readable over every pixel', () => {
  it.each([
    ['#0B3D5C', '#FFFFFF'],
    ['#1D4E3F', '#FFFFFF'],
    ['#F2B705', '#14212B'],
  ])('primary %s under text %s', (primary, text) => {
    const { dark, light } = heroTones(primary, text);
    expect(contrastRatio(dark, text)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(light, text)).toBeGreaterThanOrEqual(4.5);
    // Not flat: the image keeps some tonal range.
    expect(contrastRatio(dark, light)).toBeGreaterThan(1.5);
  });
});

describe('brand kits (brands/<id>.yaml)', () => {
  let root: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ root, cleanup } = makeProject());
    cpSync(BRANDS, path.join(root, 'brands'), { recursive: true });
  });
  afterEach(() => cleanup());
  const load = (brand: string, extra: Record<string, string> = {}) => {
    const dir = path.join(root, 'campaigns', 'c');
    writeFiles(dir, { 'campaign.md': campaignMd({ id: 'c' }).replace(/brand:\n {2}primary: .*\n {2}accent: .*\n/, brand), ...extra });
    return loadCampaign(dir, loadLocaleTable(path.join(root, 'locales')), path.join(root, 'locales'));
  };
  const errorsOf = (fn: () => unknown): CampaignPressError[] => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ValidationErrors) return e.errors;
      if (e instanceof CampaignPressError) return [e];
      throw e;
    }
    return [];
  };

  it('resolves a kit: colours, SVG logo, names per locale, social handles, two partner logos', () => {
    const c = load('brand: unity-aid\n');
    expect(c.brand).toMatchObject({ id: 'unity-aid', primary: '#1D4E3F', accent: '#F28C28' });
    expect(c.brand.logo).toMatchObject({ ref: 'brand:unity-aid/logo.svg', svg: true });
    expect(c.brand.name?.ckb).toBe('ڕێکخراوی یونیتی بۆ یارمەتیی کۆچبەران');
    expect(c.brand.partners?.logos.map((l) => [l.name, l.svg])).toEqual([
      ['Northern Donor Fund', true],
      ['Ministry of Example Affairs', false],
    ]);
    expect(c.brand.social.map((s) => s.handle)).toEqual(['@unityaid.example', '@unityaid_help']);
    expect(c.brand.colourAt('accent')).toMatchObject({ file: expect.stringMatching(/brands\/unity-aid\.yaml$/), field: 'colours.accent' });
  });

  it('warns when the kit has no name or label in a campaign locale (the fallback is printed); none when all are there', () => {
    const dir = path.join(root, 'campaigns', 'k');
    writeFiles(dir, {
      'campaign.md': campaignMd({ id: 'k', locales: ['en', 'kmr', 'ar'] }).replace(
        /brand:\n {2}primary: .*\n {2}accent: .*\n/,
        'brand: unity-aid\n',
      ),
    });
    const c = loadCampaign(dir, loadLocaleTable(path.join(root, 'locales')), path.join(root, 'locales'));
    const w = c.warnings.filter((x) => x.message.startsWith('brand kit'));
    expect(w.map((x) => [x.message, x.location.field])).toEqual([
      ['brand kit unity-aid: no name in kmr; the nearest fallback language is printed', 'name'],
      ['brand kit unity-aid: no "Funded by" label in kmr; the nearest fallback language is printed', 'partners.label'],
    ]);
    expect(load('brand: unity-aid\n').warnings.filter((x) => x.message.startsWith('brand kit'))).toEqual([]);
  });

  it('keeps the inline brand working (control)', () => {
    const c = load('brand:\n  primary: "#0B3D5C"\n  accent: "#F2B705"\n');
    expect(c.brand).toMatchObject({ id: null, primary: '#0B3D5C', name: null, partners: null });
  });

  it('refuses an unknown kit with exit 2, naming campaign.md:line and suggesting the near name', () => {
    const errors = errorsOf(() => load('brand: unity-aids\n'));
    expect(errors.map((e) => e.code)).toEqual(['brand-unknown']);
    expect(errors[0]!.location).toMatchObject({ field: 'brand', line: 11 });
    expect(errors[0]!.location.file).toMatch(/campaign\.md$/);
    expect(errors[0]!.hint).toMatch(/Did you mean "unity-aid"\?/);
    expect(catalog['brand-unknown'].exit).toBe(2);
  });

  it('refuses a kit field that is wrong, with the kit file, line and field', () => {
    writeFiles(path.join(root, 'brands'), {
      'bad.yaml': 'name:\n  en: Bad\ncolours:\n  primary: "#12345"\n  accent: "#F28C28"\nlogo: unity-aid/logo.svg\n',
    });
    const errors = errorsOf(() => load('brand: bad\n'));
    expect(errors[0]!.location).toMatchObject({ field: 'colours.primary', line: 4 });
    expect(errors[0]!.location.file).toMatch(/brands\/bad\.yaml$/);
  });

  it('keeps kit logo paths inside brands/', () => {
    writeFiles(path.join(root, 'brands'), {
      'escape.yaml': 'name:\n  en: X\ncolours:\n  primary: "#123456"\n  accent: "#F28C28"\nlogo: ../templates/poster/x.svg\n',
    });
    const errors = errorsOf(() => load('brand: escape\n'));
    expect(errors.map((e) => e.code)).toEqual(['path-outside']);
    expect(errors[0]!.location).toMatchObject({ field: 'logo', line: 6 });
  });

  it('refuses a testimony photo used as a partner logo (it reaches outputs only through the consent gate)', () => {
    const photo = readFileSync(path.join(BRANDS, 'unity-aid', 'ministry.png'));
    const errors = errorsOf(() =>
      load('brand: unity-aid\n', {
        'testimonies/t.md': `---\nid: t\ntitle: T\nphoto: assets/t.png\ncontent_warning: none\n---\nText.\n`,
        'assets/t.png': photo as unknown as string,
      }),
    );
    expect(errors.map((e) => e.code)).toEqual(['photo-misrouted']);
    expect(errors[0]!.location.field).toBe('partners.logos[1].logo');
  });
});

describe('the hero contrast check measures pixels', () => {
  it('finds an untreated bright photo unreadable under white text, and the duotone of it readable', async () => {
    const { default: sharp } = await import('sharp');
    const { extremes, serveHero } = await import('../../src/images/brand.js');
    const { root, cleanup } = makeProject();
    try {
      const bright = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#dfe8f0' } })
        .jpeg()
        .toBuffer();
      writeFiles(root, { 'hero.jpg': bright });
      // Control: the check is not blind; this photo as it is would fail.
      expect(contrastRatio((await extremes(bright)).lightest, '#FFFFFF')).toBeLessThan(4.5);
      const hero = {
        ref: 'hero.jpg',
        abs: path.join(root, 'hero.jpg'),
        root,
        where: { field: 'hero.image' },
        svg: false,
        licence: 'x',
        focus: '50% 50%',
        treatment: 'duotone' as const,
      };
      for (const treatment of ['duotone', 'overlay'] as const) {
        const served = await serveHero({ ...hero, treatment }, heroTones('#0B3D5C', '#FFFFFF', 4.9), '#FFFFFF', 4.9);
        expect(contrastRatio(served.extremes.lightest, '#FFFFFF'), treatment).toBeGreaterThanOrEqual(4.5);
      }
    } finally {
      cleanup();
    }
  });
});
