import { inflateSync } from 'node:zlib';
import { decodeUriText, findDenied } from '../consent/denylist.js';

/**
 * The deny-list scan of bytes that leave: a file's name, and the strings a file carries that a
 * reader (or a search engine) can see without rendering: a PDF's link targets (/URI), document
 * information, XMP, outline and annotation texts, in plain or compressed streams; the text of
 * JSON, SHA256SUMS and other text files. Page text was scanned on the rendered DOM.
 */

/** The data of every FlateDecode stream of a PDF, inflated (streams that fail to inflate are skipped). */
export function pdfStreams(pdf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const text = pdf.toString('latin1');
  const re = /\bstream\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    const header = text.slice(Math.max(text.lastIndexOf(' obj', m.index), 0), m.index);
    re.lastIndex = end;
    if (!header.includes('/FlateDecode')) continue;
    try {
      out.push(inflateSync(pdf.subarray(start, end)));
    } catch {
      // Not a zlib stream after all (or truncated): its raw bytes are scanned with the file.
    }
  }
  return out;
}

function decodePdfString(raw: Buffer): string {
  if (raw.length >= 2 && raw[0] === 0xfe && raw[1] === 0xff) {
    const swapped = Buffer.from(raw.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const utf8 = raw.toString('utf8');
  return utf8.includes('\uFFFD') ? raw.toString('latin1') : utf8;
}

function literal(body: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const n = body[++i] ?? '';
    const esc: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12 };
    if (n in esc) bytes.push(esc[n]!);
    else if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) oct += body[++i];
      bytes.push(Number.parseInt(oct, 8) & 0xff);
    } else if (n !== '\n' && n !== '\r') bytes.push(n.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** Strings stored under a /Key in a PDF (link targets, metadata, annotations), decoded, and XMP text. */
export function pdfVisibleStrings(pdf: Buffer): string[] {
  const strings: string[] = [];
  for (const part of [pdf, ...pdfStreams(pdf)]) {
    const text = part.toString('latin1');
    const re = /\/[A-Za-z]+\s*(?:\(((?:\\[\s\S]|[^\\)])*)\)|<([0-9A-Fa-f\s]*)>)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const raw = m[1] !== undefined ? literal(m[1]) : Buffer.from(m[2]!.replace(/\s/g, ''), 'hex');
      strings.push(decodePdfString(raw));
    }
    const xmp = /<x:xmpmeta[\s\S]*?<\/x:xmpmeta>/.exec(part.toString('utf8'));
    if (xmp) strings.push(xmp[0].replace(/<[^>]*>/g, ' '));
  }
  return strings;
}

/** Text chunks of a PNG (tEXt, zTXt, iTXt): nothing we write should carry one, but a reader sees them. */
export function pngText(png: Buffer): string[] {
  const out: string[] = [];
  for (let i = 8; i + 12 <= png.length; ) {
    const len = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    const data = png.subarray(i + 8, i + 8 + len);
    if (type === 'tEXt') out.push(data.toString('latin1').replace('\0', ' '));
    else if (type === 'iTXt') out.push(data.toString('utf8').replace(/\0/g, ' '));
    else if (type === 'zTXt') {
      const sep = data.indexOf(0);
      try {
        out.push(`${data.toString('latin1', 0, sep)} ${inflateSync(data.subarray(sep + 2)).toString('latin1')}`);
      } catch {
        out.push(data.toString('latin1', 0, sep));
      }
    }
    i += 12 + len;
  }
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Text a file carries that the scan reads: PDF strings, PNG text chunks; the file itself for text formats. */
export function scannableText(name: string, bytes: Buffer): string {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return pdfVisibleStrings(bytes).map(decodeUriText).join('\n');
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return pngText(bytes).join('\n');
  if (/\.(json|txt|csv|md|xml|html?)$|SHA256SUMS$/i.test(name)) return bytes.toString('utf8');
  return '';
}

/** Does a file's name or its readable strings hide a deny-listed term? Returns the digest, never the term. */
export function deniedInFile(name: string, bytes: Buffer, denied: ReadonlySet<string>): string | undefined {
  if (!denied.size) return undefined;
  return findDenied(decodeUriText(name), denied) ?? findDenied(scannableText(name, bytes), denied);
}
