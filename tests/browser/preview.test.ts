import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreview } from '../../src/preview/server.js';
import { campaignMd, makeProject, sha256, writeFiles } from '../helpers.js';

/** The preview gallery on loopback: serves the assets, refuses paths outside, rebuilds on save. */
let root: string;
let cleanup: () => void;
let preview: Awaited<ReturnType<typeof startPreview>>;

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  writeFiles(path.join(root, 'campaigns', 'p'), {
    'campaign.md': campaignMd({
      id: 'p',
      locales: ['en', 'ckb'],
      outputs: '  - template: social-card\n    formats: [square]\n  - template: poster\n    formats: [a4]',
    }),
  });
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'p.json': JSON.stringify({ title: 'تاقیکردنەوە', headline: 'ڕاستییەکە بزانە', subline: 'دەریا ڕاستە', cta: 'پەیوەندی بکە' }),
  });
  writeFileSync(path.join(root, 'secret.txt'), 'not for the gallery');
  preview = await startPreview({
    root,
    campaignDir: path.join(root, 'campaigns', 'p'),
    out: path.join(root, 'out'),
    port: 0,
    asOf: '2026-06-01',
  });
}, 120_000);
afterAll(async () => {
  await preview?.close();
  cleanup();
});

type Asset = { path: string; thumbnails?: { sha256: string; width: number; height: number }[] };
async function status(): Promise<{ generation: number; building: boolean; assets: Asset[] }> {
  return (await (await fetch(new URL('/api/status', preview.url))).json()) as never;
}

const bytesAt = async (p: string) => Buffer.from(await (await fetch(new URL(p, preview.url))).arrayBuffer());

/**
 * Subscribes to the page's reload signal (/events) and resolves with the first generation it
 * announces after `after`: the rebuild is awaited however long it takes on a loaded machine,
 * not guessed with a fixed wait. Subscribe before changing anything, so the event is not missed.
 */
async function nextGeneration(after: number): Promise<number> {
  const ctrl = new AbortController();
  const res = await fetch(new URL('/events', preview.url), { signal: ctrl.signal });
  const reader = res.body!.getReader();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream closed before a rebuild was announced');
      buf += Buffer.from(value).toString('utf8');
      for (const m of buf.matchAll(/data: (\d+)\n\n/g)) if (Number(m[1]) > after) return Number(m[1]);
    }
  } finally {
    ctrl.abort();
  }
}

describe('preview', () => {
  it('listens on loopback and shows every asset', async () => {
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const html = await (await fetch(preview.url)).text();
    expect(html).toContain('src="/files/ckb/social-card-square.png');
    expect(html).toContain('src="/files/en/social-card-square.png');
    const png = await fetch(new URL('/files/ckb/social-card-square.png', preview.url));
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('shows a PDF as its first page thumbnail and links the PDF, never embeds it (a black box in headless and mobile browsers)', async () => {
    const html = await (await fetch(preview.url)).text();
    expect(html).not.toMatch(/<iframe|<embed|<object/);
    expect(html).toContain('href="/files/ckb/poster-a4.pdf');
    const poster = (await status()).assets.find((a) => a.path === 'ckb/poster-a4.pdf')!;
    const t = poster.thumbnails![0]!;
    expect(html).toContain(`src="/thumbs/${t.sha256}.png`);
    const r = await fetch(new URL(`/thumbs/${t.sha256}.png`, preview.url));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await r.arrayBuffer());
    expect(sha256(png)).toBe(t.sha256);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: t.width, height: t.height });
    // Control: a checksum the sheet does not hold is not found.
    expect((await fetch(new URL(`/thumbs/${'0'.repeat(64)}.png`, preview.url))).status).toBe(404);
  });

  it('serves nothing outside the campaign output folder', async () => {
    for (const p of [
      '/files/../../secret.txt',
      '/files/%2e%2e/%2e%2e/secret.txt',
      '/files/..%2f..%2fsecret.txt',
      '/files/manifest.json/../../../secret.txt',
    ]) {
      const r = await fetch(new URL(p, preview.url));
      expect(r.status, p).toBe(404);
      expect(await r.text()).not.toContain('not for the gallery');
    }
  });

  it('rebuilds when a locale file changes, and tells the page; the PDF thumbnail follows', async () => {
    const before = await status();
    const file = path.join(root, 'locales', 'ckb', 'p.json');
    const cardBefore = await bytesAt('/files/ckb/social-card-square.png');
    const thumbBefore = before.assets.find((a) => a.path === 'ckb/poster-a4.pdf')!.thumbnails![0]!.sha256;
    const announced = nextGeneration(before.generation);
    writeFileSync(file, readFileSync(file, 'utf8').replace('ڕاستییەکە بزانە', 'پێش ڕۆیشتن ڕاستییەکە بزانە'));
    const generation = await announced;
    const now = await status();
    expect(now.generation).toBeGreaterThanOrEqual(generation);
    expect(now.generation).toBeGreaterThan(before.generation);
    expect((await bytesAt('/files/ckb/social-card-square.png')).equals(cardBefore)).toBe(false);
    // The Sorani poster's headline changed: so did its thumbnail, served from the new sheet.
    const thumbAfter = now.assets.find((a) => a.path === 'ckb/poster-a4.pdf')!.thumbnails![0]!.sha256;
    expect(thumbAfter).not.toBe(thumbBefore);
    expect(sha256(await bytesAt(`/thumbs/${thumbAfter}.png`))).toBe(thumbAfter);
    expect((await fetch(new URL(`/thumbs/${thumbBefore}.png`, preview.url))).status).toBe(404);
    expect((await (await fetch(preview.url)).text()).includes(`/thumbs/${thumbAfter}.png`)).toBe(true);
  }, 300_000);
});
