import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CampaignPressError } from '../../src/errors.js';
import { decodeText, listInside, outputPathInside, readBytesInside, readTextInside } from '../../src/util/files.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'cp-files-'));
const root = path.join(base, 'root');
mkdirSync(path.join(root, 'sub'), { recursive: true });
writeFileSync(path.join(base, 'secret.txt'), 'secret');
writeFileSync(path.join(root, 'sub', 'a.txt'), 'a');
symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'out-link.txt'));
symlinkSync(path.join(root, 'sub', 'a.txt'), path.join(root, 'in-link.txt'));
symlinkSync(path.join(root, 'sub'), path.join(root, 'sub-link'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CampaignPressError) return `${e.code}@${e.location.line ?? '-'}`;
    throw e;
  }
  return undefined;
}

describe('the safe reader', () => {
  it('refuses lexical escapes and links out; follows links that stay inside', () => {
    expect(codeOf(() => readTextInside(root, '../secret.txt'))).toBe('path-outside@-');
    expect(codeOf(() => readTextInside(root, path.join(base, 'secret.txt')))).toBe('path-outside@-');
    expect(codeOf(() => readTextInside(root, 'out-link.txt'))).toBe('path-outside@-');
    expect(readTextInside(root, 'in-link.txt').text).toBe('a');
    expect(codeOf(() => readTextInside(root, 'missing.txt'))).toBe('path-not-found@-');
    expect(codeOf(() => readTextInside(root, 'sub'))).toBe('path-not-found@-');
  });

  it('noLinks refuses even a link that stays inside (the preview serves out/ so)', () => {
    expect(codeOf(() => readBytesInside(root, 'in-link.txt', { noLinks: true }))).toBe('path-outside@-');
    expect(codeOf(() => readBytesInside(root, 'sub-link/a.txt', { noLinks: true }))).toBe('path-outside@-');
    expect(readBytesInside(root, 'sub/a.txt', { noLinks: true }).bytes.toString()).toBe('a');
  });

  it('enforces the size limit', () => {
    writeFileSync(path.join(root, 'big.txt'), 'x'.repeat(2048));
    expect(codeOf(() => readTextInside(root, 'big.txt', { maxBytes: 1024 }))).toBe('file-too-large@-');
    expect(readTextInside(root, 'big.txt', { maxBytes: 2048 }).text.length).toBe(2048);
  });

  it('lists a folder only inside the root', () => {
    expect(listInside(root, 'sub').map((e) => e.name)).toEqual(['a.txt']);
    expect(listInside(root, 'nope')).toEqual([]);
    symlinkSync(base, path.join(root, 'up'));
    expect(codeOf(() => listInside(root, 'up'))).toBe('path-outside@-');
  });
});

describe('text decoding', () => {
  const enc = (s: string) => Buffer.from(s);
  it('drops a BOM and turns CRLF and CR into LF', () => {
    expect(decodeText(enc('\uFEFFa\r\nb\rc\nd'), 'f')).toBe('a\nb\nc\nd');
  });

  it('names the line of invalid UTF-8 whatever the line ends', () => {
    const bad = (prefix: string, bytes: number[]) => codeOf(() => decodeText(Buffer.concat([enc(prefix), Buffer.from(bytes)]), 'f'));
    expect(bad('a\nb\n', [0xff])).toBe('text-encoding@3');
    expect(bad('a\r\nb\r\n', [0xc3, 0x28])).toBe('text-encoding@3');
    expect(bad('a\rb\rc\r', [0x80])).toBe('text-encoding@4');
    // Overlong "/" (C0 AF), a UTF-16 surrogate (ED A0 80), beyond U+10FFFF (F4 90 80 80), truncated (E2 82).
    expect(bad('x\n', [0xc0, 0xaf])).toBe('text-encoding@2');
    expect(bad('x\n', [0xed, 0xa0, 0x80])).toBe('text-encoding@2');
    expect(bad('x\n', [0xf4, 0x90, 0x80, 0x80])).toBe('text-encoding@2');
    expect(bad('x\ny\n', [0xe2, 0x82])).toBe('text-encoding@3');
    // Control: Sorani, Pashto and an emoji are valid.
    expect(decodeText(enc('کوردی\nپښتو\n🙂'), 'f')).toBe('کوردی\nپښتو\n🙂');
  });

  it('refuses NUL with its line', () => {
    expect(codeOf(() => decodeText(enc('a\r\nb\r\nc\u0000'), 'f'))).toBe('text-nul@3');
  });
});

describe('output paths from manifests', () => {
  it('accepts plain ids and relative paths', () => {
    expect(outputPathInside('/rel/out', 'safe-journeys', 'en/poster-a4.pdf')).toBe(path.resolve('/rel/out/safe-journeys/en/poster-a4.pdf'));
  });
  it('refuses a traversing id or path', () => {
    for (const [id, rel] of [
      ['../victim', 'en/evil.sh'],
      ['victim/x', 'a.png'],
      ['', 'a.png'],
      ['Caps', 'a.png'],
      ['ok', '../../evil.sh'],
      ['ok', '/etc/cron.d/x'],
      ['ok', 'en\\..\\..\\x'],
      ['ok', 'en//x'],
      ['ok', ''],
    ]) {
      expect(codeOf(() => outputPathInside('/rel/out', id!, rel!))).toBe('output-unsafe@-');
    }
  });
});
