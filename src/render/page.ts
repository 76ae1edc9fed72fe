import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { CampaignPressError } from '../errors.js';
import type { FormatSpec } from '../templates/engine.js';
import { pagePixels } from '../templates/format.js';
import { keepPixelChunks, pngSize } from './png.js';
import {
  describeHidden,
  describeIntrusion,
  type FitResult,
  findHeavyCrops,
  findHiddenText,
  findSafeAreaIntrusions,
  type HiddenText,
  INVISIBLE_BELOW,
  inPageFindHidden,
  inPageFit,
  inPageSafeArea,
  type Misfit,
  type PhotoCrop,
  type SafeAreaIntrusion,
} from './layout.js';
import { type FlowResult, inPageFlow } from './flow.js';
import type { MarkOptions } from './marks.js';
import { finishPdf, type PdfMetadata } from './pdf.js';
import { capturePages, encodeThumbnails, type Thumbnail } from './thumbnails.js';
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
  /** Every picture and the pixels per inch it is drawn at (96 CSS px to the inch; print resolution check). */
  pictures: { src: string; ppi: number }[];
  /** Photos their slot crops to less than half their width or height (a warning). */
  crops: PhotoCrop[];
  /** A PDF's page thumbnails, one per `.page` of the document (render/thumbnails.ts). */
  thumbnails?: Thumbnail[];
}

async function settle(
  page: Page,
  format: FormatSpec,
): Promise<Pick<RenderOutcome, 'text' | 'overflow' | 'misfits' | 'hidden' | 'safeArea' | 'pictures' | 'crops'> & { images: number }> {
  // Fonts ready (forced layout, then every requested font), whole-page fit, then every in-page
  // check, in one round trip (each evaluate costs a round trip through the browser; measured
  // 10-15 ms apiece on a loaded 2-core machine).
  // No img.decode() here: a decode forced at the photo's natural size sometimes survives in
  // Chromium's decode cache until raster and sometimes not, so the same card came out with two
  // different resamplings of its photo (measured: 1 full build in 3). Raster decodes the photo
  // itself; a capture that caught it half-painted is repeated (renderAsset).
  const pass = await timeStage('fonts, fit and checks', () => page.evaluate(checksExpression(format)) as Promise<PagePass>);
  const fit = pass.fit;
  // Folded print: what the flow could not lay out (a leaflet that does not come to whole sheets).
  const overflow = [...pass.flow.problems, ...fit.overflow];
  // A page taller or wider than the viewport (a PDF's later pages): hit testing sees only the
  // viewport, so the hidden-text check runs with the viewport grown to the whole document.
  const checks = pass.checks ?? (await timeStage('hidden-text check, grown viewport', () => checksOnGrownPage(page, format)));
  const hidden = checks.hidden.map(describeHidden);
  const safeArea = checks.safeArea.map(describeIntrusion);
  const { text, laidOutLetters, domLetters } = checks.text;
  if (domLetters > 0 && laidOutLetters === 0) {
    throw new CampaignPressError(
      'render-failed',
      'Chromium laid out none of the page text (it needs at least one system font to draw any text, bundled fonts included)',
      {},
      'Install a basic font package (Debian/Ubuntu: apt-get install fonts-dejavu-core), or run `npm run setup`.',
    );
  }
  // Print only: the resolution each picture prints at (a card's pixels are what they are).
  const pictures =
    format.output !== 'pdf'
      ? []
      : await page.evaluate(() =>
          Array.from(document.images).map((i) => {
            // The content box (a logo sits on a padded plate), and object-fit: contain inside it.
            const cs = getComputedStyle(i);
            const px = (v: string) => Number.parseFloat(v) || 0;
            const r = i.getBoundingClientRect();
            const w = r.width - px(cs.paddingLeft) - px(cs.paddingRight) - px(cs.borderLeftWidth) - px(cs.borderRightWidth);
            const h = r.height - px(cs.paddingTop) - px(cs.paddingBottom) - px(cs.borderTopWidth) - px(cs.borderBottomWidth);
            const scale = Math.min(w / (i.naturalWidth || 1), h / (i.naturalHeight || 1));
            return { src: i.currentSrc || i.src, ppi: scale > 0 ? 96 / scale : 0 };
          }),
        );
  // Photos cropped hard by their slot (only pages with pictures pay for the round trip).
  const crops = checks.images > 0 ? await findHeavyCrops(page) : [];
  return { text, overflow, misfits: fit.misfits, hidden, safeArea, crops, images: checks.images, pictures };
}

interface PageText {
  text: string;
  laidOutLetters: number;
  domLetters: number;
}

interface PageChecks {
  hidden: HiddenText[];
  safeArea: SafeAreaIntrusion[];
  text: PageText;
  images: number;
}

interface PagePass {
  flow: FlowResult;
  fit: FitResult;
  /** Absent when the document is larger than the viewport. */
  checks?: PageChecks;
}

/** Safe-area insets in CSS px and the bleed in CSS px, or undefined when the format has no safe area. */
function safeZone(format: FormatSpec): { zone: { top: number; right: number; bottom: number; left: number }; bleed: number } | undefined {
  if (!format.safeArea) return undefined;
  const toPx = format.unit === 'mm' ? 96 / 25.4 : 1;
  const s = format.safeArea;
  return {
    zone: { top: s.top * toPx, right: s.right * toPx, bottom: s.bottom * toPx, left: s.left * toPx },
    bleed: format.bleed * (96 / 25.4),
  };
}

/**
 * The in-page functions of layout.ts and this module, called in order in one evaluate. They are
 * self-contained (they already run through page.evaluate), so their source is pasted in as is;
 * `__name` is defined in case a transpiler that keeps function names wrapped them in it.
 */
function checksExpression(format: FormatSpec): string {
  const args = JSON.stringify({ invisibleBelow: INVISIBLE_BELOW, safe: safeZone(format) ?? null });
  return `(async (args) => {
  const __name = (f) => f;
  // Force layout so every font that is needed gets requested, then wait for them all.
  void document.body.offsetHeight;
  await document.fonts.ready;
  // Folded print first: text flows across pages or panels, padded to whole sheets (flow.ts).
  const flow = (${inPageFlow.toString()})();
  const fit = (${inPageFit.toString()})();
  await document.fonts.ready;
  const w = document.documentElement.scrollWidth;
  const h = document.documentElement.scrollHeight;
  if (h > window.innerHeight || w > window.innerWidth) return { flow, fit };
  const hidden = (${inPageFindHidden.toString()})(args.invisibleBelow);
  const safeArea = args.safe ? (${inPageSafeArea.toString()})(args.safe.zone, args.safe.bleed) : [];
  const text = (${inPageText.toString()})();
  return { flow, fit, checks: { hidden, safeArea, text, images: document.images.length } };
})(${args})`;
}

async function checksOnGrownPage(page: Page, format: FormatSpec): Promise<PageChecks> {
  const hidden = await findHiddenText(page);
  const z = safeZone(format);
  const safeArea = z ? await findSafeAreaIntrusions(page, z.zone, z.bleed) : [];
  const text = await page.evaluate(inPageText);
  const images = await page.evaluate(() => document.images.length);
  return { hidden, safeArea, text, images };
}

/**
 * Runs inside the page: it must not refer to anything outside its own body.
 * The text as laid out (innerText) and as written in the DOM (textContent, which does not depend
 * on layout or fonts). Checks that must never be blind (deny-list, glyph coverage) read both; a
 * page whose DOM has letters but whose layout has none drew no text at all.
 */
function inPageText(): PageText {
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
  // All questions at once: the answers come back in order, without a round trip each.
  const answers = await Promise.all(
    targets.map(
      (t) =>
        session.cdp.send('CSS.getPlatformFontsForNode', { nodeId: t.id }) as Promise<{
          fonts: { familyName: string; postScriptName?: string; isCustomFont: boolean; glyphCount: number }[];
        }>,
    ),
  );
  const out: { text: string; font: string }[] = [];
  targets.forEach((t, i) => {
    for (const f of answers[i]!.fonts) {
      if (!f.isCustomFont && f.glyphCount > 0) out.push({ text: t.text.slice(0, 80), font: f.familyName });
    }
  });
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
    // The page keeps its viewport and media type between assets: set them only when they change
    // (two CDP round trips saved per asset of the same format).
    const media = format.output === 'pdf' || format.ppi ? 'print' : 'screen';
    // A print page shared as PNG is laid out in CSS px like the PDF and rasterized at its ppi.
    const scale = format.ppi ? format.ppi / 96 : 1;
    const emulated = `${px.width}x${px.height}@${scale} ${media}`;
    if (session.emulated !== emulated) {
      await timeStage('viewport', async () => {
        await page.setViewport({ width: px.width, height: px.height, deviceScaleFactor: scale });
        await page.emulateMediaType(media);
      });
      session.emulated = emulated;
    }
    await timeStage('setContent', () => page.setContent(html, { waitUntil: 'load', timeout: pool.timeoutMs }));
    const seen = await settle(page, format);
    // The glyph check only reads (which fonts drew each text node) and a screenshot only paints:
    // sent together, neither waits for the other's round trips. A PDF's printing lays the page
    // out again, so there the glyph check goes first, on the layout that was checked.
    const glyphs = () => timeStage('glyph check', () => findFallbackFonts(session));
    const shoot = () => timeStage('capture', () => capture(page, format, seen.images > 0, pool.timeoutMs));
    const [fallbacks, raw] = format.output === 'pdf' ? [await glyphs(), await shoot()] : await Promise.all([glyphs(), shoot()]);
    // A PDF's page thumbnails come from this same render (render/thumbnails.ts).
    const shots = format.output === 'pdf' ? await timeStage('thumbnail capture', () => capturePages(page, seen.images > 0)) : [];
    // A page that painted an image is not reused (pool.ts PageSession.retire): the decoded image
    // stays cached at the scale it was drawn, PDF or PNG, and the next raster would inherit it.
    if (seen.images > 0) session.retire = true;
    return { raw, shots, seen: { ...seen, fallbacks }, blocked: [...session.blocked], navigations: [...session.navigations] };
  });
  const { raw, shots, seen: withImages, blocked, navigations } = captured;
  const { images: _images, ...seen } = withImages;
  if (format.output === 'pdf') {
    const done = await timeStage('pdf finishing', () => finishPdf(raw, format, pdfMeta, marks));
    const thumbnails = await timeStage('thumbnail encoding', () => encodeThumbnails(shots));
    return { bytes: done.bytes, pages: done.pages, thumbnails, ...seen, blocked, navigations };
  }
  if (chromiumPng(format)) {
    // Chromium's PNG as it is, less any chunk that is not the image.
    const bytes = await timeStage('encode', async () => keepPixelChunks(raw));
    return { bytes, ...pngSize(bytes), ...seen, blocked, navigations };
  }
  const { data, info } = await timeStage('encode', () => encode(raw, format));
  const bytes = format.ppi ? keepPixelChunks(data, format.ppi) : data;
  return { bytes, width: info.width, height: info.height, ...seen, blocked, navigations };
}

async function capture(page: Page, format: FormatSpec, hasImages: boolean, timeout: number): Promise<Buffer> {
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
  // The viewport is the format's size already: no clip, which made page.screenshot ask the page
  // for its visual viewport first (one more round trip per capture).
  const shoot = async () =>
    Buffer.from(await page.screenshot({ type: 'png', captureBeyondViewport: false, optimizeForSpeed: !chromiumPng(format) }));
  let raw = await shoot();
  // A scaled photo is first painted with a fast filter and repainted with a better one a
  // moment later; under load a capture can fall between the two (same input, other bytes).
  // With images on the page, capture until two captures agree.
  if (hasImages) {
    for (let i = 0; i < 5; i++) {
      const again = await shoot();
      if (again.equals(raw)) break;
      raw = again;
    }
  }
  return raw;
}

/**
 * Whether the output is Chromium's own PNG (a PNG card with no bleed to trim), kept as it is but
 * for a chunk pass (png.ts keepPixelChunks). Measured on the bench's 52 square cards, 13 scripts
 * (`node scripts/bench.mjs --quick --only png`, load average 5-9 on 2 cores): Chromium's fast PNG
 * re-encoded by sharp at level 7 cost 49 ms of Node CPU and 91 ms of Chromium CPU a card for
 * 42.7 KB; Chromium's normal PNG 8 ms of Node CPU (the chunk pass and the protocol) and 105 ms of
 * Chromium CPU for 50.6 KB, the same pixels on 52 cards of 52. 27 ms of CPU a card (a fifth of
 * capture and encoding) for 18% more bytes, and no decode and re-encode beside the next page's
 * render on 2 cores. JPEG, WebP and the trimmed PNG of a print page are still encoded by sharp.
 */
function chromiumPng(format: FormatSpec): boolean {
  return format.output === 'png' && !format.ppi;
}

/**
 * The sharing PNG of a print page: the bleed cut off on whole device pixels (no resampling). Its
 * resolution is written after encoding (keepPixelChunks), so it prints at its size.
 */
function trimmed(raw: Buffer, format: FormatSpec & { ppi: number }) {
  const px = (mm: number) => Math.round((mm / 25.4) * format.ppi);
  return sharp(raw).extract({ left: px(format.bleed), top: px(format.bleed), width: px(format.width), height: px(format.height) });
}

function encode(raw: Buffer, format: FormatSpec) {
  const img = format.ppi ? trimmed(raw, { ...format, ppi: format.ppi }) : sharp(raw);
  // The trimmed PNG of a print page (chromiumPng covers every other PNG). Level chosen by
  // measurement (19 cards of every format and script, one core): level 9 took 48 ms of CPU a
  // card for 43 KB, level 7 12 ms for 50 KB, level 6 9 ms for 62 KB; adaptive filtering cost
  // 2-4x the time and made flat cards larger. Level 7 is the knee.
  const encoded =
    format.output === 'jpeg'
      ? img.flatten({ background: '#ffffff' }).jpeg({ quality: 90, mozjpeg: true, chromaSubsampling: '4:4:4' })
      : format.output === 'webp'
        ? img.webp({ quality: 90, effort: 4 })
        : img.png({ compressionLevel: 7, adaptiveFiltering: false });
  return encoded.toBuffer({ resolveWithObject: true });
}
