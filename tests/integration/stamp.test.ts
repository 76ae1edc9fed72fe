import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleProject, runCli } from '../helpers.js';

/** `locales stamp` records a reviewed source; `locales status` then counts nothing stale. */
let root: string;
let cleanup: () => void;
let dir: string;
beforeEach(() => ({ root, dir, cleanup } = sampleProject()));
afterEach(() => cleanup());

const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root });
const edit = (rel: string, f: (s: string) => string) => writeFileSync(path.join(dir, rel), f(readFileSync(path.join(dir, rel), 'utf8')));
async function staleCount(locale: string): Promise<number> {
  const r = await cli(['locales', 'status', '--json']);
  expect(r.code).toBe(0);
  const { rows } = JSON.parse(r.stdout) as { rows: { locale: string; stale: number }[] };
  const mine = rows.filter((x) => x.locale === locale);
  expect(mine.length).toBeGreaterThan(0);
  return mine.reduce((n, x) => n + x.stale, 0);
}

describe('locales stamp', () => {
  it('makes a reviewed Sorani translation fresh again, touching only its source_sha256 line (control: stale before)', async () => {
    edit('testimonies/brother-at-sea.md', (s) => s.replace(/^title: .*$/m, 'title: The sea took my brother that winter'));
    expect(await staleCount('ckb')).toBeGreaterThan(0);
    const before = readFileSync(path.join(dir, 'testimonies', 'brother-at-sea.ckb.md'), 'utf8');
    const arBefore = readFileSync(path.join(dir, 'testimonies', 'brother-at-sea.ar.md'), 'utf8');
    const r = await cli(['locales', 'stamp', '-l', 'ckb']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stamped campaigns\/safe-journeys\/testimonies\/brother-at-sea\.ckb\.md \(was stale\)/);
    const after = readFileSync(path.join(dir, 'testimonies', 'brother-at-sea.ckb.md'), 'utf8');
    const changed = after.split('\n').filter((l, i) => l !== before.split('\n')[i]);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/^source_sha256: "[0-9a-f]{64}"$/);
    expect(await staleCount('ckb')).toBe(0);
    // Arabic was not asked for: still stale, file untouched.
    expect(readFileSync(path.join(dir, 'testimonies', 'brother-at-sea.ar.md'), 'utf8')).toBe(arBefore);
    expect(await staleCount('ar')).toBeGreaterThan(0);
  });

  it('refuses an unknown locale with a suggestion', async () => {
    const r = await cli(['locales', 'stamp', '-l', 'ckb-IQ']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('this project calls it ckb');
  });
});
