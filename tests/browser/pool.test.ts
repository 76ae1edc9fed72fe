import { afterEach, describe, expect, it } from 'vitest';
import { CampaignPressError } from '../../src/errors.js';
import { RenderPool } from '../../src/render/pool.js';

/** The pool replaces a crashed page or browser instead of ending the run, and times jobs out. */
let pool: RenderPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('render pool', () => {
  it('replaces a page that died mid-job and retries once', async () => {
    pool = new RenderPool(new Map(), { concurrency: 1 });
    let attempts = 0;
    const r = await pool.run('crash', async (page) => {
      attempts++;
      if (attempts === 1) {
        await page.close();
        await page.evaluate(() => 1);
      }
      return page.evaluate(() => 6 * 7);
    });
    expect(r).toBe(42);
    expect(attempts).toBe(2);
  });

  it('starts a new browser when the old one was killed', async () => {
    pool = new RenderPool(new Map(), { concurrency: 1 });
    await pool.run('warm', async (page) => page.evaluate(() => 1));
    const pid = pool.browserPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const r = await pool.run('after-kill', async (page) => page.evaluate(() => 'alive'));
    expect(r).toBe('alive');
    expect(pool.browserPid()).not.toBe(pid);
  });

  it('times a hung job out, retries once, then reports render-timeout', async () => {
    pool = new RenderPool(new Map(), { concurrency: 1, timeoutMs: 1500 });
    let attempts = 0;
    const e = await pool
      .run('hang', async () => {
        attempts++;
        await new Promise(() => undefined);
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CampaignPressError);
    expect((e as CampaignPressError).code).toBe('render-timeout');
    expect(attempts).toBe(2);
    // The pool still works afterwards.
    expect(await pool.run('ok', async (page) => page.evaluate(() => 1))).toBe(1);
  });

  it('does not retry a job that failed for its own reasons', async () => {
    pool = new RenderPool(new Map(), { concurrency: 1 });
    let attempts = 0;
    const e = await pool
      .run('bad', async () => {
        attempts++;
        throw new Error('template bug');
      })
      .catch((x: unknown) => x);
    expect((e as CampaignPressError).code).toBe('render-failed');
    expect((e as Error).message).toContain('template bug');
    expect(attempts).toBe(1);
  });

  it('closes a page a job retired (it showed a photo) and gives the next job a new one; keeps the others', async () => {
    pool = new RenderPool(new Map(), { concurrency: 1 });
    const pages: unknown[] = [];
    await pool.run('plain', async (page) => void pages.push(page));
    await pool.run('plain again', async (page) => void pages.push(page));
    await pool.run('photo', async (page, session) => {
      pages.push(page);
      session.retire = true;
    });
    await pool.run('after', async (page) => void pages.push(page));
    // Control: a page is reused while no job retires it.
    expect(pages[1]).toBe(pages[0]);
    expect(pages[2]).toBe(pages[1]);
    expect(pages[3]).not.toBe(pages[2]);
    expect((pages[2] as { isClosed(): boolean }).isClosed()).toBe(true);
  });
});
