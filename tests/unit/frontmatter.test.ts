import { describe, expect, it } from 'vitest';
import { parseFrontmatter } from '../../src/campaign/frontmatter.js';
import { validate } from '../../src/util/structured.js';
import { campaignSchema, testimonySchema } from '../../src/campaign/schema.js';
import { CampaignPressError } from '../../src/errors.js';

function err(fn: () => unknown): CampaignPressError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CampaignPressError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('frontmatter', () => {
  it('parses YAML frontmatter and reports where the body starts', () => {
    const f = parseFrontmatter('---\nid: a\ntitle: T\n---\nBody line\n', 'x.md');
    expect(f.data).toEqual({ id: 'a', title: 'T' });
    expect(f.body.trim()).toBe('Body line');
    expect(f.bodyLine).toBe(5);
  });

  it('names the line of a YAML syntax error (file line, not YAML line)', () => {
    const e = err(() => parseFrontmatter('---\nid: a\ntitle: [unclosed\nx: 1\n---\n', 'c.md'));
    expect(e.code).toBe('yaml-syntax');
    expect(e.location.file).toBe('c.md');
    expect(e.location.line).toBeGreaterThanOrEqual(3);
  });

  it('rejects duplicate keys with their line', () => {
    const e = err(() => parseFrontmatter('---\nid: a\ntitle: T\nid: b\n---\n', 'c.md'));
    expect(e.code).toBe('yaml-duplicate-key');
    expect(e.location.line).toBe(4);
  });

  it('refuses aliases (no billion-laughs expansion)', () => {
    const bomb =
      '---\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n---\n';
    const e = err(() => parseFrontmatter(bomb, 'c.md'));
    expect(e.code).toBe('yaml-alias');
    expect(e.location.line).toBe(3);
  });

  it.each(['js', 'javascript', 'json', 'coffee', 'toml'])('refuses ---%s frontmatter without evaluating it', (lang) => {
    const g = globalThis as { __cpPwned?: number };
    delete g.__cpPwned;
    const e = err(() => parseFrontmatter(`---${lang}\n{ id: (globalThis.__cpPwned = 1) }\n---\nbody\n`, 'evil.md'));
    expect(e.code).toBe('frontmatter-language');
    expect(g.__cpPwned).toBeUndefined();
  });

  it('requires frontmatter', () => {
    expect(err(() => parseFrontmatter('# Just markdown\n', 'c.md')).code).toBe('frontmatter-missing');
  });

  it('keeps dates as strings (YAML 1.2 core schema)', () => {
    const f = parseFrontmatter('---\nd: 2026-02-23\nyes: no\n---\n', 'c.md');
    expect(f.data).toEqual({ d: '2026-02-23', yes: 'no' });
  });
});

describe('schema validation', () => {
  const campaign = (extra: string, drop?: string) =>
    parseFrontmatter(
      `---
id: demo
title: Demo
source_locale: en
locales: [en]
distribution:
  regions: [IQ-AR]
contact:
  hotline: "+964 750 000 0000"
  url: https://example.org
brand:
  primary: "#000000"
  accent: "#ffffff"
messages:
  headline: Hi
outputs:
  - template: poster
${extra}---
`
        .split('\n')
        .filter((l) => !drop || !l.startsWith(drop))
        .join('\n'),
      'campaigns/demo/campaign.md',
    );

  it('accepts a valid campaign', () => {
    expect(validate(campaignSchema, campaign('')).errors).toEqual([]);
  });

  it('reports an unknown field with its file, line and field path', () => {
    const { errors } = validate(campaignSchema, campaign('colour: red\n'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('schema-unknown-field');
    expect(errors[0]!.location).toMatchObject({ file: 'campaigns/demo/campaign.md', line: 18, field: 'colour' });
    expect(errors[0]!.hint).toMatch(/FORMAT\.md/);
  });

  it('reports a nested unknown field with its path', () => {
    const y = parseFrontmatter('---\nid: t\ntitle: T\nconsent:\n  id: CR-1\n  statuss: granted\n---\n', 't.md');
    const { errors } = validate(testimonySchema, y);
    const unknown = errors.find((e) => e.code === 'schema-unknown-field');
    expect(unknown?.location).toMatchObject({ line: 6, field: 'consent.statuss' });
  });

  it('reports a missing required field', () => {
    const { errors } = validate(campaignSchema, campaign('', 'title:'));
    expect(errors.map((e) => e.code)).toContain('schema-missing-field');
    expect(errors.find((e) => e.code === 'schema-missing-field')!.location.field).toBe('title');
  });

  it('rejects http URLs, bad colours and bad ids with a line', () => {
    const y = campaign('');
    (y.data as Record<string, unknown>).contact = { hotline: '+964 1', url: 'http://example.org' };
    const { errors } = validate(campaignSchema, y);
    expect(errors.some((e) => e.location.field === 'contact.url' && /https/.test(e.message))).toBe(true);
  });
});
