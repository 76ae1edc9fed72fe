import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignMd, listFiles, makeProject, REPO, spawnCli, writeFiles } from '../helpers.js';

/**
 * The few tests that spawn the real binary (bin/campaign-press.js on dist/; compile first): the
 * process's exit code, its two streams and the start-up path. Everything else calls main() in-process.
 */
let root: string;
let cleanup: () => void;
beforeEach(() => ({ root, cleanup } = makeProject()));
afterEach(() => cleanup());

describe('the binary', () => {
  it('--version prints the package version and exits 0; an unknown command exits 2', () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const v = spawnCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`${version}\n`);
    const bad = spawnCli(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('invalid input: exit 2, one JSON report on stdout, the error with its hint on stderr, nothing written', () => {
    writeFiles(path.join(root, 'campaigns', 'c'), { 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'xx'] }) });
    mkdirSync(path.join(root, 'out'));
    const r = spawnCli(['--root', root, 'build', 'campaigns/c', '--out', 'out', '--json'], { cwd: root });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { errors: { code: string; file: string }[]; exitCode: number; campaign: unknown };
    expect(report.errors.map((e) => e.code)).toEqual(['locale-unknown']);
    expect(report.errors[0]!.file).toBe('campaigns/c/campaign.md');
    expect(report.exitCode).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/campaign\.md:5 locales\[1\]: unknown locale "xx"/);
    expect(r.stderr).toMatch(/hint:/);
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
  });

  it('check of a valid campaign exits 0 and prints its summary', () => {
    writeFiles(path.join(root, 'campaigns', 'c'), { 'campaign.md': campaignMd({ id: 'c' }) });
    const r = spawnCli(['--root', root, 'check', 'campaigns/c', '--as-of', '2026-06-01'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/done check: 1 planned/);
  });
});
