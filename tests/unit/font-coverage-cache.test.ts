import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageInternals, fontCoverage } from '../../src/fonts/fonts.js';

// Font coverage kept on disk (issue 13): decoding the woff2 cmaps cost every rendering build about
// half a second of CPU. What is stored decides the glyph check, so it must be exactly what the
// fonts draw, and an edited entry must not be believed.
const FAMILY = 'Noto Sans Arabic';
let dir: string;
const saved = process.env.CAMPAIGN_PRESS_CACHE_DIR;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cp-fontcache-'));
  process.env.CAMPAIGN_PRESS_CACHE_DIR = path.join(dir, 'cache');
});
afterAll(() => {
  if (saved === undefined) delete process.env.CAMPAIGN_PRESS_CACHE_DIR;
  else process.env.CAMPAIGN_PRESS_CACHE_DIR = saved;
  coverageInternals.forget();
  rmSync(dir, { recursive: true, force: true });
});

const entryFile = () => {
  const name = readdirSync(path.join(dir, 'cache')).find((n) => n.startsWith('fonts-'));
  expect(name, 'an entry was written').toBeDefined();
  return path.join(dir, 'cache', name!);
};

describe('font coverage stored per font files', () => {
  it('stores what decoding the fonts gives, code point for code point', () => {
    coverageInternals.forget();
    const first = fontCoverage(FAMILY);
    const faces = coverageInternals.regularFaces(FAMILY);
    const decoded = coverageInternals.decodeCoverage(faces);
    const stored = coverageInternals.storedCoverage(faces);
    expect(stored).toBeDefined();
    expect([...stored!].sort((a, b) => a - b)).toEqual([...decoded].sort((a, b) => a - b));
    expect(first).toEqual(decoded);
    // Sorani's ڵ and Arabic's alef are drawn; a CJK ideograph is not.
    expect(stored!.has(0x06b5)).toBe(true);
    expect(stored!.has(0x0627)).toBe(true);
    expect(stored!.has(0x4e00)).toBe(false);
  });

  it('a stored entry edited to claim a glyph the font lacks is not used; the fonts are decoded again', () => {
    const file = entryFile();
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    const faces = coverageInternals.regularFaces(FAMILY);
    // Control: untouched, the entry is used.
    expect(coverageInternals.storedCoverage(faces)?.has(0x4e00)).toBe(false);
    const ranges = JSON.parse(entry.ranges) as [number, number][];
    ranges.push([0x4e00, 0x4e00]);
    writeFileSync(file, JSON.stringify({ ...entry, ranges: JSON.stringify(ranges) }));
    expect(coverageInternals.storedCoverage(faces)).toBeUndefined();
    coverageInternals.forget();
    expect(fontCoverage(FAMILY).has(0x4e00)).toBe(false);
    // ...and the entry is written again, right.
    expect(coverageInternals.storedCoverage(faces)?.has(0x4e00)).toBe(false);
  });

  it('an entry signed with another key (copied from another machine) is not used', () => {
    const faces = coverageInternals.regularFaces(FAMILY);
    expect(coverageInternals.storedCoverage(faces)).toBeDefined();
    writeFileSync(path.join(dir, 'cache', 'key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    expect(coverageInternals.storedCoverage(faces)).toBeUndefined();
  });

  it('entries are per font files: another family has another entry', () => {
    coverageInternals.forget();
    fontCoverage('Noto Sans');
    const a = coverageInternals.regularFaces(FAMILY).id;
    const b = coverageInternals.regularFaces('Noto Sans').id;
    expect(a).not.toBe(b);
    expect(readdirSync(path.join(dir, 'cache')).filter((n) => n.startsWith('fonts-'))).toHaveLength(2);
    expect(fontCoverage('Noto Sans').has(0x06b5)).toBe(false);
  });
});
