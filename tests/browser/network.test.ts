import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, NETWORK_ARGS, resolveBrowser } from '../../src/render/chromium.js';
import { RenderPool } from '../../src/render/pool.js';

/**
 * Nothing leaves Chromium: not a connection, not a DNS query. A canary (a TCP server on
 * 127.0.0.1 that counts connections) and a DNS listener (a UDP and TCP socket on a loopback
 * address, made Chromium's only name server by bind-mounting a resolv.conf over /etc/resolv.conf
 * in a private mount namespace) count what hostile pages cause. The pages are rendered raw,
 * without the template lint and without the CSP, so only the browser's own walls are tested.
 *
 * Controls: the same Chromium without the network flags and without interception must make the
 * canary and the listener count (so a listener that hears nothing cannot pass the test).
 */

const DNS_ADDR = '127.77.0.53';
let tmp: string;
let wrapper: string;
let chromium: string;
let canaryPort: number;
let canaryHits = 0;
const canaryPaths: string[] = [];
let dnsQueries: string[] = [];
let canary: net.Server;
let dnsUdp: dgram.Socket;
let dnsTcp: net.Server;

/** Query name of a DNS message (RFC 1035 question section). Bounded by the packet length. */
function qname(msg: Buffer, offset = 12): string {
  const labels: string[] = [];
  for (let i = offset, n = 0; i < msg.length && n < 128; n++) {
    const len = msg[i]!;
    if (len === 0 || len > 63) break;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += len + 1;
  }
  return labels.join('.');
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-net-'));
  chromium = (await resolveBrowser()).executablePath;
  canary = net.createServer((s) => {
    canaryHits++;
    s.once('data', (d) => canaryPaths.push(d.toString('latin1').split('\r\n')[0] ?? ''));
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), 50);
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as net.AddressInfo).port;
  dnsUdp = dgram.createSocket('udp4');
  dnsUdp.on('message', (m) => dnsQueries.push(`udp ${qname(m)}`));
  await new Promise<void>((r) => dnsUdp.bind(53, DNS_ADDR, r));
  dnsTcp = net.createServer((s) => {
    s.once('data', (d) => dnsQueries.push(`tcp ${qname(d, 14)}`));
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), 50);
  });
  await new Promise<void>((r) => dnsTcp.listen(53, DNS_ADDR, r));
  writeFileSync(path.join(tmp, 'resolv.conf'), `nameserver ${DNS_ADDR}\noptions timeout:1 attempts:1\n`);
  // The wrapper gives Chromium our name server, and in control mode strips the network flags.
  wrapper = path.join(tmp, 'chromium-wrapper.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh
if [ "$CP_NET_CONTROL" = 1 ]; then
  for a in "$@"; do
    shift
    case "$a" in --proxy-server=*|--proxy-bypass-list=*|--host-resolver-rules=*) ;; *) set -- "$@" "$a" ;; esac
  done
fi
exec unshare -m --propagation private sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' ${JSON.stringify(path.join(tmp, 'resolv.conf'))} ${JSON.stringify(chromium)} "$@"
`,
  );
  chmodSync(wrapper, 0o755);
});

afterAll(async () => {
  await new Promise<void>((r) => canary.close(() => r()));
  await new Promise<void>((r) => dnsTcp.close(() => r()));
  dnsUdp.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Hostile pages, each reaching for the canary by IP and by name, with the names unique per fixture. */
function fixtures(): [string, string][] {
  const ip = `127.0.0.1:${canaryPort}`;
  const host = (tag: string) => `dnsexfil-${tag}-safe-journeys.example.com:${canaryPort}`;
  return [
    ['iframe', `<iframe src="http://${ip}/iframe"></iframe><iframe src="https://${host('iframe')}/x"></iframe>`],
    ['meta-refresh', `<meta http-equiv="refresh" content="0;url=http://${host('refresh')}/">`],
    [
      'foreignObject',
      `<svg width="200" height="200"><foreignObject width="200" height="200"><iframe xmlns="http://www.w3.org/1999/xhtml" src="http://${host('fo')}/"></iframe><img xmlns="http://www.w3.org/1999/xhtml" src="http://${ip}/fo.png"/></foreignObject></svg>`,
    ],
    [
      'image-set',
      `<div style="width:50px;height:50px;background-image:image-set(url('http://${host('imageset')}/a.png') 1x, 'http://${ip}/b.png' 2x)"></div>`,
    ],
    ['@import', `<style>@import url("http://${host('import')}/x.css"); @\\69mport "http://${ip}/y.css";</style><p>text</p>`],
    [
      'url-escapes',
      `<style>.a{background:u\\72l(http://${host('escape')}/a.png)} .b{background:\\75 rl("http://${ip}/b.png")}</style><div class="a">a</div><div class="b">b</div>`,
    ],
    [
      'link-hints',
      `<link rel="dns-prefetch" href="//${host('prefetch').split(':')[0]}"><link rel="preconnect" href="https://${host('preconnect')}"><link rel="prefetch" href="http://${ip}/pf"><link rel="stylesheet" href="http://${host('css')}/s.css">`,
    ],
    [
      'img-and-font',
      `<img src="http://${host('img')}/p.png"><style>@font-face{font-family:x;src:url(http://${ip}/f.woff2)} p{font-family:x}</style><p>x</p>`,
    ],
    [
      'anchor-ping',
      `<a href="https://${host('a')}/" ping="http://${ip}/ping">link</a><video poster="http://${host('poster')}/v.png"></video>`,
    ],
  ];
}

async function settle(ms = 1500) {
  await new Promise((r) => setTimeout(r, ms));
}

describe('network dead at the browser', () => {
  it('the launch flags are the documented ones', () => {
    expect(CHROMIUM_ARGS).toEqual(expect.arrayContaining(NETWORK_ARGS));
    expect(NETWORK_ARGS).toEqual(
      expect.arrayContaining(['--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>', '--host-resolver-rules=MAP * ~NOTFOUND']),
    );
    expect(CHROMIUM_ARGS).toEqual(
      expect.arrayContaining([
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ]),
    );
  });

  it('control: a bare Chromium without the flags and without interception is heard by the canary and the DNS listener', async () => {
    const before = { hits: canaryHits, dns: dnsQueries.length };
    const args = CHROMIUM_ARGS.filter((a) => !NETWORK_ARGS.includes(a));
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    const browser = await puppeteer.launch({
      executablePath: wrapper,
      headless: true,
      pipe: true,
      args,
      env: { ...process.env, CP_NET_CONTROL: '1' },
    });
    try {
      const page = await browser.newPage();
      await page.setJavaScriptEnabled(false);
      const ip = `127.0.0.1:${canaryPort}`;
      await page
        .setContent(`<img src="http://${ip}/control.png"><img src="http://control-probe.example.com:${canaryPort}/c.png">`, {
          waitUntil: 'load',
          timeout: 15_000,
        })
        .catch(() => undefined);
      await settle();
    } finally {
      await browser.close();
    }
    expect(canaryHits - before.hits).toBeGreaterThan(0);
    expect(dnsQueries.slice(before.dns).some((q) => q.includes('control-probe.example.com'))).toBe(true);
  });

  /** Render every fixture through the real pool (interception on); counts what reached the canary and the listener. */
  async function renderAll(control: boolean) {
    canaryHits = 0;
    canaryPaths.length = 0;
    dnsQueries = [];
    if (control) process.env.CP_NET_CONTROL = '1';
    const pool = new RenderPool(new Map(), { executablePath: wrapper, concurrency: 1, timeoutMs: 30_000 });
    const seen: Record<string, { blocked: number; navigations: number }> = {};
    try {
      for (const [name, html] of fixtures()) {
        seen[name] = await pool.run(name, async (page, session) => {
          await page.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`, {
            waitUntil: 'load',
            timeout: 20_000,
          });
          await settle(800);
          return { blocked: session.blocked.length, navigations: session.navigations.length };
        });
      }
      await settle();
    } finally {
      delete process.env.CP_NET_CONTROL;
      await pool.close();
    }
    // Printed so the numbers can be quoted: they are the measurement, not only the assertion.
    console.log(
      `network${control ? ' (control: interception only, no network flags)' : ''}: ${fixtures().length} fixtures, canary connections ${canaryHits}, DNS queries ${dnsQueries.length}`,
      [...new Set(dnsQueries.filter((q) => q.includes('dnsexfil-')))],
      seen,
    );
    return { seen, canaryHits, canaryPaths: [...canaryPaths], dnsQueries: [...dnsQueries] };
  }

  it('control: with interception alone (no network flags) hostile pages still reach the network', async () => {
    const r = await renderAll(true);
    // Measured here: 93 queries (dnsexfil-<fixture>-safe-journeys.example.com among them) and 1 connection.
    expect(r.dnsQueries.some((q) => q.includes('dnsexfil-'))).toBe(true);
  });

  it('hostile pages rendered by the pool cause 0 DNS queries and 0 connections', async () => {
    const r = await renderAll(false);
    expect({ canaryHits: r.canaryHits, canaryPaths: r.canaryPaths, dnsQueries: r.dnsQueries }).toEqual({
      canaryHits: 0,
      canaryPaths: [],
      dnsQueries: [],
    });
    // Interception still sees and reports what the pages asked for (the inner wall is kept).
    expect(Object.values(r.seen).reduce((n, s) => n + s.blocked + s.navigations, 0)).toBeGreaterThan(0);
  });
});
