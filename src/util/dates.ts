/** The date written into PDFs and zips: SOURCE_DATE_EPOCH, or the epoch (never the wall clock), so outputs are reproducible. */
export function buildDate(): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return new Date(epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : 0);
}
