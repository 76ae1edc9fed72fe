/** The date written into PDFs and zips: SOURCE_DATE_EPOCH, or the epoch (never the wall clock), so outputs are reproducible. */
export function buildDate(): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return new Date(epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : 0);
}

/**
 * CreationDate and ModDate of a PDF: SOURCE_DATE_EPOCH when set (reproducible releases), else
 * midnight UTC of the build's date (--as-of, or the earliest date anywhere, never one in the
 * future). Never the wall clock, never 1970.
 */
export function pdfDate(buildDay: string): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch) && Number(epoch) > 0) return new Date(Number(epoch) * 1000);
  return new Date(`${buildDay}T00:00:00Z`);
}
