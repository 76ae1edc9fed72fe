import os from 'node:os';
import puppeteer, { type Browser, type BrowserContext, type CDPSession, type HTTPRequest, type Page } from 'puppeteer-core';
import { CampaignPressError } from '../errors.js';
import { fontFile } from '../fonts/fonts.js';
import { CHROMIUM_ARGS, resolveBrowser } from './chromium.js';
import { ASSET_ORIGIN } from '../util/origin.js';

/**
 * One Chromium per build, a small pool of reused pages (each in its own browser context: two
 * pages sharing a context crashed under large fonts on this stack), the `pipe` transport so a
 * killed build leaves no orphan, JavaScript disabled, and every request answered from memory or
 * aborted and reported.
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
}

interface Slot {
  context: BrowserContext;
  page: Page;
  session: PageSession;
}

export interface PoolOptions {
  executablePath?: string;
  concurrency?: number;
  timeoutMs?: number;
}

export class RenderPool {
  private browser?: Browser;
  private readonly free: Slot[] = [];
  private readonly waiters: ((s: Slot) => void)[] = [];
  private created = 0;
  /** Closed for good: a page that fails afterwards is not given a new browser (a signal stopped the build). */
  private closed = false;
  readonly concurrency: number;
  readonly timeoutMs: number;
  browserVersion = '';

  constructor(
    private readonly assets: ReadonlyMap<string, MemoryAsset>,
    private readonly options: PoolOptions = {},
  ) {
    // Measured: on 2 cores a second page gives no gain; more cores do help.
    this.concurrency = Math.max(1, options.concurrency ?? Math.min(4, Math.floor(os.availableParallelism() / 2)));
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async start(): Promise<void> {
    if (this.closed) throw new CampaignPressError('render-failed', 'the render pool was closed');
    if (this.browser) return;
    const resolved = await resolveBrowser(this.options.executablePath);
    const args = [...CHROMIUM_ARGS];
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    try {
      this.browser = await puppeteer.launch({
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
    this.browserVersion = await this.browser.version();
  }

  private async createSlot(): Promise<Slot> {
    if (!this.browser) await this.start();
    const context = await this.browser!.createBrowserContext();
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
    return { context, page, session };
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
        throw e;
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(slot: Slot): void {
    const w = this.waiters.shift();
    if (w) w(slot);
    else this.free.push(slot);
  }

  private async replace(slot: Slot): Promise<Slot> {
    await slot.context.close().catch(() => undefined);
    if (!this.browser?.connected) {
      this.browser = undefined;
      this.free.length = 0;
      await this.start();
    }
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
      this.release(slot);
    }
  }

  /** The browser's process id (for memory measurements). */
  browserPid(): number | undefined {
    return this.browser?.process()?.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    const b = this.browser;
    this.browser = undefined;
    this.free.length = 0;
    if (b) await b.close().catch(() => undefined);
  }
}
