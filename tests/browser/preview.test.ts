import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreview } from '../../src/preview/server.js';
import { campaignMd, makeProject, writeFiles } from '../helpers.js';

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

async function status(): Promise<{ generation: number; building: boolean; assets: { path: string }[] }> {
  return (await (await fetch(new URL('/api/status', preview.url))).json()) as never;
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

  it('links a PDF instead of embedding it (an embedded PDF is a black box in headless and mobile browsers)', async () => {
    const html = await (await fetch(preview.url)).text();
    expect(html).not.toMatch(/<iframe|<embed|<object/);
    expect(html).toContain('href="/files/ckb/poster-a4.pdf');
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

  it('rebuilds when a locale file changes, and tells the page', async () => {
    const before = await status();
    const file = path.join(root, 'locales', 'ckb', 'p.json');
    const bytesBefore = Buffer.from(await (await fetch(new URL('/files/ckb/social-card-square.png', preview.url))).arrayBuffer());
    writeFileSync(file, readFileSync(file, 'utf8').replace('ڕاستییەکە بزانە', 'پێش ڕۆیشتن ڕاستییەکە بزانە'));
    let now = before;
    for (let i = 0; i < 60 && (now.generation <= before.generation || now.building); i++) {
      await new Promise((r) => setTimeout(r, 250));
      now = await status();
    }
    expect(now.generation).toBeGreaterThan(before.generation);
    const bytesAfter = Buffer.from(await (await fetch(new URL('/files/ckb/social-card-square.png', preview.url))).arrayBuffer());
    expect(bytesAfter.equals(bytesBefore)).toBe(false);
  });
});
