import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';
import { CampaignPressError } from '../errors.js';
import type { LocaleEntry } from '../i18n/table.js';
import { readTextInside } from '../util/files.js';
import { ASSET_ORIGIN } from '../util/origin.js';
import { cacheDir, cacheKey, writePrivate } from '../util/private-cache.js';
import { countEvent } from '../util/profile.js';

/**
 * Fonts come from @fontsource packages on npm, never from the machine. Their @font-face rules
 * (with unicode-range subsets) are rewritten to point at the in-memory asset origin, where
 * request interception serves the woff2 files.
 */

const require = createRequire(import.meta.url);
const WEIGHTS = [400, 700] as const;
/** Latin text (phone numbers, URLs, names) inside any script falls back to this bundled family. */
export const LATIN_FALLBACK = 'Noto Sans';

export interface FontPackage {
  family: string;
  pkg: string;
  version: string;
  dir: string;
  css: string;
}

const packages = new Map<string, FontPackage>();

export function packageNameOf(family: string): string {
  return `@fontsource/${family.toLowerCase().replace(/\s+/g, '-')}`;
}

export function loadFontPackage(family: string): FontPackage {
  const hit = packages.get(family);
  if (hit) return hit;
  const pkg = packageNameOf(family);
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new CampaignPressError(
      'locale-unknown',
      `font "${family}" is not installed (${pkg})`,
      { file: 'locales/locales.json', field: 'fonts' },
      `Add it with \`npm install ${pkg}\`, or use a family that is bundled.`,
    );
  }
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const blocks: string[] = [];
  for (const w of WEIGHTS) {
    let css: string;
    try {
      css = readFileSync(path.join(dir, `${w}.css`), 'utf8');
    } catch {
      continue;
    }
    // Keep only the woff2 source; point it at the asset origin.
    css = css.replace(
      /src:\s*url\(\.\/files\/([^)]+\.woff2)\)\s*format\('woff2'\)[^;]*;/g,
      (_m, f: string) => `src: url(${ASSET_ORIGIN}/fonts/${pkg.slice('@fontsource/'.length)}@${version}/${f}) format('woff2');`,
    );
    css = css.replace(/font-display:\s*swap;/g, 'font-display: block;');
    blocks.push(css);
  }
  if (blocks.length === 0)
    throw new CampaignPressError('locale-unknown', `font package ${pkg} has no 400 or 700 weight`, {
      file: 'locales/locales.json',
      field: 'fonts',
    });
  const fp: FontPackage = { family, pkg, version, dir, css: blocks.join('\n') };
  packages.set(family, fp);
  return fp;
}

/**
 * The display family of Arabic-script headlines (locales.json `display_fonts`), so that posters
 * in Arabic, Sorani, Persian, Dari and Pashto hung side by side read as one campaign. A locale
 * without it (Urdu: Nastaliq, as its readers expect) sets headlines in its text fonts.
 */
function stackOf(families: string[]): string {
  const all = [...families];
  if (!all.includes(LATIN_FALLBACK)) all.push(LATIN_FALLBACK);
  // No generic family at the end: a glyph missing from every bundled font must show up as a
  // fallback in the glyph check, not quietly come from the machine.
  return all.map((f) => `'${f}'`).join(', ');
}

/**
 * Latin runs inside Arabic-script text (a URL, a phone number, an English brand name) are set in
 * the bundled Latin sans, not in the Arabic font's own Latin, so they look the same on every page
 * of the campaign. The family `Latin in <F>` is Noto Sans narrowed by unicode-range to Latin
 * letters and digits (spaces and punctuation stay with the Arabic font, so word spacing and the
 * sentence's full stop do not change), and given F's vertical metrics (ascent, descent and line
 * gap overrides): a line mixing the two faces is then exactly as tall as a line of F alone. With
 * Noto Sans's own metrics the Latin inline box sat on the baseline with a different ascent and
 * descent, the line box grew to hold both, and tight boxes (an English fallback headline on a
 * Sorani cover) overflowed by a few percent.
 */
export function latinIn(family: string): string {
  return `Latin in ${family}`;
}

const LATIN_RUN: CodeRange[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
  [0xc0, 0xd6],
  [0xd8, 0xf6],
  [0xf8, 0x24f],
  [0x1e00, 0x1eff],
];

type CodeRange = readonly [number, number];

function parseRanges(css: string): CodeRange[] {
  return css.split(',').map((r) => {
    const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
    const lo = Number.parseInt(a!.replace(/\?/g, '0'), 16);
    const hi = b ? Number.parseInt(b, 16) : Number.parseInt(a!.replace(/\?/g, 'F'), 16);
    return [lo, hi] as const;
  });
}

function intersect(a: CodeRange[], b: CodeRange[]): CodeRange[] {
  const out: CodeRange[] = [];
  for (const [alo, ahi] of a)
    for (const [blo, bhi] of b) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  return out;
}

const hexCp = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** Ascent, descent and line gap of a family's face for `probe` (its script's subset), in em. */
const metricsCache = new Map<string, { ascent: number; descent: number; lineGap: number }>();
export function verticalMetrics(family: string, probe = 0x0627): { ascent: number; descent: number; lineGap: number } {
  const key = `${family}|${probe}`;
  const hit = metricsCache.get(key);
  if (hit) return hit;
  const pkg = loadFontPackage(family);
  const css = readFileSync(path.join(pkg.dir, '400.css'), 'utf8');
  const block = css
    .split('@font-face')
    .slice(1)
    .find((b) => {
      const range = /unicode-range:\s*([^;]+);/.exec(b)?.[1];
      return !range || parseRanges(range).some(([lo, hi]) => probe >= lo && probe <= hi);
    });
  const file = block && /url\(\.\/files\/([^)]+\.woff2)\)/.exec(block)?.[1];
  if (!file) throw new Error(`${family} has no face for U+${hexCp(probe)}`);
  const font = fontkit.openSync(path.join(pkg.dir, 'files', file)) as unknown as {
    unitsPerEm: number;
    hhea: { ascent: number; descent: number; lineGap: number };
  };
  const m = {
    ascent: font.hhea.ascent / font.unitsPerEm,
    descent: Math.abs(font.hhea.descent) / font.unitsPerEm,
    lineGap: font.hhea.lineGap / font.unitsPerEm,
  };
  metricsCache.set(key, m);
  return m;
}

/** The @font-face rules of `Latin in <family>`: the Latin sans's faces, narrowed and given the family's metrics. */
function latinInCss(family: string): string {
  const m = verticalMetrics(family);
  const pct = (v: number) => `${(v * 100).toFixed(3)}%`;
  const overrides = `ascent-override: ${pct(m.ascent)}; descent-override: ${pct(m.descent)}; line-gap-override: ${pct(m.lineGap)};`;
  return loadFontPackage(LATIN_FALLBACK)
    .css.split('@font-face')
    .slice(1)
    .flatMap((block) => {
      const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
      const narrowed = range ? intersect(parseRanges(range), LATIN_RUN) : LATIN_RUN;
      if (!narrowed.length) return [];
      const unicodeRange = narrowed.map(([lo, hi]) => (lo === hi ? `U+${hexCp(lo)}` : `U+${hexCp(lo)}-${hexCp(hi)}`)).join(',');
      const rule = block
        .replace(/font-family:\s*'[^']+'/, `font-family: '${latinIn(family)}'`)
        .replace(/unicode-range:\s*[^;]+;/, `unicode-range: ${unicodeRange};\n  ${overrides}`);
      return [`@font-face${rule}`];
    })
    .join('\n');
}

/** @font-face CSS and the font-family stacks (text and display) for a locale. */
export function fontsFor(entry: LocaleEntry): { css: string; stack: string; displayStack: string; fingerprint: string } {
  const display = entry.display_fonts ?? entry.fonts;
  const families = [...new Set([...entry.fonts, ...display, LATIN_FALLBACK])];
  const pk = families.map(loadFontPackage);
  // Arabic script only: a Cyrillic or Latin locale's own font is the Latin sans or matches it.
  const rtlLatin = entry.script === 'Arab';
  const lead = (fams: readonly string[]) => (rtlLatin ? [latinIn(fams[0]!), ...fams] : [...fams]);
  const latinFaces = rtlLatin ? [...new Set([entry.fonts[0]!, display[0]!])].map(latinInCss) : [];
  return {
    css: [...pk.map((p) => p.css), ...latinFaces].join('\n'),
    stack: stackOf(lead(entry.fonts)),
    displayStack: stackOf(lead(display)),
    fingerprint: fontsFingerprint(entry),
  };
}

/**
 * What fontsFor's output depends on (font packages by version, and the Latin-in-Arabic faces),
 * without building its CSS: the input keys of a no-op rebuild need only this, and the CSS reads
 * every Arabic-script font's metrics (a WOFF2 decompression each).
 */
export function fontsFingerprint(entry: LocaleEntry): string {
  const display = entry.display_fonts ?? entry.fonts;
  const families = [...new Set([...entry.fonts, ...display, LATIN_FALLBACK])];
  const pk = families.map(loadFontPackage);
  return [...pk.map((p) => `${p.pkg}@${p.version}`), ...(entry.script === 'Arab' ? ['latin-in-arabic@1'] : [])].join(',');
}

/** Serve a font file by URL path (`fonts/<name>@<version>/<file>`), read from the package once. */
const fileCache = new Map<string, Buffer>();
export function fontFile(urlPath: string): Buffer | undefined {
  const m = /^fonts\/([a-z0-9-]+)@([0-9.]+)\/([a-z0-9-]+\.woff2)$/.exec(urlPath);
  if (!m) return undefined;
  const hit = fileCache.get(urlPath);
  if (hit) return hit;
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`@fontsource/${m[1]}/package.json`));
  } catch {
    return undefined;
  }
  try {
    const buf = readFileSync(path.join(dir, 'files', m[3]!));
    fileCache.set(urlPath, buf);
    return buf;
  } catch {
    return undefined;
  }
}

/**
 * Code points a family really draws: the union over its subset files of (the file's cmap ∩ the
 * unicode-range its @font-face declares), since Chromium only loads a subset for its range.
 * Read from the regular (400) files.
 */
const coverageCache = new Map<string, Set<number>>();
export function fontCoverage(family: string): Set<number> {
  const hit = coverageCache.get(family);
  if (hit) return hit;
  const faces = regularFaces(family);
  const stored = storedCoverage(faces);
  const out = stored ?? decodeCoverage(faces);
  if (!stored) storeCoverage(faces, out);
  coverageCache.set(family, out);
  return out;
}

interface Faces {
  family: string;
  /** What the coverage is a function of: the package, its version, and the bytes of its 400 CSS and woff2 files. */
  id: string;
  blocks: { file: string; ranges: CodeRange[] }[];
}

/** The regular (400) subset files of a family, with their unicode-ranges, and what identifies them. */
function regularFaces(family: string): Faces {
  const pkg = loadFontPackage(family);
  const css = readFileSync(path.join(pkg.dir, '400.css'), 'utf8');
  const id = createHash('sha256').update(`${pkg.pkg}@${pkg.version}\u0000`).update(css);
  const blocks: Faces['blocks'] = [];
  for (const block of css.split('@font-face').slice(1)) {
    const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(block)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    if (!file) continue;
    const ranges = parseRanges(range ?? 'U+0-10FFFF');
    const full = path.join(pkg.dir, 'files', file);
    id.update(`\u0000${file}\u0000`).update(readFileSync(full));
    blocks.push({ file: full, ranges });
  }
  return { family, id: id.digest('hex'), blocks };
}

function decodeCoverage(faces: Faces): Set<number> {
  countEvent('font coverage: decoded');
  const out = new Set<number>();
  for (const { file, ranges } of faces.blocks) {
    const font = fontkit.openSync(file) as unknown as { characterSet: number[] };
    for (const cp of font.characterSet) {
      if (ranges.some(([lo, hi]) => cp >= lo && cp <= hi)) out.add(cp);
    }
  }
  return out;
}

/**
 * Decoding the cmaps of a build's fonts took about 0.44 s of CPU for 13 locales (woff2 is Brotli),
 * on every build that renders. The result is kept in the user's private cache folder
 * (util/private-cache.ts), signed, under the hash of the package version and the files' bytes:
 * a font that changed in any way is decoded again, and an entry that was edited is not used (a
 * coverage that claimed a glyph the font lacks would let a box through the glyph check).
 */
const COVERAGE_FORMAT = 1;

function coverageFile(faces: Faces): { file: string; key: Buffer } | undefined {
  const dir = cacheDir();
  const key = dir ? cacheKey(dir) : undefined;
  return dir && key ? { file: path.join(dir, `fonts-${faces.id.slice(0, 32)}.json`), key } : undefined;
}

function coverageMac(key: Buffer, id: string, ranges: string): string {
  return createHmac('sha256', key).update(`font coverage ${COVERAGE_FORMAT}\u0000${id}\u0000${ranges}`).digest('hex');
}

/** The stored coverage of these exact files, if its signature holds. */
function storedCoverage(faces: Faces): Set<number> | undefined {
  const where = coverageFile(faces);
  if (!where) return undefined;
  try {
    const e = JSON.parse(readTextInside(path.dirname(where.file), where.file, { maxBytes: 4 * 1024 * 1024 }).text) as {
      id?: unknown;
      ranges?: unknown;
      mac?: unknown;
    };
    if (e.id !== faces.id || typeof e.ranges !== 'string' || typeof e.mac !== 'string' || !/^[0-9a-f]{64}$/.test(e.mac)) return undefined;
    if (!timingSafeEqual(Buffer.from(e.mac, 'hex'), Buffer.from(coverageMac(where.key, faces.id, e.ranges), 'hex'))) return undefined;
    const out = new Set<number>();
    for (const [lo, hi] of JSON.parse(e.ranges) as [number, number][]) for (let cp = lo; cp <= hi; cp++) out.add(cp);
    return out;
  } catch {
    return undefined;
  }
}

function storeCoverage(faces: Faces, cps: Set<number>): void {
  const where = coverageFile(faces);
  if (!where) return;
  const sorted = [...cps].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const cp of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && cp === last[1] + 1) last[1] = cp;
    else ranges.push([cp, cp]);
  }
  const text = JSON.stringify(ranges);
  writePrivate(
    where.file,
    `${JSON.stringify({ family: faces.family, id: faces.id, ranges: text, mac: coverageMac(where.key, faces.id, text) })}\n`,
  );
}

/** For tests: the faces of a family, and the coverage decoded from them without any cache. */
export const coverageInternals = { regularFaces, decodeCoverage, storedCoverage, forget: () => coverageCache.clear() };

/** Characters of `text` that no family of the stack draws (whitespace and format controls aside). */
export function missingGlyphs(text: string, families: readonly string[]): string[] {
  const stack = families.includes(LATIN_FALLBACK) ? families : [...families, LATIN_FALLBACK];
  const covered = stack.map(fontCoverage);
  const missing = new Set<string>();
  for (const c of text) {
    if (/\s|[\u200B-\u200F\u202A-\u202E\u2066-\u2069\u00AD\uFEFF]/.test(c)) continue;
    const cp = c.codePointAt(0)!;
    if (!covered.some((s) => s.has(cp))) missing.add(c);
  }
  return [...missing];
}

/** `U+0695` for a character, as error messages name them. */
export function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
