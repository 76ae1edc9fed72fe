import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignMd, listFiles, makeProject, REPO, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Hostile input files, written the way an attacker or a careless tool would: symbolic links out
 * of the project, NUL bytes, another encoding, oversize files; and the files every editor
 * writes (Notepad's CRLF and BOM, old Mac CR). Each hostile one ends with exit 2, names its
 * file (and line for text), prints nothing of what the link points at, and writes nothing.
 */
const bin = path.join(REPO, 'bin', 'campaign-press.js');
let root: string;
let outside: string;
let cleanup: () => void;
beforeEach(() => {
  ({ root, cleanup } = makeProject());
  outside = mkdtempSync(path.join(os.tmpdir(), 'cp-outside-'));
});
afterEach(() => {
  cleanup();
  rmSync(outside, { recursive: true, force: true });
});

function cli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, '--root', root, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CAMPAIGN_PRESS_CHROMIUM: '/nonexistent-so-rendering-would-fail' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cdir = () => path.join(root, 'campaigns', 'c');

/** `check` loads and validates everything a build would, without a browser. */
function check(files: Record<string, string | Buffer> = {}) {
  writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }), ...files });
  const r = cli(['check', 'campaigns/c', '--as-of', '2026-06-01']);
  const b = cli(['build', 'campaigns/c', '--out', 'out', '--as-of', '2026-06-01']);
  expect(listFiles(path.join(root, 'out'))).toEqual([]);
  return { ...r, build: b };
}

/** A file outside the project whose content must never show up in any output or message. */
function secretOutside(name: string, content: string): string {
  const p = path.join(outside, name);
  writeFileSync(p, content);
  return p;
}

function replaceWithLink(file: string, target: string) {
  unlinkSync(file);
  symlinkSync(target, file);
}

describe('symbolic links out of the project are refused, not followed', () => {
  const SECRET = 'SECRET-CANARY-4f1c: not for any poster';

  for (const [what, rel] of [
    ['template.hbs', 'templates/social-card/template.hbs'],
    ['style.css', 'templates/social-card/style.css'],
    ['_shared/base.css', 'templates/_shared/base.css'],
    ['template.json', 'templates/social-card/template.json'],
  ] as const) {
    it(`a symlinked ${what}`, () => {
      replaceWithLink(path.join(root, rel), secretOutside('x', SECRET));
      const r = check();
      for (const x of [r, r.build]) {
        expect(x.code).toBe(2);
        expect(x.stderr).toContain(`${rel}: ${rel} resolves (through a symbolic link) outside the templates folder`);
        expect(x.stdout + x.stderr).not.toContain('SECRET-CANARY');
      }
    });
  }

  it('a template.hbs linked to /etc/passwd', () => {
    replaceWithLink(path.join(root, 'templates/social-card/template.hbs'), '/etc/passwd');
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/templates\/social-card\/template\.hbs: .* outside the templates folder/);
    expect(r.stdout + r.stderr).not.toMatch(/root:x?:0:/);
  });

  it('a testimony linked to a valid testimony outside the project', () => {
    const target = secretOutside('t9.md', testimonyMd({ id: 't9', quote: SECRET }));
    mkdirSync(path.join(cdir(), 'testimonies'), { recursive: true });
    symlinkSync(target, path.join(cdir(), 'testimonies', 't9.md'));
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('campaigns/c/testimonies/t9.md: campaigns/c/testimonies/t9.md resolves (through a symbolic link) outside');
    expect(r.stdout + r.stderr).not.toContain('SECRET-CANARY');
  });

  it('a testimonies folder linked out of the campaign lists nothing of it', () => {
    writeFileSync(path.join(outside, 't9.md'), testimonyMd({ id: 't9', quote: SECRET }));
    writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }) });
    symlinkSync(outside, path.join(cdir(), 'testimonies'));
    const r = check();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/testimonies .*outside the campaign folder/);
    expect(r.stdout + r.stderr).not.toContain('SECRET-CANARY');
  });

  it('a campaign message file linked out of the locales folder', () => {
    mkdirSync(path.join(root, 'locales', 'ckb'), { recursive: true });
    symlinkSync(secretOutside('c.json', JSON.stringify({ headline: SECRET })), path.join(root, 'locales', 'ckb', 'c.json'));
    const r = check({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/locales\/ckb\/c\.json: .*outside the locales folder/);
    expect(r.stdout + r.stderr).not.toContain('SECRET-CANARY');
  });

  it('control: a link that stays inside the project is followed (containment, not a ban on links)', () => {
    mkdirSync(path.join(cdir(), 'testimonies'), { recursive: true });
    // Inside the campaign folder: allowed.
    writeFiles(path.join(cdir(), 'archive'), { 't1.md': testimonyMd({ id: 't1' }) });
    symlinkSync(path.join(cdir(), 'archive', 't1.md'), path.join(cdir(), 'testimonies', 't1.md'));
    expect(check().code).toBe(0);
  });
});

describe('bytes that are not text', () => {
  it('a NUL byte in a testimony: exit 2 with file:line', () => {
    const t = testimonyMd({ id: 't1', body: 'He paid the smuggler.\nThe boat\u0000 was not safe.' });
    const line = t.split('\n').findIndex((l) => l.includes('\u0000')) + 1;
    const r = check({ 'testimonies/t1.md': t });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`campaigns/c/testimonies/t1.md:${line}: a NUL byte (U+0000) is in the text`);
  });

  it('a UTF-16 export (NUL after every ASCII letter) is refused at line 1', () => {
    const r = check({ 'campaign.md': Buffer.from(`\uFEFF${campaignMd({ id: 'c' })}`, 'utf16le') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/campaign\.md:1: (invalid UTF-8|a NUL byte)/);
  });

  it('a Windows-1256 (Arabic code page) campaign.md: invalid UTF-8 at the right line', () => {
    // "کارمەند" as a legacy code page would store it is not UTF-8: 0xDF 0xC7 ... on line 3.
    const utf8 = Buffer.from(campaignMd({ id: 'c' }));
    const lines = utf8.toString().split('\n');
    const i = lines.findIndex((l) => l.startsWith('title:'));
    const before = Buffer.from(`${lines.slice(0, i).join('\n')}\ntitle: `);
    const after = Buffer.from(`\n${lines.slice(i + 1).join('\n')}`);
    const r = check({ 'campaign.md': Buffer.concat([before, Buffer.from([0xdf, 0xc7, 0xd1, 0xe3]), after]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`campaigns/c/campaign.md:${i + 1}: invalid UTF-8 (byte 0xdf at line ${i + 1})`);
    expect(r.stderr).not.toContain('\uFFFD');
  });

  it('invalid UTF-8 in a locale file is an error, not U+FFFD in print', () => {
    writeFiles(path.join(root, 'locales', 'ckb'), {
      'c.json': Buffer.concat([Buffer.from('{\r\n  "headline": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"\r\n}\r\n')]),
    });
    const r = check({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('locales/ckb/c.json:2: invalid UTF-8');
  });

  it('an oversize testimony is refused before it is read', () => {
    const r = check({ 'testimonies/t1.md': testimonyMd({ id: 't1', body: 'A'.repeat(5 * 1024 * 1024) }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/testimonies\/t1\.md: .* is 5\.0 MB; the limit is 4\.0 MB/);
  });
});

describe('every editor: CRLF, CR and a BOM', () => {
  const crlf = (s: string) => `\uFEFF${s.replace(/\n/g, '\r\n')}`;

  it('a campaign.md and testimony saved by Notepad (BOM + CRLF), with a CRLF locale file, pass check', () => {
    writeFiles(path.join(root, 'locales', 'ckb'), {
      'c.json': crlf(
        JSON.stringify(
          {
            headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.',
            subline: 'دەریا ڕاستییە. بەڵێنەکان ڕاست نین.',
            cta: 'پەیوەندی بە هێڵی یارمەتیی خۆڕایییەوە بکە',
          },
          null,
          2,
        ),
      ),
    });
    const r = check({
      'campaign.md': crlf(campaignMd({ id: 'c', locales: ['en', 'ckb'], body: 'First line.\n\nSecond paragraph.' })),
      'testimonies/t1.md': crlf(testimonyMd({ id: 't1' })),
    });
    expect(r.stderr).not.toMatch(/YAML syntax error/);
    expect(r.code).toBe(0);
  });

  it('line numbers stay right in CRLF and in CR-only files', () => {
    const src = campaignMd({ id: 'c', extraFrontmatter: 'colour: red\n' });
    const line = src.split('\n').findIndex((l) => l.startsWith('colour:')) + 1;
    for (const text of [crlf(src), src.replace(/\n/g, '\r')]) {
      const r = check({ 'campaign.md': text });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`campaigns/c/campaign.md:${line} colour: unknown field "colour"`);
    }
  });
});

describe('keys that reach the prototype', () => {
  it('a locale JSON with a __proto__ key is refused with its line', () => {
    writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': '{\n  "headline": "x",\n  "__proto__": { "polluted": "yes" }\n}\n' });
    const r = check({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('locales/ckb/c.json:3 __proto__: key "__proto__" is not allowed');
  });
});
