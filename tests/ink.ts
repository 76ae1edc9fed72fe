import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The print shop's test for hidden words: rasterize each PDF page twice with Ghostscript, once
 * as printed and once without its text layer (-dFILTERTEXT), at the same resolution. A word whose
 * box (from pdftotext -bbox) looks the same in both pictures left no ink on the page: it is
 * covered by something painted over it, clipped, or drawn in the colour of what lies under it.
 */

interface Raster {
  width: number;
  height: number;
  data: Buffer;
}

/** Parse Ghostscript's ppmraw stream: one binary P6 image per page, back to back. */
function parsePpms(buf: Buffer): Raster[] {
  const pages: Raster[] = [];
  let at = 0;
  const token = () => {
    // Skip whitespace and comments, then read one header token.
    for (;;) {
      while (at < buf.length && /\s/.test(String.fromCharCode(buf[at]!))) at++;
      if (buf[at] === 0x23) while (at < buf.length && buf[at] !== 0x0a) at++;
      else break;
    }
    const start = at;
    while (at < buf.length && !/\s/.test(String.fromCharCode(buf[at]!))) at++;
    return buf.toString('latin1', start, at);
  };
  while (at < buf.length) {
    const magic = token();
    if (!magic) break;
    if (magic !== 'P6') throw new Error(`unexpected raster header ${magic}`);
    const width = Number(token());
    const height = Number(token());
    token(); // maxval (255)
    at++; // the single whitespace byte before the pixels
    const size = width * height * 3;
    pages.push({ width, height, data: buf.subarray(at, at + size) });
    at += size;
  }
  return pages;
}

function gsArgs(pdfs: string[], dpi: number, withoutText: boolean, outputFile = '-'): string[] {
  const args = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-sDEVICE=ppmraw', `-r${dpi}`, '-dTextAlphaBits=1', '-dGraphicsAlphaBits=1'];
  if (withoutText) args.push('-dFILTERTEXT');
  return [...args, `-sOutputFile=${outputFile}`, ...pdfs];
}

function rasterize(pdf: string, dpi: number, withoutText: boolean): Raster[] {
  return parsePpms(execFileSync('gs', gsArgs([pdf], dpi, withoutText), { maxBuffer: 1 << 30 }));
}

const execFileAsync = promisify(execFile);

/**
 * Several PDFs through one Ghostscript run per pass (its start-up costs more than rendering a
 * page), both passes at once: each PDF's pages, split off by the page counts poppler read. A
 * count or a page width that does not match throws, so pages can never be paired with the wrong words.
 * Through a file, not a pipe: reading hundreds of megabytes from a pipe cost a second of CPU per pass.
 */
async function rasterizeEach(pdfs: string[], pages: number[][], dpi: number, withoutText: boolean): Promise<Raster[][]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-ink-'));
  let all: Raster[];
  try {
    const file = path.join(dir, 'pages.ppm');
    await execFileAsync('gs', gsArgs(pdfs, dpi, withoutText, file));
    all = parsePpms(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const total = pages.reduce((n, p) => n + p.length, 0);
  if (all.length !== total) throw new Error(`Ghostscript drew ${all.length} pages of ${pdfs.length} PDFs; poppler counted ${total}`);
  let at = 0;
  return pages.map((widthsPt, i) =>
    widthsPt.map((pt, page) => {
      const r = all[at++]!;
      if (Math.abs(r.width - (pt * dpi) / 72) > 1.5)
        throw new Error(`${pdfs[i]} page ${page + 1}: raster ${r.width} px wide, the page is ${pt} pt`);
      return r;
    }),
  );
}

export interface WordBox {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Every word poppler extracts, with its box in points from the page's top-left corner. */
export function wordBoxes(pdf: string): { words: WordBox[]; pageWidthPt: number[] } {
  const xml = execFileSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const words: WordBox[] = [];
  const pageWidthPt: number[] = [];
  let page = -1;
  const decodeXml = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  for (const line of xml.split('\n')) {
    const p = /<page width="([\d.]+)"/.exec(line);
    if (p) {
      page++;
      pageWidthPt.push(Number(p[1]));
      continue;
    }
    const w = /<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*)<\/word>/.exec(line);
    if (w) words.push({ page, xMin: +w[1]!, yMin: +w[2]!, xMax: +w[3]!, yMax: +w[4]!, text: decodeXml(w[5]!) });
  }
  return { words, pageWidthPt };
}

export interface InkReport {
  words: number;
  hidden: WordBox[];
}

/**
 * Words whose middle band (the middle half of the box's height, its whole width) is pixel for
 * pixel the same with and without the text layer.
 */
export function hiddenWords(pdf: string, dpi = 100): InkReport {
  const { words } = wordBoxes(pdf);
  return { words: words.length, hidden: hiddenAmong(words, rasterize(pdf, dpi, false), rasterize(pdf, dpi, true), dpi) };
}

/** hiddenWords of each PDF, in order, from two Ghostscript runs in all (the same pixels compared). */
export async function hiddenWordsEach(pdfs: string[], dpi = 100): Promise<InkReport[]> {
  const boxes = pdfs.map((p) => wordBoxes(p));
  const pages = boxes.map((b) => b.pageWidthPt);
  const [withText, noText] = await Promise.all([rasterizeEach(pdfs, pages, dpi, false), rasterizeEach(pdfs, pages, dpi, true)]);
  return boxes.map(({ words }, i) => ({ words: words.length, hidden: hiddenAmong(words, withText[i]!, noText[i]!, dpi) }));
}

function hiddenAmong(words: WordBox[], withText: Raster[], noText: Raster[], dpi: number): WordBox[] {
  const scale = dpi / 72;
  const hidden: WordBox[] = [];
  for (const w of words) {
    if (!/[\p{L}\p{N}]/u.test(w.text)) continue;
    const a = withText[w.page];
    const b = noText[w.page];
    if (!a || !b) throw new Error(`page ${w.page + 1} was not rasterized`);
    const h = w.yMax - w.yMin;
    // Nastaliq extracts as fragments of a word, some with a box a fraction of a point wide while
    // their glyph is drawn beside it (cursive attachment): give each box at least a quarter of its
    // height in width, centred on it.
    const grow = Math.max(0, (h * 0.25 - (w.xMax - w.xMin)) / 2);
    const x0 = Math.max(0, Math.floor((w.xMin - grow) * scale));
    const x1 = Math.min(a.width, Math.ceil((w.xMax + grow) * scale));
    const y0 = Math.max(0, Math.floor((w.yMin + h * 0.25) * scale));
    const y1 = Math.min(a.height, Math.ceil((w.yMax - h * 0.25) * scale));
    let differs = false;
    for (let y = y0; y < y1 && !differs; y++) {
      const row = y * a.width * 3;
      for (let i = row + x0 * 3; i < row + x1 * 3; i++) {
        if (a.data[i] !== b.data[i]) {
          differs = true;
          break;
        }
      }
    }
    if (!differs) hidden.push(w);
  }
  return hidden;
}
