import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocaleTable } from '../../src/i18n/table.js';
import { flatten } from '../../src/i18n/keys.js';
import { expansionFactor, pseudoArXB, pseudoEnXA, pseudoMarkdown, pseudoNamespace } from '../../src/i18n/pseudo.js';
import { REPO } from '../helpers.js';

describe('pseudo-locales', () => {
  it('follows IBM expansion: short labels grow most', () => {
    expect(expansionFactor(8)).toBe(2);
    expect(expansionFactor(15)).toBe(1);
    expect(expansionFactor(100)).toBe(0.3);
    const short = pseudoEnXA('Helpline');
    expect(short.startsWith('[Ĥéľƥľíñé')).toBe(true);
    expect(short.endsWith(']')).toBe(true);
    expect(short.length).toBeGreaterThanOrEqual(8 * 3);
    const long = 'The sea, the border and the debt are real. The smuggler promises are not.';
    expect(pseudoEnXA(long).length).toBeGreaterThanOrEqual(Math.floor(long.length * 1.3));
  });

  it('protects placeholders, $t() and markup', () => {
    const s = pseudoEnXA('Call {{phone}} or see $t(learn_more) <b>now</b>');
    expect(s).toContain('{{phone}}');
    expect(s).toContain('$t(learn_more)');
    expect(s).toContain('<b>');
    expect(s).toContain('</b>');
    expect(pseudoArXB('Call {{count}}')).toBe('سالل {{count}}');
  });

  it('leaves Markdown syntax and link targets alone', () => {
    const md = pseudoMarkdown('en-XA', '- **Bold** item [link](https://example.org/path)');
    expect(md).toMatch(/^- \*\*Ƀöľď\*\* íťéḿ \[ľíñķ\]\(https:\/\/example\.org\/path\)$/);
  });

  it('gives ar-XB every Arabic plural form and en-XA the English ones', () => {
    const table = loadLocaleTable(path.join(REPO, 'locales'));
    const src = flatten({ stories_one: '{{count}} story', stories_other: '{{count}} stories', a: { b: 'Hi' } });
    const xb = pseudoNamespace(table, 'ar-XB', src) as Record<string, unknown>;
    expect(Object.keys(xb)).toEqual(['stories_zero', 'stories_one', 'stories_two', 'stories_few', 'stories_many', 'stories_other', 'a']);
    expect((xb.a as Record<string, string>).b).toBe('هي');
    const xa = pseudoNamespace(table, 'en-XA', src) as Record<string, unknown>;
    expect(Object.keys(xa)).toEqual(['stories_one', 'stories_other', 'a']);
  });
});
