import { readFileSync } from 'node:fs';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  type PDFDocument as PDFDocumentT,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
} from 'pdf-lib';
import { squash } from './helpers.js';

/**
 * Which font draws which text, decoded from the PDF itself: pdffonts says a font is embedded,
 * not what it sets. Chromium (Skia) writes each glyph run after `/F<n> size Tf`, one glyph id per
 * two bytes (Identity-H), and wraps a cluster whose glyphs do not map 1:1 to characters (Arabic
 * joining forms, ligatures) in `/Span <</ActualText …>> BDC`; right-to-left runs sit in
 * `/ReversedChars BMC`, glyphs in visual order. The result gives each font (subset prefix
 * removed) its runs in logical order.
 */
export type FontRuns = Map<string, string[]>;

type Tok = { k: 'op' | 'name' | 'str' | 'num' | 'open' | 'close'; v: string };

function hexText(hex: string): string {
  const h = hex.replace(/\s/g, '');
  let s = '';
  for (let i = 0; i + 4 <= h.length; i += 4) s += String.fromCharCode(Number.parseInt(h.slice(i, i + 4), 16));
  return s;
}

// Content-stream tokens. Skia writes glyph ids as hex strings; a literal string (no nesting
// expected) is kept only as a placeholder.
const TOKEN = /\s+|%[^\n]*|<<|>>|\[|\]|<([0-9A-Fa-f\s]*)>|\((?:\\.|[^\\)])*\)|\/([^\s/<>[\]()%]*)|([^\s/<>[\]()%]+)/g;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  for (const m of src.matchAll(TOKEN)) {
    const [t, hex, name, word] = m;
    if (/^\s|^%/.test(t)) continue;
    if (t === '<<' || t === '[') out.push({ k: 'open', v: t });
    else if (t === '>>' || t === ']') out.push({ k: 'close', v: t });
    else if (hex !== undefined) out.push({ k: 'str', v: hex });
    else if (t.startsWith('(')) out.push({ k: 'str', v: '' });
    else if (name !== undefined) out.push({ k: 'name', v: name });
    else if (word !== undefined) out.push({ k: /^[-+.\d]/.test(word) ? 'num' : 'op', v: word });
  }
  return out;
}

interface FontInfo {
  name: string;
  toUnicode: Map<number, string>;
}

function parseToUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(Number.parseInt(m[1]!, 16), hexText(m[2]!));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const lo = Number.parseInt(m[1]!, 16);
      const hi = Number.parseInt(m[2]!, 16);
      const base = hexText(m[3]!);
      for (let g = lo; g <= hi; g++) map.set(g, base.slice(0, -1) + String.fromCharCode(base.charCodeAt(base.length - 1) + (g - lo)));
    }
  return map;
}

function fontsOf(doc: PDFDocumentT, resources: PDFDict | undefined): Map<string, FontInfo> {
  const out = new Map<string, FontInfo>();
  const fonts = resources?.lookupMaybe(PDFName.of('Font'), PDFDict);
  if (!fonts) return out;
  for (const [key, ref] of fonts.entries()) {
    const font = doc.context.lookup(ref, PDFDict);
    const base =
      font
        .lookup(PDFName.of('BaseFont'))
        ?.toString()
        .replace(/^\//, '')
        .replace(/^[A-Z]{6}\+/, '') ?? '?';
    const tu = font.lookup(PDFName.of('ToUnicode'));
    const cmap = tu instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(tu).decode()).toString('latin1') : '';
    out.set(key.asString().slice(1), { name: base, toUnicode: parseToUnicode(cmap) });
  }
  return out;
}

function streamText(s: PDFRawStream): string {
  return Buffer.from(decodePDFRawStream(s).decode()).toString('latin1');
}

/** Walks one content stream (and the form XObjects it paints) and adds each font's runs to `out`. */
function walk(doc: PDFDocumentT, content: string, resources: PDFDict | undefined, out: FontRuns): void {
  const fonts = fontsOf(doc, resources);
  const xobjects = resources?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  const toks = tokenize(content);
  let font: FontInfo | undefined;
  // Marked-content stack: an ActualText span collects its text here, a ReversedChars run its clusters.
  const marks: { actual?: string; font?: FontInfo; reversed?: { font?: FontInfo; text: string }[] }[] = [];
  const emit = (f: FontInfo | undefined, text: string) => {
    if (!f || !text) return;
    const rev = [...marks].reverse().find((m) => m.reversed)?.reversed;
    if (rev) rev.push({ font: f, text });
    else block.set(f.name, (block.get(f.name) ?? '') + text);
  };
  // Left-to-right glyphs of one text object (BT … ET) make one run; a line break starts another.
  const block = new Map<string, string>();
  const flush = () => {
    for (const [name, text] of block) out.set(name, [...(out.get(name) ?? []), text]);
    block.clear();
  };
  const inActual = () => [...marks].reverse().find((m) => m.actual !== undefined);
  const operands: Tok[] = [];
  for (const t of toks) {
    if (t.k !== 'op') {
      operands.push(t);
      continue;
    }
    const op = t.v;
    if (op === 'Tf') font = fonts.get(operands.find((o) => o.k === 'name')?.v ?? '');
    else if (op === 'Tj' || op === 'TJ' || op === "'" || op === '"') {
      const span = inActual();
      if (span) span.font = font;
      else {
        let text = '';
        for (const o of operands.filter((x) => x.k === 'str'))
          for (let i = 0; i + 4 <= o.v.length; i += 4) text += font?.toUnicode.get(Number.parseInt(o.v.slice(i, i + 4), 16)) ?? '';
        emit(font, text);
      }
    } else if (op === 'ET') flush();
    else if (op === 'BDC' || op === 'BMC') {
      const tag = operands.find((o) => o.k === 'name')?.v;
      const at = operands.findIndex((o) => o.k === 'name' && o.v === 'ActualText');
      if (at >= 0) marks.push({ actual: hexText(operands[at + 1]!.v.replace(/^FEFF/i, '')) });
      else if (tag === 'ReversedChars') marks.push({ reversed: [] });
      else marks.push({});
    } else if (op === 'EMC') {
      const m = marks.pop();
      if (m?.actual !== undefined) emit(m.font, m.actual);
      if (m?.reversed) for (const [name, text] of groupReversed(m.reversed)) out.set(name, [...(out.get(name) ?? []), text]);
    } else if (op === 'Do' && xobjects) {
      const x = xobjects.lookup(PDFName.of(operands.find((o) => o.k === 'name')?.v ?? ''));
      if (x instanceof PDFRawStream && x.dict.get(PDFName.of('Subtype'))?.toString() === '/Form')
        walk(doc, streamText(x), x.dict.lookupMaybe(PDFName.of('Resources'), PDFDict) ?? resources, out);
    }
    operands.length = 0;
  }
  flush();
}

/** A reversed run's clusters back in logical order, one string per font. */
function groupReversed(clusters: { font?: FontInfo; text: string }[]): [string, string][] {
  const byFont = new Map<string, string>();
  for (const c of [...clusters].reverse()) if (c.font) byFont.set(c.font.name, (byFont.get(c.font.name) ?? '') + c.text);
  return [...byFont];
}

export async function pdfTextByFont(file: string): Promise<FontRuns> {
  const doc = await PDFDocument.load(readFileSync(file));
  const out: FontRuns = new Map();
  for (const page of doc.getPages()) {
    const contents = page.node.Contents();
    const streams =
      contents instanceof PDFArray
        ? contents.asArray().map((r) => doc.context.lookup(r))
        : [contents instanceof PDFRef ? doc.context.lookup(contents) : contents];
    const src = streams
      .filter((s): s is PDFRawStream => s instanceof PDFRawStream)
      .map(streamText)
      .join('\n');
    walk(doc, src, page.node.Resources(), out);
  }
  return out;
}

/** The text a font family draws (every face and subset of it), squashed for comparison. */
export function drawnIn(runs: FontRuns, family: RegExp): string {
  return squash(
    [...runs]
      .filter(([name]) => family.test(name))
      .flatMap(([, r]) => r)
      .join(' '),
  );
}

/** Words of `expected` that the family does not draw (ligature order and spacing forgiven as in squash). */
export function wordsNotIn(runs: FontRuns, family: RegExp, expected: string): string[] {
  const hay = drawnIn(runs, family);
  return expected
    .split(/\s+/)
    .map((w) => w.replace(/[.,،:;!?«»"“”]/g, ''))
    .filter((w) => w.length > 1 && !hay.includes(squash(w)));
}

/** The words a font family draws, in no particular order (squashed; punctuation dropped). */
export function wordsDrawnIn(runs: FontRuns, family: RegExp): string[] {
  return words(
    [...runs]
      .filter(([name]) => family.test(name))
      .flatMap(([, r]) => r)
      .join(' '),
  );
}

/** The words of a text as wordsDrawnIn gives them, for comparing the two as sorted lists. */
export function words(text: string): string[] {
  return text
    .split(/[\s.,،:;!?«»"“”·]+/)
    .map(squash)
    .filter(Boolean)
    .sort();
}
