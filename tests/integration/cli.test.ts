import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, REPO, runCli } from '../helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cp-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], cwd = tmp) {
  return runCli(args, { cwd });
}

describe('init and doctor', () => {
  it('init makes a project whose campaign passes check, and refuses a non-empty folder', async () => {
    const dir = path.join(tmp, 'proj');
    const r = await cli(['init', dir, '--campaign', 'safe-routes']);
    expect(r.code).toBe(0);
    const files = listFiles(dir);
    expect(files).toContain('campaigns/safe-routes/campaign.md');
    expect(files).toContain('locales/locales.json');
    expect(files).toContain('locales/ckb/common.json');
    expect(files).toContain('templates/poster/template.hbs');
    expect(files.filter((f) => f.includes('safe-journeys'))).toEqual([]);
    const check = await cli(['check', 'campaigns/safe-routes'], dir);
    // 2 posters, 4 social cards, 1 leaflet; no testimonies yet, so no testimony cards.
    expect(check.stderr).toMatch(/done check: 8 planned/);
    expect(check.code).toBe(0);
    const again = await cli(['init', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty/);
  });

  it('doctor launches the browser and checks fonts and templates', async () => {
    const r = await cli(['doctor', '--root', REPO]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}chromium +(Headless)?Chrome\/\d+/m);
    expect(r.stdout).toMatch(/^ok {3}font Vazirmatn/m);
    expect(r.stdout).toMatch(/^ok {3}template poster +a3, a4/m);
  });

  it('doctor fails with exit 2 and a hint on a broken template', async () => {
    const dir = path.join(tmp, 'broken');
    await cli(['init', dir]);
    writeFileSync(
      path.join(dir, 'templates', 'poster', 'template.hbs'),
      readFileSync(path.join(dir, 'templates', 'poster', 'template.hbs'), 'utf8') + '<script>x()</script>',
    );
    const r = await cli(['doctor', '--root', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAIL template poster/);
  });
});
