import type { FormatSpec } from '../templates/engine.js';
import { buildDate } from '../util/dates.js';
import type { MarkOptions } from './marks.js';

/**
 * Print finishing with pdf-lib: TrimBox and BleedBox for the printer, document metadata from
 * public fields only, fixed dates (SOURCE_DATE_EPOCH or the Unix epoch) so that the same input
 * gives the same bytes.
 */

export interface PdfMetadata {
  title: string;
  subject: string;
  keywords: string[];
  lang: string;
  /** CreationDate and ModDate (util/dates pdfDate); without it, SOURCE_DATE_EPOCH or the epoch. */
  date?: Date;
}

const PT_PER_MM = 72 / 25.4;

export async function finishPdf(
  raw: Buffer,
  format: FormatSpec,
  meta: PdfMetadata,
  marks?: MarkOptions,
): Promise<{ bytes: Buffer; pages: number }> {
  // pdf-lib and the marks are loaded with the first PDF: a rebuild that reuses every asset never needs them.
  const { PDFDocument, PDFName } = await import('pdf-lib');
  const doc = await PDFDocument.load(raw, { updateMetadata: false });
  const bleed = format.bleed * PT_PER_MM;
  // Chromium rounds the paper size to whole device pixels (303 mm comes out as 303.4 mm). Set the
  // exact size, anchored at the top-left corner where layout starts; the sliver cut off lies in
  // the outer bleed.
  const width = (format.width + 2 * format.bleed) * PT_PER_MM;
  const height = (format.height + 2 * format.bleed) * PT_PER_MM;
  for (const page of doc.getPages()) {
    const media = page.getMediaBox();
    const y = media.y + media.height - height;
    page.setMediaBox(media.x, y, width, height);
    page.setCropBox(media.x, y, width, height);
    page.setBleedBox(media.x, y, width, height);
    page.setTrimBox(media.x + bleed, y + bleed, width - 2 * bleed, height - 2 * bleed);
  }
  if (marks) (await import('./marks.js')).addMarks(doc, marks);
  // Replace Chromium's Info dictionary wholesale: nothing but public fields goes in.
  const date = meta.date ?? buildDate();
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setSubject(meta.subject);
  doc.setKeywords(meta.keywords);
  doc.setAuthor('');
  doc.setProducer('campaign-press');
  doc.setCreator('campaign-press');
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage(meta.lang);
  doc.catalog.delete(PDFName.of('Metadata'));
  // The trailer ID is derived from the content (not random), so output stays reproducible.
  const bytes = await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
  return { bytes: Buffer.from(bytes), pages: doc.getPageCount() };
}
