import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/errors.js';
import { placeholders, unflatten } from '../../src/i18n/keys.js';
import { loadLocaleTable } from '../../src/i18n/table.js';
import { Translator } from '../../src/i18n/translator.js';
import { checkLocales, loadLocaleProject } from '../../src/translators/check.js';
import { localeStatus } from '../../src/translators/status.js';
import { makeProject, REPO } from '../helpers.js';

/**
 * A translator's placeholder in Persian letters (`{{تعداد}}`, "count" in Dari) reached a printed
 * leaflet: only ASCII names were recognised. Any {{…}} is a placeholder now, caught by
 * `locales check` and by the build; each case has a control that must pass.
 */
const table = loadLocaleTable(path.join(REPO, 'locales'));
const en = JSON.parse(readFileSync(path.join(REPO, 'locales', 'en', 'common.json'), 'utf8')) as Record<string, unknown>;

function translate(prs: Record<string, unknown>) {
  const diag = new Diagnostics();
  const t = new Translator(table, { en: { common: en }, prs: { common: { ...prs } } } as never, diag);
  return { html: t.html('prs', 'stories', { count: 3 }), text: t.text('prs', 'stories', { count: 3 }), diag };
}

describe('placeholders in any script', () => {
  it('sees a placeholder whatever letters it holds', () => {
    expect(placeholders('{{تعداد}} قصه')).toEqual(['تعداد']);
    expect(placeholders('{{ count }} stories, {{- name}}')).toEqual(['count', 'name']);
  });

  it('control: a Dari plural that keeps {{count}} renders the number in Persian digits', () => {
    const r = translate({ stories_one: '{{count}} قصه', stories_other: '{{count}} قصه' });
    expect(r.diag.errors).toEqual([]);
    expect(r.html).toContain('۳');
    expect(r.html).not.toMatch(/\{\{|\}\}/);
  });

  it('refuses a placeholder renamed in Persian letters, naming the locale file and key', () => {
    const r = translate({ stories_one: '{{تعداد}} قصه', stories_other: '{{تعداد}} قصه' });
    expect(r.html).not.toContain('{{');
    expect(r.text).not.toContain('{{');
    const e = r.diag.errors[0];
    expect(e?.code).toBe('translation-placeholder');
    expect(e?.message).toContain('تعداد');
    expect(e?.location.file).toBe('locales/prs/common.json');
    expect(e?.location.field).toBe('stories');
  });

  it('refuses a half-written placeholder that would print braces', () => {
    const r = translate({ stories_one: '{{count} قصه', stories_other: '{{count} قصه' });
    expect(r.diag.errors.map((e) => e.code)).toContain('translation-placeholder');
  });

  it('does not read a placeholder named like an Object property from the prototype', () => {
    const r = translate({ stories_one: '{{constructor}} قصه', stories_other: '{{constructor}} قصه' });
    expect(r.html).not.toContain('function');
    expect(r.diag.errors.map((e) => e.code)).toContain('translation-placeholder');
  });
});

describe('locales check and status on a translator’s files', () => {
  let root: string;
  let cleanup: () => void;
  beforeEach(() => ({ root, cleanup } = makeProject()));
  afterEach(() => cleanup());

  const prsFile = () => path.join(root, 'locales', 'prs', 'common.json');
  const edit = (f: (j: Record<string, unknown>) => void) => {
    const j = JSON.parse(readFileSync(prsFile(), 'utf8')) as Record<string, unknown>;
    f(j);
    writeFileSync(prsFile(), `${JSON.stringify(j, null, 2)}\n`);
  };
  const findings = () => {
    const { project } = loadLocaleProject(root, table);
    return checkLocales(project, { locales: ['prs'] }).filter((f) => f.severity === 'error');
  };

  it('control: the shipped Dari labels have no placeholder error', () => {
    expect(findings().filter((f) => f.rule === 'placeholder-mismatch')).toEqual([]);
  });

  it('reports {{تعداد}} in a Dari label as a placeholder mismatch with its key', () => {
    edit((j) => {
      j.stories_other = '{{تعداد}} قصه';
    });
    const f = findings().filter((x) => x.rule === 'placeholder-mismatch');
    expect(f.map((x) => x.key)).toContain('stories_other');
    expect(f.find((x) => x.key === 'stories_other')?.message).toContain('تعداد');
  });

  it('locales status fails on a broken JSON file instead of counting it as untranslated', () => {
    const { project } = loadLocaleProject(root, table);
    expect(localeStatus(project).length).toBeGreaterThan(0);
    writeFileSync(prsFile(), '{\n  "title": "x",\n  "cta": \n}\n');
    expect(() => localeStatus(project)).toThrow(/invalid JSON/);
    try {
      localeStatus(project);
    } catch (e) {
      expect((e as { location: { file: string; line: number } }).location.line).toBe(4);
      expect((e as { location: { file: string } }).location.file).toContain('prs');
    }
  });
});

describe('translation keys cannot reach the prototype', () => {
  it('control: dotted keys rebuild nested JSON', () => {
    expect(JSON.stringify(unflatten([['a.b', 'x']]))).toBe('{"a":{"b":"x"}}');
  });

  it.each(['__proto__.polluted', 'constructor.prototype.polluted', 'a.__proto__'])(
    'refuses %s and leaves Object.prototype alone',
    (key) => {
      expect(() => unflatten([[key, 'yes']])).toThrow(expect.objectContaining({ code: 'key-unsafe' }));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
