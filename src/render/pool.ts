import os from 'node:os';
import type { Browser, BrowserContext, CDPSession, HTTPRequest, Page } from 'puppeteer-core';
import { CampaignPressError } from '../errors.js';
import { fontFile } from '../fonts/fonts.js';
import { type BrowserEndpoint, CHROMIUM_ARGS, DEAD_PROXY, parseBrowserEndpoint, resolveBrowser } from './chromium.js';
import { ASSET_ORIGIN } from '../util/origin.js';
import { countEvent, timeStage } from '../util/profile.js';

/**
 * One Chromium per build, a small pool of reused pages (each in its own browser context: two
 * pages sharing a context crashed under large fonts on this stack), the `pipe` transport so a
 * killed build leaves no orphan, JavaScript disabled, and every request answered from memory or
 * aborted and reported.
 *
 * Or a browser that already runs (`browserEndpoint`: browserless, a Chrome per CI runner): the
 * pool connects over DevTools, opens contexts of its own and closes only those, never the
 * browser. Fonts and pictures are still answered from memory, so the remote needs no files.
 */

export interface MemoryAsset {
  body: Buffer;
  contentType: string;
}

export type PageJob<T> = (page: Page, session: PageSession) => Promise<T>;

export interface PageSession {
  cdp: CDPSession;
  /** Requests aborted since the job started. */
  blocked: string[];
  /** Main-frame navigations attempted since the job started. */
  navigations: string[];
  /** The viewport and media type last set on the page ("1080x1080 screen"). */
  emulated?: string;
  /**
   * Set by a job that painted an image (a photo, a logo): the page is closed after the job,
   * never reused. Chromium keeps decoded images at the scale they were first drawn, so a page
   * that had shown the photo at another size (the story card) painted the square card with
   * another resampling of it: same input, other bytes, depending on which asset the page
   * rendered before (measured: 2 full builds in 5 under load). A page that never showed an
   * image has no such history.
   */
  retire?: boolean;
}

interface Slot {
  context: BrowserContext;
  page: Page;
  session: PageSession;
}

export interface PoolOptions {
  executablePath?: string;
  /** ws://, wss://, http:// or https:// DevTools address of a running browser (see chromium.ts). */
  browserEndpoint?: string;
  concurrency?: number;
  timeoutMs?: number;
}

export class RenderPool {
  private browser?: Browser;
  private readonly free: Slot[] = [];
  private readonly waiters: ((s: Slot | undefined) => void)[] = [];
  private created = 0;
  /** Every slot whose context is open, in use or free: on a remote browser these are all we may close. */
  private readonly slots = new Set<Slot>();
  /** Ids of the contexts this pool opened, to close the ones left behind when a connection drops. */
  private readonly contextIds = new Set<string>();
  private readonly endpoint?: BrowserEndpoint;
  private starting?: Promise<void>;
  /** Closed for good: a page that fails afterwards is not given a new browser (a signal stopped the build). */
  private closed = false;
  readonly concurrency: number;
  readonly timeoutMs: number;
  browserVersion = '';

  constructor(
    private readonly assets: ReadonlyMap<string, MemoryAsset>,
    private readonly options: PoolOptions = {},
  ) {
    // Pages rendering at once. Measured on 2 cores, 273 square cards with every check (bench
    // `--only cards --lanes N`), on a quiet machine (load 1.6-2.7, 2026-11-29): 1, 2 and 3 pages
    // gave 6.20, 6.96 and 6.92 cards/s (187, 217 and 227 ms of CPU a card): while one page is
    // captured by the browser process, the other runs its fit and checks in its renderer. Under
    // the load of other work (load 10-13) one page was best (0.90, 0.77, 0.72 of the plain
    // script): --concurrency 1 there. More cores: half of them, at most 4.
    const cores = os.availableParallelism();
    this.concurrency = Math.max(1, options.concurrency ?? Math.min(4, Math.max(cores >= 2 ? 2 : 1, Math.floor(cores / 2))));
    this.timeoutMs = options.timeoutMs ?? 60_000;
    if (options.browserEndpoint) this.endpoint = parseBrowserEndpoint(options.browserEndpoint);
  }

  /** Whether the browser is a remote one this pool must leave running. */
  get remote(): boolean {
    return !!this.endpoint;
  }

  async start(): Promise<void> {
    if (this.closed) throw new CampaignPressError('render-failed', 'the render pool was closed');
    if (this.browser) return;
    // Pages failing together start one browser, not one each.
    this.starting ??= this.open().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    if (this.endpoint) return this.connect(this.endpoint);
    const resolved = await resolveBrowser(this.options.executablePath);
    const args = [...CHROMIUM_ARGS];
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    try {
      this.browser = await (await puppeteerCore()).launch({
        executablePath: resolved.executablePath,
        headless: true,
        pipe: true,
        // The CLI handles signals: it stops the build, removes staging and closes this pool.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        args,
        timeout: 60_000,
        protocolTimeout: 120_000,
      });
    } catch (e) {
      throw new CampaignPressError('browser-not-found', `cannot start ${resolved.executablePath}: ${(e as Error).message.split('\n')[0]}`);
    }
    // Counted: a test proves that a build reusing every asset starts no browser.
    countEvent('browser: launched');
    this.browserVersion = await this.browser.version();
  }

  private async connect(endpoint: BrowserEndpoint): Promise<void> {
    let browser: Browser;
    try {
      browser = await (await puppeteerCore()).connect({
        ...(endpoint.kind === 'ws' ? { browserWSEndpoint: endpoint.url } : { browserURL: endpoint.url }),
        defaultViewport: null,
        protocolTimeout: 120_000,
      });
    } catch (e) {
      throw new CampaignPressError(
        'browser-unreachable',
        `cannot connect to the browser at ${endpoint.shown}: ${(e as Error).message.split('\n')[0]!.replaceAll(endpoint.url, endpoint.shown)}`,
        { field: '--browser-endpoint' },
      );
    }
    // Contexts this pool opened before a connection dropped may outlive it on the remote: close them.
    for (const c of browser.browserContexts()) if (c.id && this.contextIds.has(c.id)) await c.close().catch(() => undefined);
    this.contextIds.clear();
    countEvent('browser: connected');
    this.browser = browser;
    this.browserVersion = await browser.version();
  }

  /** After a dropped connection or a dead browser: forget its pages and connect or launch again (once per failed job). */
  private async restart(): Promise<void> {
    if (this.starting) return this.starting;
    const old = this.browser;
    this.browser = undefined;
    for (const s of this.free) this.slots.delete(s);
    this.created -= this.free.length;
    this.free.length = 0;
    if (old && this.endpoint) await old.disconnect().catch(() => undefined);
    await this.start();
  }

  private async createSlot(): Promise<Slot> {
    if (!this.browser?.connected) await this.restart();
    // Timed: a page retired after a photo costs a new one (its context, CDP session and interception).
    return timeStage('new page (context, session)', () => this.newSlot());
  }

  private async newSlot(): Promise<Slot> {
    // On a remote browser the dead proxy is set per context: its own flags are not ours to choose.
    const context = await this.browser!.createBrowserContext(
      this.endpoint ? { proxyServer: DEAD_PROXY, proxyBypassList: ['<-loopback>'] } : {},
    );
    if (context.id) this.contextIds.add(context.id);
    const page = await context.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    const session: PageSession = { cdp: await page.createCDPSession(), blocked: [], navigations: [] };
    await session.cdp.send('DOM.enable');
    await session.cdp.send('CSS.enable');
    // The CSP stops some requests inside the renderer, before interception sees them. Chromium
    // raises an issue for each refusal (with the blocked URL), so those are reported too.
    await session.cdp.send('Audits.enable');
    session.cdp.on(
      'Audits.issueAdded',
      (e: {
        issue: { code: string; details: { contentSecurityPolicyIssueDetails?: { blockedURL?: string; violatedDirective?: string } } };
      }) => {
        const d = e.issue.details.contentSecurityPolicyIssueDetails;
        if (e.issue.code === 'ContentSecurityPolicyIssue' && d)
          session.blocked.push(
            `${d.blockedURL ?? '(inline content)'} (refused by the content security policy, ${d.violatedDirective ?? ''})`,
          );
      },
    );
    page.on('request', (req: HTTPRequest) => void this.answer(req, page, session));
    const slot = { context, page, session };
    this.slots.add(slot);
    return slot;
  }

  private async answer(req: HTTPRequest, page: Page, session: PageSession): Promise<void> {
    const url = req.url();
    try {
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
        // setContent does not navigate; anything else (meta refresh, a link) is refused.
        if (url !== 'about:blank') session.navigations.push(url);
        if (url === 'about:blank') return await req.continue();
        return await req.abort('blockedbyclient');
      }
      if (url.startsWith(`${ASSET_ORIGIN}/`)) {
        const p = url.slice(ASSET_ORIGIN.length + 1);
        const asset = this.assets.get(url);
        if (asset)
          return await req.respond({
            status: 200,
            contentType: asset.contentType,
            headers: { 'Access-Control-Allow-Origin': '*' },
            body: asset.body,
          });
        const font = fontFile(p);
        if (font)
          return await req.respond({ status: 200, contentType: 'font/woff2', headers: { 'Access-Control-Allow-Origin': '*' }, body: font });
      }
      if (url.startsWith('data:')) return await req.continue();
      session.blocked.push(url);
      await req.abort('blockedbyclient');
    } catch {
      // The page went away mid-request; the job's own error handling reports it.
    }
  }

  private async acquire(): Promise<Slot> {
    const slot = this.free.pop();
    if (slot) return slot;
    if (this.created < this.concurrency) {
      this.created++;
      try {
        return await this.createSlot();
      } catch (e) {
        this.created--;
        // A job waiting for this page would wait for ever: it tries to make one itself.
        this.waiters.shift()?.(undefined);
        throw e;
      }
    }
    const handed = await new Promise<Slot | undefined>((resolve) => this.waiters.push(resolve));
    return handed ?? this.acquire();
  }

  private release(slot: Slot): void {
    const w = this.waiters.shift();
    if (w) w(slot);
    else this.free.push(slot);
  }

  private async replace(slot: Slot): Promise<Slot> {
    await this.forget(slot);
    return this.createSlot();
  }

  /** Run a job on a pooled page, with a timeout and one retry on a crashed page or browser. */
  async run<T>(label: string, job: PageJob<T>): Promise<T> {
    let slot = await this.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        slot.session.blocked = [];
        slot.session.navigations = [];
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new CampaignPressError('render-timeout', `${label} did not finish within ${this.timeoutMs / 1000} s`)),
              this.timeoutMs,
            );
          });
          return await Promise.race([job(slot.page, slot.session), timeout]);
        } catch (e) {
          const crashed =
            !(e instanceof CampaignPressError) &&
            /Target closed|Session closed|detached|crash|Protocol error|Connection closed|Execution context was destroyed|has been closed|Page closed/i.test(
              (e as Error).message,
            );
          const timedOut = e instanceof CampaignPressError && e.code === 'render-timeout';
          if ((crashed || timedOut) && attempt === 0) {
            slot = await this.replace(slot);
            continue;
          }
          if (e instanceof CampaignPressError) throw e;
          throw new CampaignPressError('render-failed', `${label}: ${(e as Error).message.split('\n')[0]}`);
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      if (slot.session.retire) await this.discard(slot);
      else this.release(slot);
    }
  }

  /**
   * Close a slot's context: nothing of it stays (pages retired after images come and go all build
   * long). Its id is kept while the close failed (a dropped connection): the reconnect closes
   * that context on the remote then.
   */
  private async forget(slot: Slot): Promise<void> {
    this.slots.delete(slot);
    const closed = await slot.context.close().then(
      () => true,
      () => false,
    );
    if (closed && slot.context.id) this.contextIds.delete(slot.context.id);
  }

  /** Close a page for good; a job waiting for one makes a new one. */
  private async discard(slot: Slot): Promise<void> {
    this.created--;
    this.waiters.shift()?.(undefined);
    await this.forget(slot);
  }

  /** The browser's process id (for memory measurements); undefined for a remote browser. */
  browserPid(): number | undefined {
    return this.browser?.process()?.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    const b = this.browser;
    this.browser = undefined;
    this.free.length = 0;
    const slots = [...this.slots];
    this.slots.clear();
    if (!b) return;
    if (this.endpoint) {
      // Someone else's browser: close our contexts (and with them our pages), then let go.
      await Promise.all(slots.map((s) => s.context.close().catch(() => undefined)));
      await b.disconnect().catch(() => undefined);
    } else await b.close().catch(() => undefined);
  }
}

/**
 * puppeteer-core, loaded when a browser is first needed: a build that reuses every asset (a
 * no-op rebuild) never starts one, and loading the library alone took a third of a second of CPU.
 */
async function puppeteerCore() {
  return (await import('puppeteer-core')).default;
}
