import { describe, expect, it } from 'vitest';
import { fontCoverage, fontsFor, missingGlyphs } from '../../src/fonts/fonts.js';

describe('bundled font coverage (read from the woff2 cmaps)', () => {
  it('covers Sorani letters in Vazirmatn, Pashto in Noto Sans Arabic, Tajik and Kazakh in Noto Sans', () => {
    expect(missingGlyphs('ڕ ڵ ۆ ێ ە', ['Vazirmatn'])).toEqual([]);
    expect(missingGlyphs('ټ ډ ړ ږ ښ ګ ڼ ۍ ې', ['Noto Sans Arabic'])).toEqual([]);
    expect(missingGlyphs('ғ ӣ қ ӯ ҳ ҷ ә ң ө ұ ү һ і', ['Noto Sans'])).toEqual([]);
    expect(missingGlyphs('ş ê î û ç oʻ gʻ', ['Noto Sans'])).toEqual([]);
  });

  it('finds characters no bundled font has, machine fonts notwithstanding', () => {
    expect(missingGlyphs('سلام ქართული', ['Noto Naskh Arabic'])).toEqual(['ქ', 'ა', 'რ', 'თ', 'უ', 'ლ', 'ი']);
    expect(missingGlyphs('✆', ['Noto Sans'])).toEqual(['✆']);
  });

  it('adds Noto Sans to every stack for Latin text inside other scripts', () => {
    expect(missingGlyphs('+964 750 example.org', ['Noto Nastaliq Urdu'])).toEqual([]);
    expect(fontsFor({ fonts: ['Vazirmatn'] } as never).stack).toBe("'Vazirmatn', 'Noto Sans'");
    expect(fontCoverage('Noto Sans').has(0x04e3)).toBe(true);
  });
});
