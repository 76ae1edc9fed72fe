#!/usr/bin/env node
// README screenshots, made by the project's own build (npm run screenshots).
// The sample campaign (campaigns/safe-journeys) is copied into a temporary project, given Urdu and
// Tajik messages (so the pictures show five scripts: Latin, Sorani and Arabic in Naskh, Urdu in
// Nastaliq, Tajik in Cyrillic), built with bin/campaign-press.js, and small PNGs of the real
// outputs are written to docs/img/: per locale the A4 poster's page (rasterized by pdftoppm from
// the PDF) and the square social card, and the top of the contact sheet. Nothing else in the
// repository changes.
// Usage: npm run screenshots [-- --keep]   (--keep leaves the temporary project for a look)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import sharp from 'sharp';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const img = path.join(repo, 'docs', 'img');
const AS_OF = '2026-11-28';
const WIDTH = 400;
const say = (s) => process.stderr.write(`[screenshots] ${s}\n`);

// Messages of the sample campaign in Urdu and Tajik (illustrative drafts, as the sample's own
// translations are; the design review test builds them too). The campaign's other locales come
// with the sample.
const MESSAGES = JSON.parse(readFileSync(path.join(repo, 'tests', 'fixtures', 'drafts', 'messages-ur-tg.json'), 'utf8'));
const LOCALES = ['en', 'ckb', 'ar', 'ur', 'tg'];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-screenshots-'));
try {
  for (const d of ['templates', 'locales']) cpSync(path.join(repo, d), path.join(tmp, d), { recursive: true });
  cpSync(path.join(repo, 'campaigns', 'safe-journeys'), path.join(tmp, 'campaigns', 'safe-journeys'), { recursive: true });
  for (const [l, m] of Object.entries(MESSAGES)) {
    mkdirSync(path.join(tmp, 'locales', l), { recursive: true });
    writeFileSync(path.join(tmp, 'locales', l, 'safe-journeys.json'), `${JSON.stringify(m, null, 2)}\n`);
  }
  const campaignFile = path.join(tmp, 'campaigns', 'safe-journeys', 'campaign.md');
  const campaign = readFileSync(campaignFile, 'utf8');
  const withLocales = campaign.replace(/^locales: \[([^\]]*)\]$/m, (_, list) => `locales: [${list}, ${Object.keys(MESSAGES).join(', ')}]`);
  if (withLocales === campaign) throw new Error('campaign.md has no `locales: [...]` line to extend');
  writeFileSync(campaignFile, withLocales);

  const out = path.join(tmp, 'out');
  const args = ['--root', tmp, 'build', path.join(tmp, 'campaigns', 'safe-journeys'), '--out', out, '--as-of', AS_OF];
  for (const l of LOCALES) args.push('-l', l);
  for (const o of ['social-card:square', 'poster:a4', 'testimony-card:square']) args.push('--only', o);
  // Testimonies' consent does not cover Urdu or Tajik: the gate leaves those cards out (the
  // contact sheet shows them as refused).
  args.push('--skip-refused');
  say(`building ${LOCALES.join(', ')} with bin/campaign-press.js`);
  execFileSync(process.execPath, [path.join(repo, 'bin', 'campaign-press.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = path.join(out, 'safe-journeys');

  rmSync(img, { recursive: true, force: true });
  mkdirSync(img, { recursive: true });
  const written = [];
  const save = async (name, input, width = WIDTH) => {
    const file = path.join(img, name);
    await sharp(input)
      .resize({ width, withoutEnlargement: true, kernel: 'lanczos3' })
      .removeAlpha()
      .png({ compressionLevel: 9, adaptiveFiltering: false, palette: true, quality: 85, effort: 10, dither: 0.5 })
      .toFile(file);
    written.push(file);
  };
  for (const l of LOCALES) {
    // The poster as it prints: its PDF's page rasterized by poppler, not a browser screenshot.
    const prefix = path.join(tmp, `poster-${l}`);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', path.join(dir, l, 'poster-a4.pdf'), prefix]);
    await save(`poster-a4-${l}.png`, `${prefix}.png`);
    await save(`social-card-square-${l}.png`, path.join(dir, l, 'social-card-square.png'));
  }
  await save('contact-sheet.png', await contactSheetShot(path.join(dir, 'index.html')), 800);

  let total = 0;
  for (const f of written) {
    const bytes = readFileSync(f).length;
    total += bytes;
    say(`${path.relative(repo, f)}  ${(bytes / 1024).toFixed(0)} kB`);
  }
  say(`${written.length} files, ${(total / 1024).toFixed(0)} kB`);
  if (process.argv.includes('--keep')) say(`temporary project kept: ${tmp}`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(tmp, { recursive: true, force: true });
}

/** The top of the contact sheet as a browser shows it, opened from file:// with JavaScript off. */
async function contactSheetShot(file) {
  const { resolveBrowser } = await import(new URL('../dist/render/chromium.js', import.meta.url).href);
  const browser = await puppeteer.launch({
    executablePath: (await resolveBrowser(process.env.CAMPAIGN_PRESS_CHROMIUM)).executablePath,
    headless: true,
    args: ['--no-sandbox', '--font-render-hinting=none'],
  });
  try {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setViewport({ width: 1200, height: 900, deviceScaleFactor: 1 });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    // Lazy pictures in view load with the page; wait until each has finished.
    await page.waitForFunction(() => Array.from(document.images).every((i) => i.complete || i.getBoundingClientRect().top > 900), {
      polling: 100,
      timeout: 30_000,
    });
    return Buffer.from(await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: 1200, height: 900 } }));
  } finally {
    await browser.close();
  }
}
