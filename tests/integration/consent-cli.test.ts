import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { campaignMd, listFiles, makeProject, REPO, testimonyMd, writeFiles } from '../helpers.js';

/** The consent commands at the command line: hashing without shell history, dates that exist. */
const bin = path.join(REPO, 'bin', 'campaign-press.js');
let root: string;
let cleanup: () => void;
beforeEach(() => ({ root, cleanup } = makeProject()));
afterEach(() => cleanup());

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, '--root', root, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CAMPAIGN_PRESS_CHROMIUM: '/nonexistent-so-rendering-would-fail' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('consent hash', () => {
  it('reads the term from standard input, so it never enters shell history', () => {
    const r = cli(['consent', 'hash'], 'Karwan Aziz\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${hashTerm('Karwan Aziz')}\n`);
    expect(cli(['consent', 'hash', 'Karwan Aziz']).stdout).toBe(r.stdout);
    expect(cli(['consent', 'hash'], 'كاروان عزيز').stdout).toBe(`${hashTerm('کاروان عزیز')}\n`);
    // Nothing but the digest: the term is not echoed.
    expect(r.stdout + r.stderr).not.toMatch(/karwan/i);
  });

  it('refuses terms too short to scan safely, empty input and several lines', () => {
    for (const [args, input] of [
      [['consent', 'hash', 'Al'], undefined],
      [['consent', 'hash'], 'عل\n'],
      [['consent', 'hash'], ''],
      [['consent', 'hash'], 'Karwan Aziz\nRustam Karimov\n'],
    ] as [string[], string | undefined][]) {
      const r = cli(args, input);
      expect(r.code, JSON.stringify(input ?? args)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(/karwan|rustam/i);
    }
    expect(cli(['consent', 'hash', 'Ali']).code).toBe(0);
  });
});

describe('--as-of', () => {
  it('must be a real calendar date (2026-02-30 exits 2) for build, check and consent report', () => {
    writeFiles(path.join(root, 'campaigns', 'c'), {
      'campaign.md': campaignMd({ id: 'c' }),
      'testimonies/t.md': testimonyMd({ id: 't' }),
    });
    for (const cmd of [
      ['build', 'campaigns/c', '--out', 'out'],
      ['check', 'campaigns/c'],
      ['consent', 'report', 'campaigns/c'],
    ]) {
      const r = cli([...cmd, '--as-of', '2026-02-30']);
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--as-of "?2026-02-30"? is not a (real calendar )?date/);
    }
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
    // Control: a real date is accepted.
    expect(cli(['consent', 'report', 'campaigns/c', '--as-of', '2026-02-28']).code).toBe(0);
  });
});
