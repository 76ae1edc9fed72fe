import path from 'node:path';
import * as fontkit from 'fontkit';
import {
  clip,
  cmyk,
  endPath,
  type PDFDocument,
  type PDFPage,
  PDFContentStream,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  beginMarkedContent,
  endMarkedContent,
} from 'pdf-lib';
import { LATIN_FALLBACK, loadFontPackage } from '../fonts/fonts.js';

// Kept importable from here; they live apart so that a build reusing every PDF never loads pdf-lib.
export { markedKey, slugText } from './mark-text.js';

/**
 * Printer's marks for `--marks`: the page grows by MARGIN on every side of the bleed, crop marks
 * sit in that margin on the trim lines, and a slug line says what the sheet is. Nothing is drawn
 * inside the bleed, and Chromium's page is clipped to the bleed so its sliver of extra paper
 * (Chromium rounds the paper size) does not show in the margin.
 */

const PT_PER_MM = 72 / 25.4;
/** Paper added outside the bleed on each side, in mm (printers ask for at least 5). */
export const MARK_MARGIN_MM = 10;
/** Crop marks start this far outside the bleed (never inside it) and are this long, in mm. */
const MARK_GAP_MM = 1;
const MARK_LENGTH_MM = 5;
/** Hairline, as print shops draw them. */
const MARK_WIDTH_PT = 0.25;
const SLUG_SIZE_PT = 6;
/** Registration colour: the marks print on every plate, so each separation can be trimmed. */
const REGISTRATION = cmyk(1, 1, 1, 1);

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The MediaBox a page gets with marks: the bleed box grown by MARK_MARGIN_MM on each side. */
export function markedMediaBox(bleedBox: Box): Box {
  const m = MARK_MARGIN_MM * PT_PER_MM;
  return { x: bleedBox.x - m, y: bleedBox.y - m, width: bleedBox.width + 2 * m, height: bleedBox.height + 2 * m };
}

/** The part of fontkit's font object the slug uses (fontkit ships no types). */
interface OutlinePath {
  translate(x: number, y: number): OutlinePath;
  scale(x: number, y: number): OutlinePath;
  toSVG(): string;
}
interface SlugFont {
  unitsPerEm: number;
  ascent: number;
  layout(text: string): { glyphs: { path: OutlinePath }[]; positions: { xAdvance: number; xOffset: number; yOffset: number }[] };
}

let slugFont: SlugFont | undefined;

/**
 * The slug is drawn as vector outlines of a bundled font (Noto Sans, from npm), so the PDF needs
 * no font of the machine, embeds no extra font, and the slug adds nothing to the text layer.
 */
function font(): SlugFont {
  if (!slugFont) {
    const file = path.join(loadFontPackage(LATIN_FALLBACK).dir, 'files', 'noto-sans-latin-400-normal.woff2');
    slugFont = fontkit.openSync(file) as SlugFont;
  }
  return slugFont;
}

/** The slug as one SVG path (y down) in font units, and its advance width in font units. */
function outline(text: string): { svg: string; advance: number } {
  const f = font();
  const run = f.layout(text);
  let x = 0;
  const parts: string[] = [];
  run.glyphs.forEach((g, i) => {
    const pos = run.positions[i]!;
    // Font outlines are y-up; pdf-lib's drawSvgPath expects SVG's y-down and flips it back.
    const p = g.path.translate(x + pos.xOffset, pos.yOffset).scale(1, -1);
    const d = p.toSVG();
    if (d) parts.push(d);
    x += pos.xAdvance;
  });
  return { svg: parts.join(' '), advance: x };
}

/** Clip the page's existing content to the bleed box: what Chromium painted beyond it stays off the sheet. */
function clipToBleed(doc: PDFDocument, page: PDFPage, bleed: Box): void {
  const ctx = doc.context;
  const start = ctx.register(
    PDFContentStream.of(ctx.obj({}), [pushGraphicsState(), rectangle(bleed.x, bleed.y, bleed.width, bleed.height), clip(), endPath()]),
  );
  const end = ctx.register(PDFContentStream.of(ctx.obj({}), [popGraphicsState()]));
  page.node.normalize();
  if (!page.node.wrapContentStreams(start, end)) throw new Error('the PDF page has no content array to clip');
}

/** Crop marks at the four corners, on the trim lines, entirely outside the bleed. */
function cropMarks(page: PDFPage, trim: Box, bleed: Box): void {
  const gap = MARK_GAP_MM * PT_PER_MM;
  const len = MARK_LENGTH_MM * PT_PER_MM;
  const left = trim.x;
  const right = trim.x + trim.width;
  const bottom = trim.y;
  const top = trim.y + trim.height;
  const line = (x1: number, y1: number, x2: number, y2: number) =>
    page.drawLine({ start: { x: x1, y: y1 }, end: { x: x2, y: y2 }, thickness: MARK_WIDTH_PT, color: REGISTRATION });
  const outL = bleed.x - gap;
  const outR = bleed.x + bleed.width + gap;
  const outB = bleed.y - gap;
  const outT = bleed.y + bleed.height + gap;
  for (const y of [bottom, top]) {
    line(outL - len, y, outL, y);
    line(outR, y, outR + len, y);
  }
  for (const x of [left, right]) {
    line(x, outB - len, x, outB);
    line(x, outT, x, outT + len);
  }
}

/** The slug below the bottom marks, from the left trim line, shrunk to fit between the corner marks. */
function slug(page: PDFPage, trim: Box, bleed: Box, text: string): void {
  const f = font();
  const { svg, advance } = outline(text);
  const gap = MARK_GAP_MM * PT_PER_MM;
  const len = MARK_LENGTH_MM * PT_PER_MM;
  const room = trim.width - 2 * (gap + 1);
  let size = SLUG_SIZE_PT;
  if ((advance / f.unitsPerEm) * size > room) size = (room / advance) * f.unitsPerEm;
  // Baseline below the end of the bottom crop marks, so text and marks never touch.
  const baseline = bleed.y - gap - len - f.ascent * (size / f.unitsPerEm) - 1;
  page.drawSvgPath(svg, { x: trim.x + gap + 1, y: baseline, scale: size / f.unitsPerEm, color: REGISTRATION, borderWidth: 0 });
}

export interface MarkOptions {
  /** The slug line of each page (1-based page number and the page count). */
  slug: (page: number, pages: number) => string;
}

/**
 * Add marks to every page whose TrimBox and BleedBox are already set: the MediaBox and CropBox
 * grow, the boxes the printer imposes with stay exactly as they were.
 */
export function addMarks(doc: PDFDocument, opts: MarkOptions): void {
  const pages = doc.getPages();
  pages.forEach((page, i) => {
    const bleed = page.getBleedBox();
    const trim = page.getTrimBox();
    clipToBleed(doc, page, bleed);
    const media = markedMediaBox(bleed);
    page.setMediaBox(media.x, media.y, media.width, media.height);
    page.setCropBox(media.x, media.y, media.width, media.height);
    // Marks are not content: tagged as an artifact, screen readers skip them.
    page.pushOperators(beginMarkedContent('Artifact'));
    cropMarks(page, trim, bleed);
    slug(page, trim, bleed, opts.slug(i + 1, pages.length));
    page.pushOperators(endMarkedContent());
  });
}
