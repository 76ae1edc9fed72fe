import type { Page } from 'puppeteer-core';
import sharp from 'sharp';

/**
 * Page thumbnails of a PDF for the contact sheet: sharp cannot read a PDF, so each page is
 * captured from the same render the PDF was printed from, right after page.pdf(). Each `.page`
 * of the document is captured at 1:1 (the path PNG cards take, which is deterministic), then
 * scaled and encoded by sharp: fixed filter, palette and level, no metadata of any kind (sharp
 * writes none unless asked), so identical pages give identical bytes. What a thumbnail shows is
 * what the gated document holds: a refused testimony is never on the page, so never in a thumbnail.
 */

/** Width of a PDF's first-page thumbnail in pixels (the sheet shows it 200 CSS px wide, preview 220). */
export const THUMB_WIDTH = 240;
/**
 * Width of the thumbnails of the other pages (the sheet shows them 56 CSS px wide: twice that
 * for a high-density screen). Measured on the sample's 28 later pages: 61 kB instead of 177 kB.
 */
export const PAGE_THUMB_WIDTH = 112;

export interface Thumbnail {
  png: Buffer;
  width: number;
  height: number;
}

/** Document offsets of the outermost `.page` elements, in order; the top of the document when there are none. */
async function pageTops(page: Page): Promise<number[]> {
  const tops = await page.evaluate(() =>
    Array.from(document.querySelectorAll('.page'))
      .filter((el) => !el.parentElement?.closest('.page'))
      .map((el) => el.getBoundingClientRect().top + window.scrollY),
  );
  return tops.length ? tops : [0];
}

/**
 * Raw 1:1 captures of every page of the document. The viewport is one page (the PDF's page
 * size): each page is scrolled to the top and the viewport captured as a PNG card is. A clip in
 * document coordinates is not used: in a right-to-left document whose page is a fraction of a
 * pixel wider than the viewport, Chromium places the origin elsewhere and captures white.
 */
export async function capturePages(page: Page, hasImages: boolean): Promise<Buffer[]> {
  const shots: Buffer[] = [];
  for (const top of await pageTops(page)) {
    await page.evaluate((y) => window.scrollTo(0, y), top);
    const shoot = async () => Buffer.from(await page.screenshot({ type: 'png', captureBeyondViewport: false, optimizeForSpeed: true }));
    let raw = await shoot();
    // A scaled photo is repainted with a better filter a moment later: with pictures on the
    // page, capture until two agree (without, one capture is final, as for PNG cards).
    for (let i = 0; hasImages && i < 5; i++) {
      const again = await shoot();
      if (again.equals(raw)) break;
      raw = again;
    }
    shots.push(raw);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  return shots;
}

/** Scale and encode the captures (off the page: the next asset renders meanwhile). */
export async function encodeThumbnails(raws: Buffer[]): Promise<Thumbnail[]> {
  return Promise.all(
    raws.map(async (raw, i) => {
      const { data, info } = await sharp(raw)
        .resize({ width: i === 0 ? THUMB_WIDTH : PAGE_THUMB_WIDTH, kernel: 'lanczos3' })
        .flatten({ background: '#ffffff' })
        // 64 colours: about 7 kB a first page instead of 35 kB (the sheet embeds every page;
        // effort 7 is as small as 10 at a fifth of the time). The quantizer has no random seed,
        // so the same page is the same bytes.
        .png({ palette: true, colours: 64, effort: 7, compressionLevel: 9 })
        .toBuffer({ resolveWithObject: true });
      return { png: data, width: info.width, height: info.height };
    }),
  );
}
