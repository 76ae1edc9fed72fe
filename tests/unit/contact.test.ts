import { describe, expect, it } from 'vitest';
import { parseFrontmatter } from '../../src/campaign/frontmatter.js';
import { normalizePhone } from '../../src/campaign/phone.js';
import { campaignSchema, testimonySchema } from '../../src/campaign/schema.js';
import { validate } from '../../src/util/structured.js';

/** campaign.md with the hotline line written as given (the way it was pasted), and optional extra lines. */
function campaign(hotlineLine: string, extra = ''): ReturnType<typeof parseFrontmatter> {
  return parseFrontmatter(
    `---
id: demo
title: Demo
source_locale: ckb
locales: [ckb]
distribution:
  regions: [IQ-SU]
contact:
${hotlineLine}
  url: https://helpline.krd/safe
brand:
  primary: "#0B3D5C"
  accent: "#F2B705"
messages:
  headline: ڕاستییەکە بزانە
outputs:
  - template: poster
${extra}---
`,
    'campaigns/demo/campaign.md',
  );
}

describe('hotline numbers as pasted (issue 11 item 3)', () => {
  it.each([
    ['Word curly quotes', '  hotline: “+964 750 482 3916”'],
    ['Sorani/Persian digits', '  hotline: "+۹۶۴ ۷۵۰ ۴۸۲ ۳۹۱۶"'],
    ['Arabic-Indic digits', '  hotline: "+٩٦٤ ٧٥٠ ٤٨٢ ٣٩١٦"'],
    ['no-break spaces and RTL marks from Arabic-script text', '  hotline: "\u200F+964\u00A0750\u00A0482\u202F3916\u200E"'],
    ['en dashes and a curly-quoted value', '  hotline: ‘+964\u2013750\u2013482\u20133916’'],
  ])('%s: normalized to ASCII digits', (_, line) => {
    const { value, errors } = validate(campaignSchema, campaign(line));
    expect(errors).toEqual([]);
    expect(value!.contact.hotline.replace(/-/g, ' ')).toBe('+964 750 482 3916');
  });

  it('mixed Persian and Arabic-Indic digits in one Sorani number read as one number', () => {
    expect(normalizePhone('۰۷۵۰ ٤٨٢ ۳۹۱۶')).toBe('0750 482 3916');
  });

  it('refuses a letter or symbol with file, line, field and the character named', () => {
    const { errors } = validate(campaignSchema, campaign('  hotline: "+964 750 482 3916 ext. 2"'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('schema-invalid');
    expect(errors[0]!.location).toMatchObject({ file: 'campaigns/demo/campaign.md', line: 9, field: 'contact.hotline' });
    expect(errors[0]!.message).toContain('"e" (U+0065)');
  });

  it('refuses an Arabic letter pasted into the number, naming it', () => {
    const { errors } = validate(campaignSchema, campaign('  hotline: "+964 750 ٤٨٢ ٣٩١٦ ژ"'));
    expect(errors[0]!.message).toContain('U+0698');
  });
});

describe('did you mean, for a misspelled field (issue 11 item 7)', () => {
  it('a misspelled top-level field of campaign.md names the field it resembles, at its line', () => {
    const { errors } = validate(campaignSchema, campaign('  hotline: "+964 750 482 3916"', 'ouputs_extra: 1\nlocale: [ckb]\n'));
    const e = errors.find((x) => x.location.field === 'locale')!;
    expect(e.code).toBe('schema-unknown-field');
    expect(e.location.line).toBe(19);
    expect(e.message).toContain('did you mean "locales"?');
    expect(e.hint).toMatch(/^Did you mean "locales"\?/);
  });

  it('a nested field: consent.scope.chanels -> channels; testimony consnet -> consent', () => {
    const y = parseFrontmatter('---\nid: t\ntitle: T\nconsnet:\n  id: CR-1\n---\n', 'campaigns/demo/testimonies/t.md');
    const e = validate(testimonySchema, y).errors.find((x) => x.code === 'schema-unknown-field')!;
    expect(e.message).toContain('did you mean "consent"?');
    expect(e.location).toMatchObject({ line: 4, field: 'consnet' });
    const y2 = parseFrontmatter('---\nid: t\ntitle: T\nconsent:\n  scope:\n    chanels: [print]\n---\n', 't.md');
    const e2 = validate(testimonySchema, y2).errors.find((x) => x.code === 'schema-unknown-field')!;
    expect(e2.location).toMatchObject({ line: 6, field: 'consent.scope.chanels' });
    expect(e2.message).toContain('did you mean "channels"?');
  });

  it('an unknown field that resembles nothing gets no guess (control)', () => {
    const { errors } = validate(campaignSchema, campaign('  hotline: "+964 750 482 3916"', 'zzzzqqq: 1\n'));
    const e = errors.find((x) => x.location.field === 'zzzzqqq')!;
    expect(e.message).toBe('unknown field "zzzzqqq"');
    expect(e.hint).not.toMatch(/Did you mean/);
  });
});

describe('placeholder detection', () => {
  it('all-zero numbers and seven trailing zeros are placeholders, in any digit set', async () => {
    const { isPlaceholderPhone, placeholdersIn } = await import('../../src/pipeline/contact.js');
    expect(isPlaceholderPhone('000')).toBe(true);
    expect(isPlaceholderPhone('+000 000 000 000')).toBe(true);
    expect(isPlaceholderPhone('+964 750 000 0000')).toBe(true);
    expect(placeholdersIn('بە ژمارەی ‏+۰۰۰ ۰۰۰ ۰۰۰ ۰۰۰ پەیوەندی بکە')).toEqual(['+000 000 000 000']);
    expect(placeholdersIn('mail help@example.org or see https://www.example.com/x')).toEqual([
      'https://www.example.com',
      'help@example.org',
    ]);
    // Controls: real-looking numbers, a year, an amount and ordinary domains are not placeholders.
    expect(isPlaceholderPhone('+964 750 482 3916')).toBe(false);
    expect(isPlaceholderPhone('+964 750 100 0000')).toBe(false);
    expect(placeholdersIn('Since 2000, 10 000 000 dinars; call ۰۷۵۰ ۴۸۲ ۳۹۱۶ or https://helpline.krd, help@examples.org')).toEqual([]);
  });
});
