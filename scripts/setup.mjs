#!/usr/bin/env node
// One-step set-up, run by `npm run sample`, `npm test` and `npm run setup`.
// It uses only Node's built-ins, because it runs before node_modules exists:
//   1. checks Node, 2. installs npm packages when the lockfile changed, 3. compiles src/ to dist/,
//   4. finds Chrome/Chromium, installing Debian/Ubuntu's chromium package when there is none,
//   5. with --test-tools, installs poppler-utils (pdftoppm, pdftotext, pdffonts), ghostscript, translate-toolkit
//      (xliff2po, po2xliff) and libxml2-utils (xmllint, for the XLIFF schema tests) for the tests.
// Fonts come from npm (@fontsource), so step 2 covers them.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wantTestTools = process.argv.includes('--test-tools');
const say = (s) => process.stderr.write(`[setup] ${s}\n`);
const fail = (s) => {
  process.stderr.write(`[setup] error: ${s}\n`);
  process.exit(1);
};
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  return r.status === 0;
};
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// 1. Node
const [maj, min] = process.versions.node.split('.').map(Number);
if (maj < 20 || (maj === 20 && min < 19)) fail(`Node ${process.versions.node} is too old; campaign-press needs Node 20.19 or later.`);

// 2. npm packages, when package-lock.json changed since the last install
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.campaign-press-setup');
const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex');
const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (installed !== lockHash) {
  say('installing npm packages (npm ci)...');
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' } }))
    fail('npm ci failed; see the messages above.');
  writeFileSync(stamp, `${lockHash}\n`);
}

// 3. compile (incremental, so a no-op is fast)
if (!run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']))
  fail('TypeScript compilation failed.');

// 4. a browser
const { resolveBrowser } = await import(new URL('../dist/render/chromium.js', import.meta.url).href);
const findBrowser = async () => {
  try {
    return await resolveBrowser();
  } catch {
    return undefined;
  }
};
const isRoot = process.getuid?.() === 0;
const sudo = isRoot ? [] : has('sudo') ? ['sudo', '-n'] : undefined;
const aptInstall = (pkgs) => {
  if (process.platform !== 'linux' || !has('apt-get') || !sudo) return false;
  say(`installing ${pkgs.join(' ')} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const pre = sudo.length ? [sudo[0], [...sudo.slice(1), 'apt-get']] : ['apt-get', []];
  const apt = (args) => run(pre[0], [...pre[1], ...args], { env });
  if (apt(['install', '-y', '-q', '--no-install-recommends', ...pkgs])) return true;
  return apt(['update', '-q']) && apt(['install', '-y', '-q', '--no-install-recommends', ...pkgs]);
};
let browser = await findBrowser();
if (!browser) {
  // Debian names it chromium; older Ubuntu releases chromium-browser. Chromium draws no text at
  // all (bundled web fonts included) without at least one system font: fonts-dejavu-core.
  if (!aptInstall(['chromium', 'fonts-dejavu-core'])) aptInstall(['chromium-browser', 'fonts-dejavu-core']);
  browser = await findBrowser();
}
if (!browser) {
  say("no system Chromium; trying puppeteer's managed chrome-headless-shell (needs internet)...");
  const cli = path.join(root, 'node_modules', '@puppeteer', 'browsers', 'lib', 'cjs', 'main-cli.js');
  if (existsSync(cli))
    run(process.execPath, [
      cli,
      'install',
      'chrome-headless-shell@stable',
      '--path',
      process.env.PUPPETEER_CACHE_DIR ?? path.join(process.env.HOME ?? root, '.cache', 'puppeteer'),
    ]);
  browser = await findBrowser();
}
if (!browser) {
  fail(
    'no Chrome or Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install chromium`), or set CAMPAIGN_PRESS_CHROMIUM to its path.',
  );
}
say(`browser: ${browser.executablePath} (${browser.source})`);

// 5. test tools
if (wantTestTools) {
  const tools = ['pdftoppm', 'pdftotext', 'pdffonts', 'pdfinfo'];
  if (!tools.every(has)) {
    aptInstall(['poppler-utils']);
    if (!tools.every(has))
      fail('the tests need poppler-utils (pdftoppm, pdftotext, pdffonts, pdfinfo); install it with your package manager.');
  }
  // The ink test renders each PDF with and without its text layer (Ghostscript's -dFILTERTEXT).
  if (!has('gs')) {
    aptInstall(['ghostscript']);
    if (!has('gs')) fail('the tests need Ghostscript (gs); install it with your package manager.');
  }
  // The XLIFF interop tests round-trip through translate-toolkit (xliff2po, po2xliff).
  if (!['xliff2po', 'po2xliff'].every(has)) {
    aptInstall(['translate-toolkit']);
    if (!['xliff2po', 'po2xliff'].every(has))
      fail('the tests need translate-toolkit (xliff2po, po2xliff); install it with your package manager.');
  }
  // Exported XLIFF 1.2 and 2.0 are validated against the OASIS schemas (tests/fixtures/xsd) with xmllint.
  if (!has('xmllint')) {
    aptInstall(['libxml2-utils']);
    if (!has('xmllint')) fail('the tests need xmllint (libxml2-utils); install it with your package manager.');
  }
}
try {
  accessSync(path.join(root, 'dist', 'cli', 'main.js'), constants.R_OK);
} catch {
  fail('dist/cli/main.js is missing after compiling.');
}
say('ready');
