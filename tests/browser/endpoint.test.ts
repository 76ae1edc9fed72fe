import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, resolveBrowser } from '../../src/render/chromium.js';
import { RenderPool } from '../../src/render/pool.js';
import { canaryJpeg, campaignMd, defaultConsent, listFiles, makeProject, runCli, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * --browser-endpoint: a build in a Chrome that already runs (started here as a CI service would
 * start it, with the project's flags and its own profile folder) gives the same bytes as a build
 * in a launched Chromium, opens and closes only its own contexts, leaves the browser running, and
 * reconnects once when the connection drops. The remote has none of our files: fonts and the
 * photo reach it through interception.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
let chrome: ChildProcess;
let profileDir: string;
let wsEndpoint: string;
let httpEndpoint: string;

async function startRemoteChrome(): Promise<void> {
  const { executablePath } = await resolveBrowser();
  profileDir = mkdtempSync(path.join(os.tmpdir(), 'cp-remote-profile-'));
  const args = ['--headless=new', '--remote-debugging-port=0', `--user-data-dir=${profileDir}`, ...CHROMIUM_ARGS];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  // Its own process group, so that the test ends the browser and all its helper processes.
  chrome = spawn(executablePath, [...args, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  wsEndpoint = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no DevTools address from Chromium:\n${err}`)), 30_000);
    chrome.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    chrome.on('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${err}`)));
  });
  httpEndpoint = `http://${new URL(wsEndpoint).host}`;
}

/** What the remote browser holds now: its contexts besides the default one, and its open pages. */
async function remoteState(): Promise<{ contexts: number; pages: string[] }> {
  const b = await puppeteer.connect({ browserWSEndpoint: wsEndpoint });
  try {
    const pages = await b.pages();
    return { contexts: b.browserContexts().length - 1, pages: pages.map((p) => p.url()) };
  } finally {
    await b.disconnect();
  }
}

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;
const campaignDir = () => path.join(root, 'campaigns', 'c');
const build = (out: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runCli(['--root', root, 'build', 'campaigns/c', '--as-of', AS_OF, '--no-cache', '--out', out, ...extra], { cwd: root, env });
const filesOf = (out: string) =>
  Object.fromEntries(listFiles(path.join(root, out, 'c')).map((f) => [f, sha256(readFileSync(path.join(root, out, 'c', f)))]));

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  const photo = await canaryJpeg('remote-photo', 480, 320);
  const karwan = testimonyMd({
    id: 'karwan',
    extra: 'photo: assets/road.jpg\n',
    consent: defaultConsent({ id: 'CR-REMOTE-1', photo: `  photo:\n    permission: obscured\n    sha256: "${sha256(photo)}"\n` }),
  });
  writeFiles(campaignDir(), {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb'],
      outputs:
        '  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n  - template: poster\n    formats: [a4]',
    }),
    'assets/road.jpg': photo,
    'testimonies/karwan.md': karwan,
    'testimonies/karwan.ckb.md': `---\ntranslation_of: karwan\nsource_sha256: "${sha256(karwan)}"\nstatus: reviewed\ntitle: چیرۆکێک لە ڕێگا\nquote: بەڵێنی بەلەمێکی سەلامەتیان پێدا\nparaphrase: بەڵێنی بەلەمێکیان پێدا\n---\nنموونەیی.\n`,
  });
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'c.json': `${JSON.stringify({ title: 'هەڵمەتی تاقیکردنەوە', headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.', subline: 'دەریا ڕاستە. بەڵێنەکان ڕاست نین.', cta: 'پەیوەندی بە هێڵی یارمەتی بکە' }, null, 2)}\n`,
  });
  await startRemoteChrome();
}, 60_000);

afterAll(async () => {
  if (chrome && alive(chrome)) {
    const exited = new Promise((r) => chrome.once('exit', r));
    process.kill(-chrome.pid!, 'SIGKILL');
    await exited;
  }
  rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  cleanup();
});

describe('--browser-endpoint', () => {
  it('builds the same bytes as a launched browser, and leaves the remote running with none of its contexts', async () => {
    const launched = await build('out-launched');
    expect(launched.code, launched.stderr).toBe(0);
    const before = await remoteState();
    const remote = await build('out-remote', ['--browser-endpoint', wsEndpoint, '--json']);
    expect(remote.code, remote.stderr).toBe(0);
    const a = filesOf('out-launched');
    const b = filesOf('out-remote');
    // Cards with the photo and the posters' sharing PNGs, in Sorani and English, and a print PDF.
    expect(Object.keys(a).filter((f) => f.endsWith('.png')).length, Object.keys(a).join(' ')).toBe(6);
    expect(Object.keys(a).some((f) => f.endsWith('.pdf'))).toBe(true);
    expect(b).toEqual(a);
    expect(alive(chrome)).toBe(true);
    expect(await remoteState()).toEqual(before);
  });

  it('takes the http:// DevTools address from CAMPAIGN_PRESS_BROWSER_ENDPOINT', async () => {
    const r = await build('out-env', [], { CAMPAIGN_PRESS_BROWSER_ENDPOINT: httpEndpoint });
    expect(r.code, r.stderr).toBe(0);
    expect(filesOf('out-env')).toEqual(filesOf('out-launched'));
    expect(alive(chrome)).toBe(true);
    expect((await remoteState()).contexts).toBe(0);
  });

  it('reconnects once when the connection drops, and closes the context it left behind', async () => {
    const pool = new RenderPool(new Map(), { browserEndpoint: wsEndpoint, concurrency: 1 });
    let attempts = 0;
    try {
      const r = await pool.run('drop', async (page) => {
        attempts++;
        if (attempts === 1) {
          await page.browser().disconnect();
          await page.evaluate(() => 1);
        }
        return page.evaluate(() => 6 * 7);
      });
      expect(r).toBe(42);
      expect(attempts).toBe(2);
      expect(pool.browserPid()).toBeUndefined();
    } finally {
      await pool.close();
    }
    expect(alive(chrome)).toBe(true);
    expect((await remoteState()).contexts).toBe(0);
  });

  it('an unreachable browser exits 4 (browser-unreachable) without showing the token; a malformed address exits 2', async () => {
    const dead = await build('out-dead', ['--browser-endpoint', 'ws://127.0.0.1:9/devtools/browser/x?token=SECRET-TOKEN']);
    expect(dead.code).toBe(4);
    expect(dead.stderr).toContain('browser-unreachable');
    expect(dead.stderr).toContain('ws://127.0.0.1:9/devtools/browser/x');
    expect(dead.stderr).not.toContain('SECRET-TOKEN');
    const bad = await build('out-bad', ['--browser-endpoint', 'ftp://127.0.0.1:9222']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--browser-endpoint must start with ws:\/\/, wss:\/\/, http:\/\/ or https:\/\//);
    const badEnv = await build('out-bad', [], { CAMPAIGN_PRESS_BROWSER_ENDPOINT: 'not a url' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('CAMPAIGN_PRESS_BROWSER_ENDPOINT');
    expect(listFiles(path.join(root, 'out-dead'))).toEqual([]);
  });
});
