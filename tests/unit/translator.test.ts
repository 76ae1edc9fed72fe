import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/errors.js';
import { formatNumber, loadLocaleTable, pluralCategories, selectPlural } from '../../src/i18n/table.js';
import { Translator } from '../../src/i18n/translator.js';
import { REPO } from '../helpers.js';

const table = loadLocaleTable(path.join(REPO, 'locales'));

function translator(resources: Record<string, Record<string, Record<string, unknown>>>) {
  const diag = new Diagnostics();
  return { t: new Translator(table, resources, diag), diag };
}

describe('locale table', () => {
  it('covers the 13 languages with direction and script from the table', () => {
    const real = table.codes.filter((c) => table.get(c).status !== 'pseudo').sort();
    expect(real).toEqual(['ar', 'ckb', 'en', 'fa', 'kk', 'kmr', 'ky', 'prs', 'ps', 'ru', 'tg', 'ur', 'uz']);
    expect(table.codes.filter((c) => table.get(c).status === 'pseudo').sort()).toEqual(['ar-XB', 'en-XA']);
    for (const c of ['ckb', 'ar', 'fa', 'prs', 'ps', 'ur']) expect(table.get(c).dir).toBe('rtl');
    for (const c of ['en', 'kmr', 'tg', 'ru', 'uz', 'ky', 'kk']) expect(table.get(c).dir).toBe('ltr');
    expect(table.get('ur').line_height).toBeGreaterThanOrEqual(2);
  });

  it('gives Arabic six plural categories and Russian four', () => {
    expect(pluralCategories(table, 'ar')).toEqual(['zero', 'one', 'two', 'few', 'many', 'other']);
    expect(pluralCategories(table, 'ru')).toEqual(['one', 'few', 'many', 'other']);
  });

  it('uses Persian plural rules for Tajik, whatever the machine locale', () => {
    expect(Intl.PluralRules.supportedLocalesOf(['tg'])).toEqual([]);
    expect(pluralCategories(table, 'tg')).toEqual(['one', 'other']);
    // Persian "one" covers 0 and 1; English would say "other" for 0.
    expect(selectPlural(table, 'tg', 0)).toBe('one');
    expect(selectPlural(table, 'en', 0)).toBe('other');
  });

  it('formats numbers in the locale digits', () => {
    expect(formatNumber(table.get('ckb'), 42)).toBe('٤٢');
    expect(formatNumber(table.get('fa'), 42)).toBe('۴۲');
    expect(formatNumber(table.get('en'), 42)).toBe('42');
  });

  it('every common.json has every plural category its language needs', async () => {
    const { readFileSync } = await import('node:fs');
    for (const c of table.codes.filter((x) => table.get(x).status !== 'pseudo')) {
      const common = JSON.parse(readFileSync(path.join(REPO, 'locales', c, 'common.json'), 'utf8')) as Record<string, unknown>;
      for (const cat of pluralCategories(table, c)) expect(common[`stories_${cat}`], `${c} stories_${cat}`).toBeTruthy();
    }
  });
});

describe('Translator', () => {
  it('escapes text and isolates interpolated values', () => {
    const { t, diag } = translator({ en: { common: { hi: 'Call <b>{{phone}}</b> & ask' } } });
    expect(t.html('en', 'hi', { values: { phone: '+964 750' } })).toBe('Call &lt;b&gt;<bdi>+964 750</bdi>&lt;/b&gt; &amp; ask');
    expect(diag.errors).toEqual([]);
  });

  it('picks the plural form with the locale rules and localizes the count', () => {
    const { t } = translator({
      ar: {
        common: {
          n_zero: 'صفر',
          n_one: 'واحدة',
          n_two: 'اثنتان',
          n_few: '{{count}} قصص',
          n_many: '{{count}} قصة',
          n_other: '{{count}} قصة',
        },
      },
      ckb: { common: { n_one: '{{count}} چیرۆک', n_other: '{{count}} چیرۆک' } },
    });
    expect(t.html('ar', 'n', { count: 2 })).toBe('اثنتان');
    expect(t.html('ar', 'n', { count: 5 })).toBe('<bdi>٥</bdi> قصص');
    expect(t.html('ar', 'n', { count: 11 })).toBe('<bdi>١١</bdi> قصة');
    expect(t.html('ckb', 'n', { count: 3 })).toBe('<bdi>٣</bdi> چیرۆک');
  });

  it('reports a misspelled placeholder instead of printing it', () => {
    const { t, diag } = translator({ en: { common: { hi: 'Call {{phnoe}}' } } });
    const out = t.html('en', 'hi', { values: { phone: '1' } });
    expect(out).not.toContain('{{');
    expect(diag.errors.map((e) => e.code)).toEqual(['translation-placeholder']);
    expect(diag.errors[0]!.message).toContain('phnoe');
  });

  it('reports a missing key and never prints the key', () => {
    const { t, diag } = translator({ en: { common: {} } });
    expect(t.html('en', 'nothing.here')).toBe('');
    expect(diag.errors[0]!.code).toBe('translation-missing');
  });

  it('treats an empty string as missing and falls back with a warning, marking the language', () => {
    const { t, diag } = translator({ en: { common: { cta: 'Call us' } }, ckb: { common: { cta: '' } } });
    expect(t.html('ckb', 'cta')).toBe('<span lang="en" dir="ltr" class="fallback-text">Call us</span>');
    expect(diag.warnings.map((w) => w.code)).toEqual(['translation-missing']);
    expect(diag.errors).toEqual([]);
  });

  it('resolves $t() nesting and reports a missing target', () => {
    const { t, diag } = translator({ en: { common: { brand: 'Safe', title: '$t(brand) journeys', bad: '$t(nope) x' } } });
    expect(t.html('en', 'title')).toBe('Safe journeys');
    t.html('en', 'bad');
    expect(diag.errors.map((e) => e.code)).toEqual(['translation-missing']);
  });
});

describe('Translator plural rules from locales.json', () => {
  it('picks Tajik plural forms with Persian rules through i18next (0 is "one"), and English its own (control)', () => {
    const { t, diag } = translator({
      en: { common: { n_one: '{{count}} story', n_other: '{{count}} stories' } },
      tg: { common: { n_one: '{{count}} ҳикоя (one)', n_other: '{{count}} ҳикоя (other)' } },
    });
    expect(t.text('tg', 'n', { count: 0 })).toBe('0 ҳикоя (one)');
    expect(t.text('en', 'n', { count: 0 })).toBe('0 stories');
    expect(t.text('tg', 'n', { count: 5 })).toBe('5 ҳикоя (other)');
    expect(diag.errors).toEqual([]);
  });
});

describe('language tags and "did you mean"', () => {
  it.each([
    ['fa-AF', 'prs'],
    ['ps-AF', 'ps'],
    ['ckb-IQ', 'ckb'],
    ['ku-Arab', 'ckb'],
    ['ku-Latn', 'kmr'],
    ['kmr-TR', 'kmr'],
    ['tg-Cyrl', 'tg'],
    ['uz-Latn', 'uz'],
    ['fa', 'fa'],
    ['fa-IR', 'fa'],
    ['FA_af', 'prs'],
    ['ar-EG', 'ar'],
  ])('maps the CAT-tool tag %s to %s', (tag, code) => {
    expect(table.resolveTag(tag)).toBe(code);
  });

  it('maps no unknown tag, and never maps to a pseudo-locale by its language (control)', () => {
    expect(table.resolveTag('xx-YY')).toBeUndefined();
    expect(table.resolveTag('de')).toBeUndefined();
    expect(table.resolveTag('en-XA')).toBe('en-XA');
  });

  it('suggests Tajik for "tj" and names the language; nothing for a code far from every language', () => {
    const e = table.unknownLocale('tj', { file: 'campaigns/c/campaign.md', line: 5, field: 'locales[1]' });
    expect(e.message).toBe('unknown locale "tj". Did you mean tg (Tajik)?');
    expect(e.location.line).toBe(5);
    expect(table.suggest('sorani')).toContain('ckb');
    expect(table.suggest('persian')).toContain('fa (Persian)');
    expect(table.suggest('qqqqq')).toBeUndefined();
  });

  it('explains a BCP 47 tag used where a project code is expected', () => {
    expect(table.unknownLocale('fa-AF', {}).message).toContain('this project calls it prs (Dari)');
  });
});
