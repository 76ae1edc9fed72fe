import { execFileSync } from 'node:child_process';

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

function rasterize(pdf: string, dpi: number, withoutText: boolean): Raster[] {
  const args = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-sDEVICE=ppmraw', `-r${dpi}`, '-dTextAlphaBits=1', '-dGraphicsAlphaBits=1'];
  if (withoutText) args.push('-dFILTERTEXT');
  args.push('-sOutputFile=-', pdf);
  return parsePpms(execFileSync('gs', args, { maxBuffer: 1 << 30 }));
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
  const withText = rasterize(pdf, dpi, false);
  const noText = rasterize(pdf, dpi, true);
  const { words } = wordBoxes(pdf);
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
  return { words: words.length, hidden };
}
