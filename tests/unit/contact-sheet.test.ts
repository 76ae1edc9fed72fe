import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { renderContactSheet, type SheetInput, thumbnailsIn, withContactSheet } from '../../src/output/contact-sheet.js';
import { sha256 } from '../../src/util/files.js';
import type { Manifest, ManifestAsset } from '../../src/output/manifest.js';

/** A release as a partner builds it: a Sorani and an English poster and card, one refusal. */
const LOCALES: SheetInput['locales'] = {
  en: { name: 'English', english: 'English', dir: 'ltr' },
  ckb: { name: 'کوردیی ناوەندی', english: 'Central Kurdish (Sorani)', dir: 'rtl' },
  ps: { name: 'پښتو', english: 'Pashto', dir: 'rtl' },
};
const hex = (c: string) => c.repeat(64);
/** Stand-ins for the PNG bytes of two page thumbnails (the sheet embeds them, it does not decode them). */
const PNG_EN = Buffer.from('\x89PNG en poster page 1');
const PNG_CKB = Buffer.from('\x89PNG ckb poster page 1');

function asset(locale: string, name: string, extra: Partial<ManifestAsset> & Record<string, unknown> = {}): ManifestAsset {
  const pdf = name.endsWith('.pdf');
  return {
    path: `${locale}/${name}`,
    sha256: hex('a'),
    bytes: 123_456,
    ...(pdf ? { pages: 1, page_size_mm: [216, 303] as [number, number] } : { width: 1080, height: 1080 }),
    locale,
    template: name.split('-')[0] === 'testimony' ? 'testimony-card' : name.startsWith('poster') ? 'poster' : 'social-card',
    format: pdf ? 'a4' : 'square',
    output: pdf ? 'pdf' : 'png',
    channel: pdf ? 'print' : 'social',
    consent_ids: [],
    testimonies: [],
    key: hex('b'),
    ...extra,
  } as ManifestAsset;
}

function manifest(assets: ManifestAsset[], refusals: Manifest['refusals'] = []): Manifest {
  return {
    manifest_version: 1,
    generator: 'campaign-press 0.1.0',
    campaign: 'safe-journeys',
    as_of: '2026-06-01',
    regions: ['IQ-AR'],
    assets,
    refusals,
  };
}

const base = (): SheetInput => ({
  manifest: manifest(
    [
      asset('en', 'poster-a4.pdf', {
        thumbnails: [{ sha256: sha256(PNG_EN), width: 240, height: 337 }],
      }),
      asset('ckb', 'poster-a4.pdf', {
        thumbnails: [{ sha256: sha256(PNG_CKB), width: 240, height: 337 }],
      }),
      asset('en', 'social-card-square.png', { alt: 'Smugglers sell lies. Call the free helpline +964 750 000 0000.' }),
      asset('ckb', 'social-card-square.png', { alt: 'قاچاخچییەکان درۆ دەفرۆشن. پەیوەندی بکە بە +964 750 000 0000.' }),
      asset('en', 'testimony-card-square-karwan.png', { consent_ids: ['CR-2026-ERB-0042'], testimonies: ['karwan'] }),
    ],
    [
      {
        testimony: 'karwan',
        consent_id: 'CR-2026-ERB-0042',
        rule: 'scope-locale',
        reason: 'consent does not cover ckb',
        asset: 'ckb/testimony-card-square-karwan.png',
        locale: 'ckb',
        template: 'testimony-card',
        format: 'square',
      },
    ],
  ),
  locales: LOCALES,
  order: ['en', 'ckb'],
  thumbs: new Map([
    [sha256(PNG_EN), PNG_EN],
    [sha256(PNG_CKB), PNG_CKB],
  ]),
  denied: new Set([hashTerm('Karwan Aziz')]),
});

type Node = { nodeName: string; tagName?: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; value?: string };
function all(n: Node, pred: (n: Node) => boolean, out: Node[] = []): Node[] {
  if (pred(n)) out.push(n);
  for (const c of n.childNodes ?? []) all(c, pred, out);
  // <template> content is not used by the sheet.
  return out;
}
const attr = (n: Node, name: string) => n.attrs?.find((a) => a.name === name)?.value;
const text = (n: Node): string => (n.nodeName === '#text' ? (n.value ?? '') : (n.childNodes ?? []).map(text).join(''));

describe('contact sheet', () => {
  it('has no script, no event handler, no external reference: every link and image is a relative file', () => {
    const html = renderContactSheet(base());
    const doc = parse(html) as unknown as Node;
    expect(all(doc, (n) => n.tagName === 'script')).toEqual([]);
    const withAttrs = all(doc, (n) => !!n.attrs?.length);
    for (const n of withAttrs) for (const a of n.attrs!) expect(a.name, `${n.tagName} ${a.name}`).not.toMatch(/^on/);
    const refs = withAttrs.flatMap((n) => ['href', 'src'].map((k) => attr(n, k)).filter((v): v is string => v !== undefined));
    expect(refs.length).toBeGreaterThan(8);
    // The only non-relative references are the embedded page thumbnails: PNG data, nothing fetched.
    const embedded = `data:image/png;base64,${PNG_CKB.toString('base64')}`;
    for (const r of refs.filter((x) => !x.startsWith('data:'))) {
      expect(r, r).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\/\/|^\/|\.\.\//i);
    }
    expect(refs.filter((x) => x.startsWith('data:'))).toEqual([`data:image/png;base64,${PNG_EN.toString('base64')}`, embedded]);
    // Control: the checks above see the links the sheet does have.
    expect(refs).toContain('ckb/poster-a4.pdf#page=1');
    expect(html).toMatch(/Content-Security-Policy" content="script-src 'none'/);
  });

  it('puts the versions of one asset side by side, each with its own lang and dir, alt text in its language', () => {
    const doc = parse(renderContactSheet(base())) as unknown as Node;
    const rows = all(doc, (n) => n.tagName === 'section' && attr(n, 'class') === 'row');
    const card = rows.find((r) => attr(r, 'aria-label') === 'social-card-square.png')!;
    const figs = all(card, (n) => n.tagName === 'figure');
    expect(figs.map((f) => [attr(f, 'lang'), attr(f, 'dir')])).toEqual([
      ['en', 'ltr'],
      ['ckb', 'rtl'],
    ]);
    const ckbAlt = all(figs[1]!, (n) => attr(n, 'class') === 'alt')[0]!;
    expect(text(ckbAlt)).toContain('قاچاخچییەکان درۆ دەفرۆشن');
    const img = all(figs[1]!, (n) => n.tagName === 'img')[0]!;
    expect(attr(img, 'alt')).toBe('قاچاخچییەکان درۆ دەفرۆشن. پەیوەندی بکە بە +964 750 000 0000.');
    // English labels inside an RTL item keep their own direction.
    const dl = all(figs[1]!, (n) => n.tagName === 'dl')[0]!;
    expect([attr(dl, 'lang'), attr(dl, 'dir')]).toEqual(['en', 'ltr']);
    expect(text(dl)).toContain('none needed (no testimony)');
  });

  it('shows consent ids, and a refused asset in its place with the rule and reason', () => {
    const html = renderContactSheet(base());
    const doc = parse(html) as unknown as Node;
    const row = all(doc, (n) => n.tagName === 'section' && attr(n, 'aria-label') === 'testimony-card-square-karwan.png')[0]!;
    const figs = all(row, (n) => n.tagName === 'figure');
    expect(figs.map((f) => attr(f, 'lang'))).toEqual(['en', 'ckb']);
    expect(text(figs[0]!)).toContain('CR-2026-ERB-0042');
    expect(attr(figs[1]!, 'class')).toBe('refused');
    expect(text(figs[1]!)).toContain('consent does not cover ckb');
    const table = all(doc, (n) => n.tagName === 'table')[0]!;
    expect(text(table)).toContain('ckb/testimony-card-square-karwan.png');
  });

  it('links every asset of the manifest, and thumbnails for PDFs', () => {
    const inp = base();
    const doc = parse(renderContactSheet(inp)) as unknown as Node;
    const hrefs = all(doc, (n) => n.tagName === 'a').map((a) => attr(a, 'href'));
    for (const a of inp.manifest.assets) expect(hrefs, a.path).toContain(a.path);
    const srcs = all(doc, (n) => n.tagName === 'img').map((i) => attr(i, 'src'));
    expect(srcs).toContain(`data:image/png;base64,${PNG_EN.toString('base64')}`);
    expect(srcs).not.toContain('en/poster-a4.pdf');
  });

  it('escapes what it shows: markup in alt text or a refusal reason is text, not markup', () => {
    const inp = base();
    (inp.manifest.assets[2] as Record<string, unknown>).alt = '<img src=x onerror=alert(1)> "quoted"';
    inp.manifest.refusals[0]!.reason = '</style><script>alert(1)</script>';
    const html = renderContactSheet(inp);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src&#61;x onerror&#61;alert(1)&gt;');
  });

  it('never shows a deny-listed term: a refusal reason or alt text that carries one is replaced', () => {
    const inp = base();
    inp.manifest.refusals[0]!.reason = 'consent of "Karwan Aziz" does not cover ckb';
    (inp.manifest.assets[2] as Record<string, unknown>).alt = 'A story told by karwan aziz';
    const html = renderContactSheet(inp);
    expect(html.toLowerCase()).not.toContain('karwan aziz');
    expect(html).toContain('not shown: it contains a deny-listed term');
    // Control: the same sheet without the deny-list shows them.
    expect(renderContactSheet({ ...inp, denied: new Set() })).toContain('Karwan Aziz');
  });

  it('is the same bytes for the same input, whatever order the manifest lists assets in', () => {
    const a = base();
    const b = base();
    b.manifest.assets.reverse();
    expect(renderContactSheet(a)).toBe(renderContactSheet(b));
  });

  it('is a function of the manifest: an old sheet entry changes nothing, and the new entry is the sheet it returns', () => {
    const { manifest, ...ctx } = base();
    const a = withContactSheet(manifest, ctx);
    const b = withContactSheet({ ...manifest, contact_sheet: { path: 'index.html', sha256: hex('e') } }, ctx);
    expect(b.html.equals(a.html)).toBe(true);
    expect(a.manifest.contact_sheet).toEqual({ path: 'index.html', sha256: sha256(a.html) });
    expect(b.manifest).toEqual(a.manifest);
    // Control: a manifest that differs (one refusal fewer) is another sheet.
    expect(withContactSheet({ ...manifest, refusals: [] }, ctx).html.equals(a.html)).toBe(false);
  });

  it('embeds each page thumbnail the manifest names, and gives back only thumbnails that match their sha256', () => {
    const html = renderContactSheet(base());
    const found = thumbnailsIn(html);
    expect([...found.keys()].sort()).toEqual([sha256(PNG_EN), sha256(PNG_CKB)].sort());
    expect(found.get(sha256(PNG_CKB))!.equals(PNG_CKB)).toBe(true);
    // A sheet edited by hand (other bytes under the same checksum) yields nothing for that page.
    const forged = html.replace(PNG_CKB.toString('base64'), Buffer.from('\x89PNG something else').toString('base64'));
    expect([...thumbnailsIn(forged).keys()]).toEqual([sha256(PNG_EN)]);
  });

  it('refuses to write a sheet without a thumbnail the manifest names (output-unsafe)', () => {
    const inp = base();
    expect(() => renderContactSheet({ ...inp, thumbs: new Map([[sha256(PNG_EN), PNG_EN]]) })).toThrow(
      /thumbnail .* of ckb\/poster-a4\.pdf/,
    );
    // Control: with both thumbnails it is written.
    expect(renderContactSheet(inp)).toContain('data-sha256');
  });

  describe('build warnings', () => {
    /** The Sorani card's page used the English helpline label: the warning translator.ts gives. */
    const warned = (message = '"labels.helpline" has no ckb translation; the en text is used'): SheetInput => {
      const inp = base();
      const ckb = inp.manifest.assets.find((a) => a.path === 'ckb/social-card-square.png')!;
      ckb.warnings = [
        {
          code: 'translation-missing',
          message,
          hint: 'Add the translation to the locale file.',
          file: 'locales/ckb/labels.json',
          field: 'labels.helpline',
        },
      ];
      return inp;
    };
    const figureOf = (html: string, p: string) =>
      all(parse(html) as unknown as Node, (n) => n.tagName === 'figure' && attr(n, 'id') === `asset-${p}`)[0]!;
    const warningsIn = (fig: Node) => all(fig, (n) => attr(n, 'class') === 'warnings');

    it("shows an asset's warnings in its own item, in English and LTR inside the RTL item", () => {
      const html = renderContactSheet(warned());
      const fig = figureOf(html, 'ckb/social-card-square.png');
      expect([attr(fig, 'lang'), attr(fig, 'dir')]).toEqual(['ckb', 'rtl']);
      const [box] = warningsIn(fig);
      expect(box && [attr(box, 'lang'), attr(box, 'dir')]).toEqual(['en', 'ltr']);
      expect(text(box!)).toContain('translation-missing');
      expect(text(box!)).toContain('"labels.helpline" has no ckb translation; the en text is used');
      expect(text(box!)).toContain('locales/ckb/labels.json, labels.helpline');
      expect(html).toContain('1 with build warnings');
      // Control: the English item, which gave none, has no warning box; nor has a sheet without warnings.
      expect(warningsIn(figureOf(html, 'en/social-card-square.png'))).toEqual([]);
      expect(renderContactSheet(base())).not.toContain('class="warnings"');
    });

    it('escapes a warning and never shows a deny-listed term in one', () => {
      const html = renderContactSheet(warned('"cta" would print </small><script>alert(1)</script>'));
      expect(html).not.toContain('<script>');
      expect(text(warningsIn(figureOf(html, 'ckb/social-card-square.png'))[0]!)).toContain('<script>alert(1)</script>');
      const denied = warned('the story of Karwan Aziz has no ckb translation');
      expect(renderContactSheet(denied).toLowerCase()).not.toContain('karwan aziz');
      expect(renderContactSheet(denied)).toContain('not shown: it contains a deny-listed term');
      // Control: without the deny-list the same message is shown.
      expect(renderContactSheet({ ...denied, denied: new Set() })).toContain('the story of Karwan Aziz');
    });
  });
});
