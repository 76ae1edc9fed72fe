import { PDFDocument, PDFName, PDFString } from 'pdf-lib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { deniedInFile, pdfStreams, pdfVisibleStrings } from '../../src/output/scan.js';

/** A PDF with one link annotation and a title, written with compressed object streams. */
async function pdfWith(uri: string, title: string, objectStreams = true): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([200, 200]);
  const link = doc.context.obj({
    Type: 'Annot',
    Subtype: 'Link',
    Rect: [10, 10, 100, 30],
    A: { Type: 'Action', S: 'URI', URI: PDFString.of(uri) },
  });
  page.node.set(PDFName.of('Annots'), doc.context.obj([doc.context.register(link)]));
  doc.setTitle(title);
  return Buffer.from(await doc.save({ useObjectStreams: objectStreams }));
}

const denied = new Set([hashTerm('Karwan Aziz'), hashTerm('کاروان عزیز')]);

describe('deny-list scan of file bytes', () => {
  it('finds a name in a PDF link target, in plain and in compressed object streams', async () => {
    for (const objectStreams of [false, true]) {
      const pdf = await pdfWith('https://example.org/stories/karwan-aziz', 'Safe journeys', objectStreams);
      // The raw bytes of the compressed file do not show the URI: only inflating finds it.
      if (objectStreams) expect(pdf.includes('karwan-aziz')).toBe(false);
      expect(deniedInFile('en/leaflet-a5.pdf', pdf, denied), String(objectStreams)).toBe(hashTerm('karwan aziz'));
      const clean = await pdfWith('https://example.org/stories/safe-routes', 'Safe journeys', objectStreams);
      expect(deniedInFile('en/leaflet-a5.pdf', clean, denied)).toBeUndefined();
    }
  });

  it('finds a percent-encoded link target and a UTF-16 title', async () => {
    const encoded = await pdfWith('https://example.org/s/%DA%A9%D8%A7%D8%B1%D9%88%D8%A7%D9%86%20%D8%B9%D8%B2%DB%8C%D8%B2', 'x');
    expect(deniedInFile('a.pdf', encoded, denied)).toBeDefined();
    const doc = await PDFDocument.create();
    doc.addPage();
    doc.setTitle('چیرۆکی کاروان عزیز'); // pdf-lib writes it as UTF-16BE hex
    const titled = Buffer.from(await doc.save());
    expect(pdfVisibleStrings(titled).join('\n')).toContain('کاروان عزیز');
    expect(deniedInFile('a.pdf', titled, denied)).toBeDefined();
  });

  it('inflates FlateDecode streams', async () => {
    const pdf = await pdfWith('https://example.org/x', 'T', true);
    expect(pdfStreams(pdf).some((s) => s.toString('latin1').includes('https://example.org/x'))).toBe(true);
  });

  it('scans PNG text chunks', async () => {
    const plain = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(deniedInFile('c/en/card.png', plain, denied)).toBeUndefined();
    // A tEXt chunk inserted after IHDR (CRC is not checked by the scan).
    const chunk = Buffer.concat([Buffer.alloc(4), Buffer.from('tEXtComment\0Karwan Aziz', 'latin1'), Buffer.alloc(4)]);
    chunk.writeUInt32BE(chunk.length - 12, 0);
    const tagged = Buffer.concat([plain.subarray(0, 33), chunk, plain.subarray(33)]);
    expect(deniedInFile('c/en/card.png', tagged, denied)).toBeDefined();
  });

  it('scans file names and text files; PNG pixel data is not text', () => {
    expect(deniedInFile('c/en/testimony-card-square-karwan-aziz.png', Buffer.alloc(8), denied)).toBeDefined();
    expect(deniedInFile('c/manifest.json', Buffer.from('{"testimonies":["karwan-aziz"]}'), denied)).toBeDefined();
    expect(deniedInFile('c/SHA256SUMS', Buffer.from('abc  c/en/card-karwan_aziz.png\n'), denied)).toBeDefined();
    expect(deniedInFile('c/manifest.json', Buffer.from('{"testimonies":["story-07"]}'), denied)).toBeUndefined();
    expect(deniedInFile('c/en/card.png', Buffer.from('karwan aziz'), denied)).toBeUndefined();
  });
});
