#!/usr/bin/env node
// The benchmark (not part of the test suite). Everything is measured in one run, on one machine,
// and reported as ratios, because absolute times vary between machines:
//   1. campaign-press's full build of a synthetic campaign: every template and format, 13 locales,
//      20 testimonies (assets/s), then a no-op rebuild;
//   2. square cards (1080x1080) three ways, on the same page documents and fonts:
//      campaign-press's build (every check on), the plain script a user would write instead (one
//      browser, one reused page, fonts from memory, setContent, a PNG screenshot), and a browser
//      per card (what simple generators do);
//   3. peak RSS of Node and of the Chromium process tree at about 100 and about 1,000 assets, and a
//      no-op rebuild of the 1,000;
//   4. a per-stage profile in ms per rendered asset (stages timed inside the renderer).
// Usage: see HELP below (node scripts/bench.mjs --help).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { build, loadProject } = await dist('pipeline/run.js');
const { planRenders } = await dist('pipeline/plan.js');
const { renderDocument } = await dist('pipeline/document.js');
const { Diagnostics } = await dist('errors.js');
const { Translator } = await dist('i18n/translator.js');
const { fontFile } = await dist('fonts/fonts.js');
const { resolveBrowser } = await dist('render/chromium.js');
const { ASSET_ORIGIN } = await dist('util/origin.js');
const profile = await dist('util/profile.js').catch(() => undefined);
const { planStep } = await dist('pipeline/steps/plan.js');
const { resolveScope } = await dist('pipeline/steps/load.js');
const { createManifest, renderManifest } = await dist('output/manifest.js');

const HELP = `Usage: node scripts/bench.mjs [--quick] [--only PARTS] [--lanes N] [--json FILE] [--keep]

  --only PARTS  comma-separated; default full,squares,memory,noop
      full      full build of the synthetic campaign (every template and format, 13 locales) and its no-op rebuild
      squares   1080x1080 cards three ways: campaign-press, the plain reused-page script, a browser per card
                (cards/s, CPU ms per card of Node and Chromium, stage profile)
      cards     the campaign-press square-card build alone (to profile it: node --cpu-prof ...)
      png       the card PNG two ways on one page: sharp's re-encode, Chromium's PNG with a chunk pass
      memory    peak RSS at about 100 and about 1,000 assets, and their no-op rebuilds
      noop      no-op rebuild of about 1,000 registered assets, in-process and through the CLI
  --quick       small sizes (for trying the script, not for the README's numbers)
  --lanes N     pages rendering at once in the campaign-press builds (default: the pool's choice)
  --json FILE   also write the result as JSON
  --keep        keep the noop part's project folder
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const jsonIdx = process.argv.indexOf('--json');
// --only full,squares,memory: run some parts (for working on one figure; the README's run has all).
const onlyIdx = process.argv.indexOf('--only');
const parts = onlyIdx > 0 ? new Set(process.argv[onlyIdx + 1].split(',')) : new Set(['full', 'squares', 'memory', 'noop']);
// --lanes N: pages rendering at once in the square-card build (default: the pool's own choice).
const lanesIdx = process.argv.indexOf('--lanes');
const lanes = lanesIdx > 0 ? Number(process.argv[lanesIdx + 1]) : undefined;
const jsonOut = jsonIdx > 0 ? process.argv[jsonIdx + 1] : undefined;
const say = (s) => process.stderr.write(`[bench] ${s}\n`);
const AS_OF = '2026-11-28';
const LOCALES = ['en', 'ckb', 'kmr', 'ar', 'fa', 'prs', 'ps', 'ur', 'tg', 'ru', 'uz', 'ky', 'kk'];

// ---------------------------------------------------------------- a synthetic project

/** Campaign messages in each locale's own script, made of its shipped labels (real text, real fonts). */
function messagesFor(locale) {
  const common = JSON.parse(readFileSync(path.join(root, 'locales', locale, 'common.json'), 'utf8'));
  const s = (k) => (typeof common[k] === 'string' ? common[k] : '');
  const pick = Object.values(common).filter((v) => typeof v === 'string' && !v.includes('{{'));
  return {
    title: s('stories_heading') || pick[0],
    headline: pick[1] ?? pick[0],
    subline: pick[2] ?? pick[0],
    cta: pick[5] ?? pick[0],
  };
}

function consentBlock(id) {
  return `consent:
  id: BENCH-${String(id).padStart(4, '0')}
  status: granted
  given_by: self
  subject:
    role: returnee
    age_band: adult
  granted_on: 2026-01-01
  review_by: 2027-12-31
  expires_on: 2028-12-31
  scope:
    channels: [print, pdf, social]
    locales: [${LOCALES.join(', ')}]
    regions: [IQ-AR]
    excluded_regions: []
    quote_usage: verbatim
    allow_translation: true
  identity:
    level: pseudonym
    display_name: "Story ${id}*"
    name_changed_note: true
    denylist_sha256: []
  photo:
    permission: none
  risk:
    level: low
    pillars_removed: []
    signoff: []`;
}

function makeProject(testimonies, outputs) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-bench-'));
  cpSync(path.join(root, 'templates'), path.join(dir, 'templates'), { recursive: true });
  cpSync(path.join(root, 'locales'), path.join(dir, 'locales'), { recursive: true });
  const c = path.join(dir, 'campaigns', 'bench');
  mkdirSync(path.join(c, 'testimonies'), { recursive: true });
  const sample = readFileSync(path.join(root, 'campaigns', 'safe-journeys', 'campaign.md'), 'utf8');
  const contact =
    /contact:\n(?: {2}.*\n)+/.exec(sample)?.[0] ?? 'contact:\n  hotline: "+964 750 000 0000"\n  url: "https://example.org/"\n';
  const brand = (/brand:\n(?: {2}.*\n)+/.exec(sample)?.[0] ?? '').replace(/ {2}logo: .*\n/, '');
  const en = messagesFor('en');
  writeFileSync(
    path.join(c, 'campaign.md'),
    `---
id: bench
title: ${JSON.stringify(en.title)}
source_locale: en
locales: [${LOCALES.join(', ')}]
distribution:
  regions: [IQ-AR]
${contact}${brand}messages:
  headline: ${JSON.stringify(en.headline)}
  subline: ${JSON.stringify(en.subline)}
  cta: ${JSON.stringify(en.cta)}
outputs:
${outputs}
---
A synthetic campaign for the benchmark. Its text is made of the shipped labels.
`,
  );
  for (const l of LOCALES.slice(1)) writeFileSync(path.join(dir, 'locales', l, 'bench.json'), JSON.stringify(messagesFor(l)));
  for (let i = 1; i <= testimonies; i++) {
    const source = `---
id: story-${i}
title: "A journey that did not end (${i})"
quote: "They told us the boat was new. It was not."
${consentBlock(i)}
---
A synthetic testimony for the benchmark, number ${i}. It is not anyone's story.
`;
    writeFileSync(path.join(c, 'testimonies', `story-${i}.md`), source);
    // A reviewed translation in every locale (made of that locale's labels), so each testimony
    // gives a card per locale: 13 per testimony, as a real 13-language release does.
    const hash = createHash('sha256').update(source).digest('hex');
    for (const l of LOCALES.slice(1)) {
      const m = messagesFor(l);
      writeFileSync(
        path.join(c, 'testimonies', `story-${i}.${l}.md`),
        `---
translation_of: story-${i}
source_sha256: "${hash}"
status: reviewed
title: ${JSON.stringify(`${m.title} ${i}`)}
quote: ${JSON.stringify(m.subline)}
---
${m.headline}
`,
      );
    }
  }
  return { dir, campaignDir: c, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Every template and format. A trifold has six panels: it shows two of the stories (outputs[].testimonies),
// as a partner's would; the A5 booklet grows to hold all of them.
const ALL_OUTPUTS = `  - template: poster
  - template: leaflet
    formats: [a5]
  - template: leaflet
    formats: [a4-trifold]
    testimonies: [story-1, story-2]
  - template: social-card
  - template: testimony-card
    for_each: testimony`;
const SQUARES = `  - template: social-card
    formats: [square]
  - template: testimony-card
    formats: [square]
    for_each: testimony`;

// ---------------------------------------------------------------- measuring

/**
 * Peak RSS (MB) and CPU seconds (user + system) of this process and of every process below it
 * (Chromium and its renderers), sampled from /proc by a separate process. The sampling must not
 * run here: a `ps` spawned from this process blocked its event loop for tens of ms four times a
 * second and slowed the build being measured. Node's own CPU comes from process.cpuUsage; the
 * sampler's own process is left out. A child's last 200 ms before it exits may be missed. On a
 * machine that others load, CPU per card is the figure their load skews least.
 */
const SAMPLER = `
const fs = require('node:fs');
const root = Number(process.argv[1]);
const cpu = new Map(), base = new Map();
let peakNode = 0, peakKids = 0, first = true;
function stat(pid) {
  try {
    const f = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(x[1]), cpu: (Number(x[11]) + Number(x[12])) / 100, rss: Number(x[21]) * 4096 };
  } catch { return undefined; }
}
function tick() {
  const all = new Map();
  for (const d of fs.readdirSync('/proc')) if (/^[0-9]+$/.test(d)) { const s = stat(d); if (s) all.set(Number(d), s); }
  const kids = new Map();
  for (const [pid, s] of all) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), pid]);
  let rss = 0;
  const stack = [...(kids.get(root) ?? [])].filter((p) => p !== process.pid);
  while (stack.length) {
    const p = stack.pop();
    const s = all.get(p);
    rss += s.rss;
    if (first) base.set(p, s.cpu);
    cpu.set(p, Math.max(cpu.get(p) ?? 0, s.cpu));
    stack.push(...(kids.get(p) ?? []));
  }
  first = false;
  peakKids = Math.max(peakKids, rss);
  peakNode = Math.max(peakNode, all.get(root)?.rss ?? 0);
}
tick();
const timer = setInterval(tick, 200);
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  clearInterval(timer);
  tick();
  let kidsCpu = 0;
  for (const [p, v] of cpu) kidsCpu += v - (base.get(p) ?? 0);
  process.stdout.write(JSON.stringify({ node_mb: peakNode / 1048576, chromium_mb: peakKids / 1048576, children_s: kidsCpu }));
});
`;

function sampler() {
  const child = spawn(process.execPath, ['-e', SAMPLER, String(process.pid)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise((resolve) => child.on('close', resolve));
  const n0 = process.cpuUsage();
  return async () => {
    const n = process.cpuUsage(n0);
    child.stdin.end();
    await done;
    const r = JSON.parse(out);
    return {
      memory: { node_mb: Math.round(r.node_mb), chromium_mb: Math.round(r.chromium_mb) },
      cpu: { node_s: (n.user + n.system) / 1e6, children_s: r.children_s },
    };
  };
}

async function timedBuild(label, project, extra = {}) {
  profile?.resetProfile?.();
  const stop = sampler();
  const t0 = performance.now();
  const report = await build({
    root: project.dir,
    campaignDir: project.campaignDir,
    out: path.join(project.dir, 'out'),
    asOf: AS_OF,
    skipRefused: true,
    ...extra,
  });
  const seconds = (performance.now() - t0) / 1000;
  const { memory, cpu } = await stop();
  const errors = report.errors ?? [];
  if (errors.length) throw new Error(`${label}: the build failed: ${errors.map((e) => e.message).join('; ')}`);
  const assets = report.assets?.length ?? report.stats?.planned ?? 0;
  say(
    `${label}: ${assets} assets in ${seconds.toFixed(1)} s (${(assets / seconds).toFixed(2)}/s), peak RSS node ${memory.node_mb} MB, chromium ${memory.chromium_mb} MB`,
  );
  const rendered = report.stats?.rendered ?? 0;
  const build_ms = buildStages(label);
  if (rendered) say(`${label}: CPU ${cpuText(cpu, rendered)} per rendered asset`);
  return { assets, seconds, per_s: assets / seconds, memory, cpu, stats: report.stats, stages: stageTable(label, rendered), build_ms };
}

function cpuText(cpu, n) {
  return `${Math.round(((cpu.node_s + cpu.children_s) * 1000) / n)} ms (Node ${Math.round((cpu.node_s * 1000) / n)}, Chromium ${Math.round((cpu.children_s * 1000) / n)})`;
}

/** Whole-build steps (load, plan and reuse, commit) in ms: where a no-op rebuild spends its time. */
function buildStages(label) {
  const snap = profile?.profileSnapshot?.() ?? {};
  const rows = Object.entries(snap).filter(([k]) => k.startsWith('build: '));
  if (!rows.length) return undefined;
  say(`${label}: ${rows.map(([k, v]) => `${k.slice(7)} ${Math.round(v.ms)} ms`).join(', ')}`);
  return Object.fromEntries(rows.map(([k, v]) => [k.slice(7), Math.round(v.ms)]));
}

/** ms per rendered asset of each stage timed inside campaign-press (src/util/profile.ts), printed as a table. */
function stageTable(label, rendered) {
  const snap = profile?.profileSnapshot?.() ?? {};
  if (!rendered || !Object.keys(snap).length) return undefined;
  const rows = Object.entries(snap)
    .filter(([k]) => !k.startsWith('build: '))
    .map(([stage, v]) => [stage, round(v.ms / rendered, 1), v.count]);
  const width = Math.max(...rows.map(([s]) => s.length));
  say(`${label}: stage profile, ms per rendered asset (${rendered} rendered; stages overlap across pages and encoding)`);
  for (const [stage, ms, count] of rows) say(`  ${stage.padEnd(width)} ${String(ms).padStart(8)} ms   (${count} times)`);
  const sum = round(
    rows.reduce((t, r) => t + r[1], 0),
    1,
  );
  say(`  ${'sum'.padEnd(width)} ${String(sum).padStart(8)} ms`);
  return Object.fromEntries(rows.map(([stage, ms]) => [stage, ms]));
}

/** The command line of `campaign-press build` as a user runs it, on a project already built. */
function noopArgs(project) {
  return [
    path.join(root, 'bin', 'campaign-press.js'),
    '--root',
    project.dir,
    'build',
    project.campaignDir,
    '--as-of',
    AS_OF,
    '--skip-refused',
    '--out',
    path.join(project.dir, 'out'),
  ];
}

/** Wall time of that build. */
function cliNoop(project) {
  const t0 = performance.now();
  execFileSync(process.execPath, noopArgs(project), { stdio: 'ignore' });
  return (performance.now() - t0) / 1000;
}

/** Wall and CPU (user + sys) seconds of that build. */
function cliNoopCpu(project) {
  const args = noopArgs(project);
  const t0 = performance.now();
  const r = execFileSync('bash', ['-c', `TIMEFORMAT='%U %S'; { time "$@" >/dev/null 2>&1; } 2>&1`, 'bash', process.execPath, ...args], {
    encoding: 'utf8',
  });
  const wall = (performance.now() - t0) / 1000;
  const [u, s] = r.trim().split(/\s+/).map(Number);
  return { wall, cpu: u + s };
}

/** The page documents campaign-press renders for a project's square cards. */
function squareDocuments(project) {
  const p = loadProject(project.dir, project.campaignDir);
  const diag = new Diagnostics();
  const resources = {};
  for (const l of LOCALES) {
    resources[l] = {
      common: JSON.parse(readFileSync(path.join(project.dir, 'locales', l, 'common.json'), 'utf8')),
      campaign: p.campaign.messages.get(l) ?? {},
    };
  }
  const translator = new Translator(p.table, resources, diag);
  const plan = planRenders(
    p.campaign,
    p.templates,
    { asOf: AS_OF, locales: LOCALES, only: [], regions: p.campaign.data.distribution.regions, skipRefused: true, photoHashes: new Map() },
    diag,
  );
  return plan.jobs.map(
    (job) => renderDocument(job, { campaign: p.campaign, table: p.table, translator, assets: new Map(), photos: new Map() }).html,
  );
}

const ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
if (process.getuid?.() === 0) ARGS.push('--no-sandbox');

/** Fonts from memory, and no other request: what both the plain script and the PNG comparison's page do. */
function answerFonts(page) {
  page.on('request', (req) => {
    const url = req.url();
    const font = url.startsWith(`${ASSET_ORIGIN}/`) ? fontFile(url.slice(ASSET_ORIGIN.length + 1)) : undefined;
    if (font) void req.respond({ status: 200, contentType: 'font/woff2', headers: { 'Access-Control-Allow-Origin': '*' }, body: font });
    else if (url === 'about:blank' || url.startsWith('data:')) void req.continue();
    else void req.abort();
  });
}

/** The script a user would write: one browser, one reused page, fonts from memory, a PNG screenshot. */
async function plainScript(docs, browserPerCard) {
  const { executablePath } = await resolveBrowser();
  const launch = () => puppeteer.launch({ executablePath, headless: true, pipe: true, args: ARGS });
  const preparePage = async (browser) => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1080, height: 1080 });
    await page.setRequestInterception(true);
    answerFonts(page);
    return page;
  };
  const shoot = async (page, html) => {
    await page.setContent(html, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    return page.screenshot({ type: 'png' });
  };
  const stop = sampler();
  const t0 = performance.now();
  if (browserPerCard) {
    for (const html of docs) {
      const browser = await launch();
      await shoot(await preparePage(browser), html);
      await browser.close();
    }
  } else {
    const browser = await launch();
    const page = await preparePage(browser);
    for (const html of docs) await shoot(page, html);
    await browser.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const { cpu } = await stop();
  say(`${browserPerCard ? 'a browser per card' : 'plain script'}: CPU ${cpuText(cpu, docs.length)} per card`);
  return { seconds, cpu };
}

/** CPU seconds (user + system) of a process and every process below it, from /proc (Linux). */
function treeCpu(pid) {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  const stack = [pid];
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  while (stack.length) {
    const p = stack.pop();
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // The process ended between ps and /proc.
    }
    for (const [c, pp] of rows) if (pp === p) stack.push(c);
  }
  return total;
}

/**
 * The PNG of a card two ways, on the same rendered page: Chromium's fast PNG re-encoded by sharp
 * (level 7, no adaptive filtering), or Chromium's normally encoded PNG kept with only a chunk pass
 * (render/png.ts). CPU of Node (sharp's threads included) and of the Chromium tree, wall time and
 * bytes per card; the pixels of both are compared.
 */
async function pngPaths(docs) {
  const sharp = (await import('sharp')).default;
  const { CHROMIUM_ARGS } = await dist('render/chromium.js');
  const png = await dist('render/png.js');
  const { executablePath } = await resolveBrowser();
  const args = [...CHROMIUM_ARGS];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({ executablePath, headless: true, pipe: true, args });
  const pid = browser.process().pid;
  const page = await browser.newPage();
  await page.setViewport({ width: 1080, height: 1080 });
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  answerFonts(page);
  const clip = { x: 0, y: 0, width: 1080, height: 1080 };
  const paths = {
    sharp_level7: async () => {
      const raw = Buffer.from(await page.screenshot({ type: 'png', clip, captureBeyondViewport: false, optimizeForSpeed: true }));
      const t = performance.now();
      const out = await sharp(raw).png({ compressionLevel: 7, adaptiveFiltering: false }).toBuffer();
      return { out, encodeMs: performance.now() - t, raw };
    },
    chromium_png: async () => {
      const raw = Buffer.from(await page.screenshot({ type: 'png', clip, captureBeyondViewport: false, optimizeForSpeed: false }));
      const t = performance.now();
      const out = png.keepPixelChunks(raw);
      return { out, encodeMs: performance.now() - t, raw };
    },
  };
  const sum = Object.fromEntries(
    Object.keys(paths).map((k) => [k, { wall_ms: 0, encode_ms: 0, node_cpu_ms: 0, chromium_cpu_ms: 0, bytes: 0 }]),
  );
  let samePixels = 0;
  for (const html of docs) {
    await page.setContent(html, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    const pixels = [];
    // Alternate which path goes first, so neither always meets a warmer cache.
    const order = samePixels % 2 ? Object.keys(paths).reverse() : Object.keys(paths);
    for (const name of order) {
      const c0 = treeCpu(pid);
      const n0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await paths[name]();
      const wall = performance.now() - t0;
      const n1 = process.cpuUsage(n0);
      const c1 = treeCpu(pid);
      const s = sum[name];
      s.wall_ms += wall;
      s.encode_ms += r.encodeMs;
      s.node_cpu_ms += (n1.user + n1.system) / 1000;
      s.chromium_cpu_ms += (c1 - c0) * 1000;
      s.bytes += r.out.length;
      pixels.push(await sharp(r.out).raw().toBuffer());
    }
    if (pixels[0].equals(pixels[1])) samePixels++;
  }
  await browser.close();
  const per = (s) =>
    Object.fromEntries(
      Object.entries(s).map(([k, v]) => [k.replace('bytes', 'kb'), round(k === 'bytes' ? v / docs.length / 1024 : v / docs.length, 1)]),
    );
  const out = { cards: docs.length, same_pixels: samePixels, ...Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, per(v)])) };
  for (const k of Object.keys(paths)) say(`png ${k}: ${JSON.stringify(out[k])} per card`);
  say(`png: the two paths gave the same pixels on ${samePixels} of ${docs.length} cards`);
  return out;
}

/** Files of random bytes where a build writes each planned asset, and the manifest a build would write for them. */
async function registerOutputs(project) {
  const p = loadProject(project.dir, project.campaignDir);
  const scope = resolveScope(p, { asOf: AS_OF });
  const planned = await planStep(p, scope, { root: project.dir, skipRefused: true, strict: false }, new Diagnostics());
  const campaignOut = path.join(project.dir, 'out', p.campaign.id);
  const assets = planned.jobs.map(({ job, key, inputs, alt, warnings }) => {
    const bytes = createHash('sha256').update(job.relPath).digest();
    mkdirSync(path.dirname(path.join(campaignOut, job.relPath)), { recursive: true });
    writeFileSync(path.join(campaignOut, job.relPath), bytes);
    if (alt !== undefined) writeFileSync(path.join(campaignOut, `${job.relPath}.alt.txt`), `${alt}\n`);
    return {
      path: job.relPath,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      ...(job.format.output === 'pdf' ? { pages: 1 } : { width: job.format.width, height: job.format.height }),
      locale: job.locale,
      template: job.template.name,
      format: job.format.name,
      output: job.format.output,
      channel: job.channel,
      consent_ids: job.pieces.map((x) => x.consentId).filter(Boolean),
      testimonies: job.pieces.map((x) => x.id),
      ...(alt !== undefined ? { alt } : {}),
      key,
      inputs,
      ...(warnings?.length ? { warnings } : {}),
    };
  });
  const m = createManifest(p.campaign.id, scope.asOf, scope.regions, assets, planned.refusals);
  writeFileSync(path.join(campaignOut, 'manifest.json'), renderManifest(m));
  say(`registered ${assets.length} assets without rendering them`);
  return assets.length;
}

// ---------------------------------------------------------------- the run

const sizes = quick ? { testimonies: 3, small: 2, large: 10, perCard: 3 } : { testimonies: 20, small: 7, large: 76, perCard: 10 };
const result = {
  machine: { cores: os.availableParallelism(), node: process.version, quick },
  // Other work on the machine skews every figure; the ratios are taken within this one run.
  load_average_at_start: os.loadavg().map((x) => round(x)),
};

if (parts.has('full')) {
  say(`full build: every template and format, ${LOCALES.length} locales, ${sizes.testimonies} testimonies`);
  const project = makeProject(sizes.testimonies, ALL_OUTPUTS);
  const full = await timedBuild('full build', project, { cache: false });
  const noop = await timedBuild('no-op rebuild', project);
  result.full_build = { assets: full.assets, seconds: round(full.seconds), assets_per_s: round(full.per_s), peak_rss: full.memory };
  result.full_noop_rebuild_s = round(noop.seconds);
  result.stage_ms_per_rendered_asset = full.stages;
  project.cleanup();
}

if (parts.has('squares')) {
  say('square cards three ways');
  const project = makeProject(sizes.testimonies, SQUARES);
  const cards = await timedBuild('campaign-press, square cards', project, { cache: false, ...(lanes ? { concurrency: lanes } : {}) });
  const docs = squareDocuments(project);
  const { seconds: plain, cpu: plainCpu } = await plainScript(docs, false);
  say(`plain reused-page script: ${docs.length} cards in ${plain.toFixed(1)} s (${(docs.length / plain).toFixed(2)}/s)`);
  const few = docs.slice(0, sizes.perCard);
  const { seconds: perCard } = await plainScript(few, true);
  say(`a browser per card: ${few.length} cards in ${perCard.toFixed(1)} s (${(few.length / perCard).toFixed(2)}/s)`);
  const cps = cards.assets / cards.seconds;
  result.square_cards = {
    cards: cards.assets,
    campaign_press_per_s: round(cps),
    plain_script_per_s: round(docs.length / plain),
    browser_per_card_per_s: round(few.length / perCard),
    ratio_vs_plain_script: round(cps / (docs.length / plain)),
    ratio_vs_browser_per_card: round(cps / (few.length / perCard)),
    lanes: lanes ?? 'default',
    cpu_ms_per_card: {
      campaign_press: Math.round(((cards.cpu.node_s + cards.cpu.children_s) * 1000) / cards.assets),
      campaign_press_node: Math.round((cards.cpu.node_s * 1000) / cards.assets),
      plain_script: Math.round(((plainCpu.node_s + plainCpu.children_s) * 1000) / docs.length),
    },
    stage_ms_per_card: cards.stages,
  };
  project.cleanup();
}

if (parts.has('cards')) {
  // The square-card build alone (for profiling it: node --cpu-prof scripts/bench.mjs --only cards).
  const project = makeProject(sizes.testimonies, SQUARES);
  const cards = await timedBuild('campaign-press, square cards', project, { cache: false, ...(lanes ? { concurrency: lanes } : {}) });
  result.cards_only = {
    cards: cards.assets,
    per_s: round(cards.per_s),
    cpu: cards.cpu,
    lanes: lanes ?? 'default',
    stage_ms_per_card: cards.stages,
  };
  project.cleanup();
}

if (parts.has('png')) {
  say("square-card PNG: sharp re-encode against Chromium's PNG with a chunk pass");
  const project = makeProject(sizes.testimonies, SQUARES);
  result.png_paths = await pngPaths(squareDocuments(project));
  project.cleanup();
}

if (parts.has('memory')) {
  say('memory and rebuilds at about 100 and about 1,000 assets');
  for (const [label, n] of [
    ['about_100', sizes.small],
    ['about_1000', sizes.large],
  ]) {
    const project = makeProject(n, SQUARES);
    const b = await timedBuild(`${label} build`, project, { cache: false });
    const noop = await timedBuild(`${label} no-op rebuild`, project);
    const noopCli = cliNoop(project);
    say(`${label} no-op rebuild through the CLI (a new process, startup included): ${noopCli.toFixed(2)} s`);
    result[label] = {
      assets: b.assets,
      seconds: round(b.seconds),
      peak_rss: b.memory,
      noop_rebuild_s: round(noop.seconds),
      noop_rebuild_cli_s: round(noopCli),
      noop_rendered: noop.stats?.rendered,
      noop_build_ms: noop.build_ms,
    };
    project.cleanup();
  }
  const m100 = result.about_100.peak_rss;
  const m1000 = result.about_1000.peak_rss;
  result.memory_ratio_1000_vs_100 = round((m1000.node_mb + m1000.chromium_mb) / Math.max(1, m100.node_mb + m100.chromium_mb));
  result.memory_ratio_node = round(m1000.node_mb / Math.max(1, m100.node_mb));
  result.memory_ratio_chromium = round(m1000.chromium_mb / Math.max(1, m100.chromium_mb));
}

if (parts.has('noop')) {
  // The no-op rebuild of about 1,000 assets alone, without rendering them first (hours on a loaded
  // 2-core machine): each planned asset is registered as a file of random bytes where the build
  // writes it, with the manifest entry the plan computes (path, sha256, content and input keys,
  // alt text). A no-op rebuild hashes the files, never reads their pixels, so it does the same work.
  say('no-op rebuild of about 1,000 registered assets (in-process and through the CLI)');
  const project = makeProject(sizes.large, SQUARES);
  // The parse cache of this run only (campaign/parse-cache.ts): empty at the first rebuild.
  process.env.CAMPAIGN_PRESS_CACHE_DIR = path.join(project.dir, 'parse-cache');
  const registered = await registerOutputs(project);
  const runs = [];
  for (let i = 0; i < 4; i++) {
    const load = os.loadavg()[0];
    const noop = await timedBuild(i === 0 ? 'no-op rebuild (in-process, parse cache empty)' : 'no-op rebuild (in-process)', project);
    runs.push({ seconds: round(noop.seconds), load_1min: round(load), rendered: noop.stats?.rendered, steps_ms: noop.build_ms });
  }
  const cli = [];
  for (let i = 0; i < 3; i++) {
    const load = os.loadavg()[0];
    const { wall, cpu } = cliNoopCpu(project);
    say(`no-op rebuild through the CLI: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU (load ${load.toFixed(1)})`);
    cli.push({ seconds: round(wall), cpu_s: round(cpu), load_1min: round(load) });
  }
  result.noop_about_1000 = { assets: registered, in_process: runs, cli };
  // --keep: leave the project for profiling (`node --cpu-prof bin/campaign-press.js --root DIR build …`).
  if (process.argv.includes('--keep')) say(`kept ${project.dir}`);
  else project.cleanup();
}

const cpu = (args) => {
  const t0 = process.cpuUsage();
  const r = execFileSync(
    'bash',
    ['-c', `TIMEFORMAT='%U %S'; { time node ${path.join(root, 'bin', 'campaign-press.js')} ${args} >/dev/null 2>&1; } 2>&1`],
    {
      encoding: 'utf8',
    },
  );
  void t0;
  const [u, s] = r.trim().split(/\s+/).map(Number);
  return round(u + s);
};
result.startup_cpu_s = { version: cpu('--version'), help: cpu('--help') };

result.load_average_at_end = os.loadavg().map((x) => round(x));
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(result, null, 2)}\n`);

function round(x, d = 2) {
  return Number(x.toFixed(d));
}
