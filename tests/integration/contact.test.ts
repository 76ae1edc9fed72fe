import { cpSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignMd, makeProject, REPO, runCli, writeFiles } from '../helpers.js';

/**
 * Placeholder contact details warn (an error with --strict), and misspelled names get a guess.
 * Everything here is decided before rendering: `check` runs the same load, gate and plan as build.
 */
let root: string;
let cleanup: () => void;
beforeEach(() => ({ root, cleanup } = makeProject()));
afterEach(() => cleanup());

interface Report {
  warnings: { code: string; message: string; file?: string; line?: number; field?: string }[];
  errors: { code: string; message: string; hint: string; file?: string; line?: number; field?: string }[];
}
const check = async (args: string[]) => {
  const r = await runCli(['--root', root, 'check', 'campaigns/c', '--as-of', '2026-06-01', '--json', ...args], { cwd: root });
  return { ...r, report: JSON.parse(r.stdout) as Report };
};
/** campaign.md of the helpers, with the contact block and messages given. */
const withContact = (hotline: string, url: string, extra = '') =>
  campaignMd({ id: 'c', locales: ['en', 'ckb'], body: '' })
    .replace('hotline: "+964 750 000 0000"', `hotline: "${hotline}"`)
    .replace('url: https://example.org/test', `url: ${url}`)
    .replace('  cta: "Call the free helpline"', `  cta: "Call the free helpline"${extra}`);
const ckb = (cta: string) => ({
  'c.json': JSON.stringify({ title: 'گەشتی سەلامەت', headline: 'ڕاستییەکە بزانە', subline: 'دەریا ڕاستە.', cta }, null, 2),
});

describe('placeholder contact values', () => {
  it('the template placeholders warn, each naming file, line and field; exit 0', async () => {
    writeFiles(path.join(root, 'campaigns', 'c'), {
      'campaign.md': withContact('+000 000 000 000', 'https://www.example.com/help', '\n  email_line: "Write to help@example.org"'),
    });
    writeFiles(path.join(root, 'locales', 'ckb'), ckb('پەیوەندی بکە: ‎+٠٠٠ ٠٠٠ ٠٠٠ ٠٠٠'));
    const { code, report } = await check([]);
    expect(report.errors).toEqual([]);
    expect(code).toBe(0);
    const w = report.warnings.filter((x) => x.code === 'placeholder-contact');
    expect(w).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'campaigns/c/campaign.md', line: 9, field: 'contact.hotline' }),
        expect.objectContaining({ file: 'campaigns/c/campaign.md', line: 10, field: 'contact.url' }),
        expect.objectContaining({ file: 'campaigns/c/campaign.md', field: 'messages.email_line' }),
        expect.objectContaining({ file: 'locales/ckb/c.json', line: 5, field: 'cta' }),
      ]),
    );
    expect(w.find((x) => x.field === 'contact.hotline')!.message).toContain('"+000 000 000 000"');
    expect(w.find((x) => x.field === 'messages.email_line')!.message).toContain('help@example.org');
  });

  it('hotline +964 750 000 0000 (seven zeros at the end) warns', async () => {
    const hotline = '+964 750 000 0000';
    writeFiles(path.join(root, 'campaigns', 'c'), { 'campaign.md': withContact(hotline, 'https://helpline.krd/safe') });
    writeFiles(path.join(root, 'locales', 'ckb'), ckb('پەیوەندی بکە'));
    const { report } = await check([]);
    expect(report.warnings.filter((x) => x.code === 'placeholder-contact').map((x) => x.field)).toEqual(['contact.hotline']);
  });

  it.each([['https://site.invalid/x'], ['https://campaign.test/'], ['https://example.net']])('url %s warns', async (url) => {
    writeFiles(path.join(root, 'campaigns', 'c'), { 'campaign.md': withContact('+964 750 482 3916', url) });
    writeFiles(path.join(root, 'locales', 'ckb'), ckb('پەیوەندی بکە'));
    const { report } = await check([]);
    expect(report.warnings.filter((x) => x.code === 'placeholder-contact').map((x) => x.field)).toEqual(['contact.url']);
  });

  it('--strict makes a placeholder an error: exit 2', async () => {
    writeFiles(path.join(root, 'campaigns', 'c'), { 'campaign.md': withContact('+000 000 000 000', 'https://helpline.krd/safe') });
    writeFiles(path.join(root, 'locales', 'ckb'), ckb('پەیوەندی بکە'));
    const { code, report, stderr } = await check(['--strict']);
    expect(code).toBe(2);
    expect(report.errors.map((e) => e.code)).toEqual(['placeholder-contact']);
    expect(stderr).toMatch(/campaigns\/c\/campaign\.md:9 contact\.hotline/);
  });

  it('control: a real-looking number, domain and e-mail (Persian digits in a Sorani string) do not warn, even with --strict', async () => {
    writeFiles(path.join(root, 'campaigns', 'c'), {
      'campaign.md': withContact('+964 750 482 3916', 'https://helpline.krd/safe', '\n  email_line: "Write to help@helpline.krd"'),
    });
    writeFiles(path.join(root, 'locales', 'ckb'), ckb('پەیوەندی بکە: ۰۷۵۰ ۴۸۲ ۳۹۱۶ یان https://helpline.krd'));
    const { code, report } = await check(['--strict']);
    expect(report.warnings).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(code).toBe(0);
  });

  it('the sample campaign (example values on purpose) passes without --strict, warns, and is refused with it', async () => {
    cpSync(path.join(REPO, 'campaigns', 'safe-journeys'), path.join(root, 'campaigns', 'safe-journeys'), { recursive: true });
    const run = (extra: string[]) =>
      runCli(['--root', root, 'check', 'campaigns/safe-journeys', '--as-of', '2026-06-01', '--json', ...extra], { cwd: root });
    const r = await run([]);
    expect(r.code).toBe(0);
    const fields = (JSON.parse(r.stdout) as Report).warnings.filter((w) => w.code === 'placeholder-contact').map((w) => w.field);
    expect(fields).toEqual(['contact.hotline', 'contact.url']);
    expect((await run(['--strict'])).code).toBe(2);
  });
});

describe('did you mean', () => {
  it('a misspelled field in campaign.md: exit 2 with file:line and the guess', async () => {
    writeFiles(path.join(root, 'campaigns', 'c'), {
      'campaign.md': withContact('+964 750 482 3916', 'https://helpline.krd/safe').replace(
        'locales: [en, ckb]',
        'locales: [en, ckb]\nlocals: [ckb]',
      ),
    });
    const { code, report } = await check([]);
    expect(code).toBe(2);
    expect(report.errors[0]).toMatchObject({ code: 'schema-unknown-field', file: 'campaigns/c/campaign.md', line: 6, field: 'locals' });
    expect(report.errors[0]!.message).toBe('unknown field "locals"; did you mean "locales"?');
  });

  it('a misspelled template name in outputs', async () => {
    writeFiles(path.join(root, 'campaigns', 'c'), {
      'campaign.md': campaignMd({ id: 'c', outputs: '  - template: postr\n    formats: [a4]' }),
    });
    const { code, report } = await check([]);
    expect(code).toBe(2);
    const e = report.errors.find((x) => x.code === 'template-unknown')!;
    expect(e).toMatchObject({ field: 'outputs[0].template', line: 19 });
    expect(e.message).toContain('did you mean "poster"?');
    expect(e.hint).toMatch(/^Did you mean "poster"\? Use one of: /);
  });

  it('a misspelled field in a template.json', async () => {
    const spec = path.join(root, 'templates', 'poster', 'template.json');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('"channel"', '"chanel"'));
    writeFiles(path.join(root, 'campaigns', 'c'), { 'campaign.md': campaignMd({ id: 'c', outputs: '  - template: poster' }) });
    const { code, report } = await check([]);
    expect(code).toBe(2);
    const e = report.errors.find((x) => x.code === 'schema-unknown-field')!;
    expect(e.file).toMatch(/templates\/poster\/template\.json$/);
    expect(e.line).toBeGreaterThan(0);
    expect(e.message).toContain('did you mean "channel"?');
  });
});
