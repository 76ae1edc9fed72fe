import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CampaignPressError } from '../errors.js';

/**
 * Which Chrome or Chromium to drive, in this order:
 *  1. an explicit path (--chromium) or CAMPAIGN_PRESS_CHROMIUM / PUPPETEER_EXECUTABLE_PATH;
 *  2. a Chrome that puppeteer manages (`npx @puppeteer/browsers install chrome-headless-shell@stable`
 *     into PUPPETEER_CACHE_DIR or ~/.cache/puppeteer);
 *  3. a system Chromium or Chrome.
 */

export interface ResolvedBrowser {
  executablePath: string;
  source: 'option' | 'env' | 'puppeteer-cache' | 'system';
}

const SYSTEM_CANDIDATES: Record<string, string[]> = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/google-chrome',
    '/snap/bin/chromium',
  ],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  win32: [
    path.join(process.env.PROGRAMFILES ?? 'C:\\Program Files', 'Google\\Chrome\\Application\\chrome.exe'),
    path.join(process.env['PROGRAMFILES(X86)'] ?? 'C:\\Program Files (x86)', 'Google\\Chrome\\Application\\chrome.exe'),
  ],
};

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function puppeteerCacheDir(): string {
  return process.env.PUPPETEER_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'puppeteer');
}

export async function resolveBrowser(explicit?: string): Promise<ResolvedBrowser> {
  if (explicit) {
    if (!executable(explicit))
      throw new CampaignPressError('browser-not-found', `--chromium ${explicit} is not an executable file`, { field: '--chromium' });
    return { executablePath: explicit, source: 'option' };
  }
  for (const name of ['CAMPAIGN_PRESS_CHROMIUM', 'PUPPETEER_EXECUTABLE_PATH'] as const) {
    const p = process.env[name];
    if (p) {
      if (!executable(p)) throw new CampaignPressError('browser-not-found', `${name}=${p} is not an executable file`, { field: name });
      return { executablePath: p, source: 'env' };
    }
  }
  try {
    // Loaded only here: a build that renders nothing never looks for a browser.
    const { Browser, getInstalledBrowsers } = await import('@puppeteer/browsers');
    const installed = await getInstalledBrowsers({ cacheDir: puppeteerCacheDir() });
    const usable = installed
      .filter((b) => b.browser === Browser.CHROMEHEADLESSSHELL || b.browser === Browser.CHROME || b.browser === Browser.CHROMIUM)
      .sort((a, b) => b.buildId.localeCompare(a.buildId, undefined, { numeric: true }));
    for (const b of usable) {
      if (executable(b.executablePath)) return { executablePath: b.executablePath, source: 'puppeteer-cache' };
    }
  } catch {
    // No cache folder: fall through to the system browser.
  }
  for (const p of SYSTEM_CANDIDATES[process.platform] ?? []) {
    if (executable(p)) return { executablePath: p, source: 'system' };
  }
  throw new CampaignPressError('browser-not-found', 'no Chrome or Chromium found');
}

/**
 * A loopback port nothing listens on. Every request that gets past interception (preconnects,
 * speculative fetches, a navigation interception did not see) goes to this proxy and fails here.
 */
export const DEAD_PROXY = '127.0.0.1:9';

/**
 * The network is dead at the browser, not only at interception: Chromium resolves host names
 * and preconnects before a request reaches the interception layer, and a DNS query alone carries
 * data out (`dnsexfil-<campaign-id>.example.com`). So every name resolves to "not found" inside
 * Chromium, and every connection, loopback included (`<-loopback>` removes the implicit bypass),
 * goes to a proxy that does not exist. Interception and the page CSP stay as the inner walls.
 * tests/browser/network.test.ts counts DNS queries and TCP connections to prove 0 and 0.
 */
export const NETWORK_ARGS = [
  `--proxy-server=${DEAD_PROXY}`,
  '--proxy-bypass-list=<-loopback>',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--dns-prefetch-disable',
  '--no-pings',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--force-webrtc-ip-handling-policy',
];

/** Flags that keep Chromium quiet on a closed network and make rendering repeatable. */
export const CHROMIUM_ARGS = [
  ...NETWORK_ARGS,
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-default-browser-check',
  '--disable-gpu',
  '--font-render-hinting=none',
  '--disable-lcd-text',
  '--force-color-profile=srgb',
  '--hide-scrollbars',
  '--mute-audio',
];

/**
 * A browser that already runs, reached over DevTools: `ws://…/devtools/browser/…` (or `wss://`,
 * as a service such as browserless gives it) is a WebSocket endpoint, `http://host:port` (or
 * `https://`) the DevTools HTTP address that names the endpoint. Anything else is a usage error
 * before any connection is tried.
 */
export interface BrowserEndpoint {
  kind: 'ws' | 'http';
  url: string;
  /** The address without its query string and credentials (a token must not reach logs or reports). */
  shown: string;
}

export function parseBrowserEndpoint(value: string, field = '--browser-endpoint'): BrowserEndpoint {
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    throw new CampaignPressError('usage', `${field} "${shownEndpoint(value)}" is not a URL`, { field }, ENDPOINT_HINT);
  }
  const kind =
    u.protocol === 'ws:' || u.protocol === 'wss:' ? 'ws' : u.protocol === 'http:' || u.protocol === 'https:' ? 'http' : undefined;
  if (!kind)
    throw new CampaignPressError(
      'usage',
      `${field} must start with ws://, wss://, http:// or https:// (got ${u.protocol})`,
      { field },
      ENDPOINT_HINT,
    );
  return { kind, url: u.toString(), shown: shownEndpoint(value) };
}

const ENDPOINT_HINT =
  'Give the DevTools address of a running Chrome: ws://host:3000/?token=… for browserless, or http://127.0.0.1:9222 for a Chrome started with --remote-debugging-port=9222.';

function shownEndpoint(value: string): string {
  try {
    const u = new URL(value.trim());
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return value.replace(/[?#].*$/, '').replace(/\/\/[^@/]*@/, '//');
  }
}
