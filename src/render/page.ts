import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { CampaignPressError } from '../errors.js';
import type { FormatSpec } from '../templates/engine.js';
import { pagePixels } from '../templates/format.js';
import { describeHidden, describeIntrusion, findHiddenText, findSafeAreaIntrusions, fitPage, type Misfit } from './layout.js';
import type { MarkOptions } from './marks.js';
import { finishPdf, type PdfMetadata } from './pdf.js';
import type { PageSession, RenderPool } from './pool.js';
import { timeStage } from '../util/profile.js';

/**
 * Render one page string to final bytes: PNG/JPEG/WebP from a screenshot at the format's exact
 * pixel size, or a tagged PDF at the page size plus bleed. Returns what was seen on the page
 * (text, fonts that were not bundled, blocked requests, overflow) for the caller to judge.
 */

export interface RenderOutcome {
  bytes: Buffer;
  width?: number;
  height?: number;
  pages?: number;
  /** The rendered text (page text plus alt and aria labels), for the deny-list scan. */
  text: string;
  /** Text drawn with a font that is not bundled: a missing glyph. */
  fallbacks: { text: string; font: string }[];
  blocked: string[];
  navigations: string[];
  overflow: string[];
  /** Text blocks that do not fit even at their smallest size, measured for the writer. */
  misfits: Misfit[];
  /** Text that does not show: covered, clipped, or in a colour that does not show on its ground. */
  hidden: string[];
  /** Text, pictures or the hotline inside the format's safe area (kept for platform UI). */
  safeArea: string[];
}

async function settle(
  page: Page,
  session: PageSession,
  format: FormatSpec,
): Promise<Pick<RenderOutcome, 'text' | 'fallbacks' | 'overflow' | 'misfits' | 'hidden' | 'safeArea'>> {
  const safeArea: string[] = [];
  // Force layout so every font that is needed gets requested, then wait for them all.
  await timeStage('fonts ready', () =>
    page.evaluate(async () => {
      void document.body.offsetHeight;
      await document.fonts.ready;
      // No img.decode() here: a decode forced at the photo's natural size sometimes survives in
      // Chromium's decode cache until raster and sometimes not, so the same card came out with two
      // different resamplings of its photo (measured: 1 full build in 3). Raster decodes the photo
      // itself; a capture that caught it half-painted is repeated (renderAsset).
    }),
  );
  // Whole-page fit (no page scripts needed): text blocks give way by priority within their floors.
  const fit = await timeStage('fit', async () => {
    const r = await fitPage(page);
    await page.evaluate(async () => {
      await document.fonts.ready;
    });
    return r;
  });
  const overflow = fit.overflow;
  // Nothing hidden: a word covered by another element, clipped, or drawn in a colour that does
  // not show fails the asset like text that does not fit.
  const hidden = (await timeStage('hidden-text check', () => findHiddenText(page))).map(describeHidden);
  if (format.safeArea) {
    const toPx = format.unit === 'mm' ? 96 / 25.4 : 1;
    const s = format.safeArea;
    const insets = { top: s.top * toPx, right: s.right * toPx, bottom: s.bottom * toPx, left: s.left * toPx };
    const found = await timeStage('safe-area check', () => findSafeAreaIntrusions(page, insets, format.bleed * (96 / 25.4)));
    for (const i of found) safeArea.push(describeIntrusion(i));
  }
  // The text as laid out (innerText) and as written in the DOM (textContent, which does not
  // depend on layout or fonts). Checks that must never be blind (deny-list, glyph coverage) read
  // both; a page whose DOM has letters but whose layout has none drew no text at all.
  const { text, laidOutLetters, domLetters } = await timeStage('text extraction', () =>
    page.evaluate(() => {
      const dom = Array.from(document.body.querySelectorAll('*'))
        .filter((el) => !['STYLE', 'SCRIPT'].includes(el.tagName))
        .flatMap((el) =>
          Array.from(el.childNodes)
            .filter((n) => n.nodeType === 3)
            .map((n) => n.textContent ?? ''),
        )
        .join(' ');
      // innerText on purpose: it is the text as laid out (hidden text excluded, line breaks kept).
      // biome-ignore lint/performance/useDomNodeTextContent: layout text is what is scanned
      const laidOut = document.body.innerText;
      const parts = [laidOut, dom, document.title];
      for (const el of Array.from(document.querySelectorAll('[alt], [aria-label], [title]'))) {
        parts.push(el.getAttribute('alt') ?? '', el.getAttribute('aria-label') ?? '', el.getAttribute('title') ?? '');
      }
      const letters = (s: string) => (s.match(/\p{L}/gu) ?? []).length;
      return { text: parts.filter(Boolean).join('\n'), laidOutLetters: letters(laidOut), domLetters: letters(dom) };
    }),
  );
  if (domLetters > 0 && laidOutLetters === 0) {
    throw new CampaignPressError(
      'render-failed',
      'Chromium laid out none of the page text (it needs at least one system font to draw any text, bundled fonts included)',
      {},
      'Install a basic font package (Debian/Ubuntu: apt-get install fonts-dejavu-core), or run `npm run setup`.',
    );
  }
  const fallbacks = await timeStage('glyph check', () => findFallbackFonts(session));
  return { text, fallbacks, overflow, misfits: fit.misfits, hidden, safeArea };
}

interface DomNode {
  nodeId: number;
  nodeType: number;
  nodeName: string;
  nodeValue: string;
  children?: DomNode[];
}

/** Ask Chromium which fonts drew each text-bearing element; a non-bundled font is a missing glyph. */
async function findFallbackFonts(session: PageSession): Promise<{ text: string; font: string }[]> {
  const { root } = (await session.cdp.send('DOM.getDocument', { depth: -1 })) as { root: DomNode };
  const targets: { id: number; text: string }[] = [];
  const walk = (n: DomNode) => {
    if (n.nodeType === 1 && !['SCRIPT', 'STYLE', 'HEAD', 'TITLE'].includes(n.nodeName)) {
      const own = (n.children ?? [])
        .filter((c) => c.nodeType === 3)
        .map((c) => c.nodeValue)
        .join('');
      if (own.trim()) targets.push({ id: n.nodeId, text: own.trim() });
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(root);
  const out: { text: string; font: string }[] = [];
  for (const t of targets) {
    const { fonts } = (await session.cdp.send('CSS.getPlatformFontsForNode', { nodeId: t.id })) as {
      fonts: { familyName: string; postScriptName?: string; isCustomFont: boolean; glyphCount: number }[];
    };
    for (const f of fonts) {
      if (!f.isCustomFont && f.glyphCount > 0) out.push({ text: t.text.slice(0, 80), font: f.familyName });
    }
  }
  return out;
}

export async function renderAsset(
  pool: RenderPool,
  label: string,
  html: string,
  format: FormatSpec,
  pdfMeta: PdfMetadata,
  marks?: MarkOptions,
): Promise<RenderOutcome> {
  // The page is held only for browser work; encoding (sharp) and PDF finishing (pdf-lib) run
  // after it is released, so the next asset renders meanwhile.
  const captured = await pool.run(label, async (page, session) => {
    const px = pagePixels(format);
    await timeStage('viewport', async () => {
      await page.setViewport({ width: px.width, height: px.height, deviceScaleFactor: 1 });
      await page.emulateMediaType(format.output === 'pdf' ? 'print' : 'screen');
    });
    await timeStage('setContent', () => page.setContent(html, { waitUntil: 'load', timeout: pool.timeoutMs }));
    const seen = await settle(page, session, format);
    const raw = await timeStage('capture', () => capture(page, format, px, pool.timeoutMs));
    return { raw, seen, blocked: [...session.blocked], navigations: [...session.navigations] };
  });
  const { raw, seen, blocked, navigations } = captured;
  if (format.output === 'pdf') {
    const done = await timeStage('pdf finishing', () => finishPdf(raw, format, pdfMeta, marks));
    return { bytes: done.bytes, pages: done.pages, ...seen, blocked, navigations };
  }
  const { data, info } = await timeStage('encode', () => encode(raw, format));
  return { bytes: data, width: info.width, height: info.height, ...seen, blocked, navigations };
}

async function capture(page: Page, format: FormatSpec, px: { width: number; height: number }, timeout: number): Promise<Buffer> {
  if (format.output === 'pdf') {
    return Buffer.from(
      await page.pdf({
        width: `${format.width + 2 * format.bleed}mm`,
        height: `${format.height + 2 * format.bleed}mm`,
        printBackground: true,
        tagged: true,
        outline: false,
        margin: { top: 0, right: 0, bottom: 0, left: 0 },
        preferCSSPageSize: false,
        timeout,
      }),
    );
  }
  // Chromium's PNG only carries pixels to sharp, which encodes the final file: encode it fast.
  const shoot = async () =>
    Buffer.from(
      await page.screenshot({
        type: 'png',
        clip: { x: 0, y: 0, width: px.width, height: px.height },
        captureBeyondViewport: false,
        optimizeForSpeed: true,
      }),
    );
  let raw = await shoot();
  // A scaled photo is first painted with a fast filter and repainted with a better one a
  // moment later; under load a capture can fall between the two (same input, other bytes).
  // With images on the page, capture until two captures agree.
  if (await page.evaluate(() => document.images.length > 0)) {
    for (let i = 0; i < 5; i++) {
      const again = await shoot();
      if (again.equals(raw)) break;
      raw = again;
    }
  }
  return raw;
}

function encode(raw: Buffer, format: FormatSpec) {
  const img = sharp(raw);
  const encoded =
    format.output === 'jpeg'
      ? img.flatten({ background: '#ffffff' }).jpeg({ quality: 90, mozjpeg: true, chromaSubsampling: '4:4:4' })
      : format.output === 'webp'
        ? img.webp({ quality: 90, effort: 4 })
        : img.png({ compressionLevel: 9, adaptiveFiltering: false });
  return encoded.toBuffer({ resolveWithObject: true });
}
