import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, REPO, runCli, writeFiles } from '../helpers.js';

/** The translator workflow on copies of the shipped locale files. */
let root: string;
let cleanup: () => void;
beforeEach(() => {
  ({ root, cleanup } = makeProject());
  // The sample campaign too, for campaign namespaces and translated Markdown.
  for (const f of ['campaign.md', 'campaign.ckb.md', 'campaign.ar.md', 'campaign.kmr.md']) {
    writeFiles(path.join(root, 'campaigns', 'safe-journeys'), { [f]: readFileSync(path.join(REPO, 'campaigns', 'safe-journeys', f)) });
  }
  mkdirSync(path.join(root, 'campaigns', 'safe-journeys', 'assets'), { recursive: true });
  writeFileSync(
    path.join(root, 'campaigns', 'safe-journeys', 'assets', 'logo.png'),
    readFileSync(path.join(REPO, 'campaigns', 'safe-journeys', 'assets', 'logo.png')),
  );
});
afterEach(() => cleanup());

function cli(args: string[]) {
  return runCli(['--root', root, ...args], { cwd: root });
}
interface F {
  locale: string;
  key: string;
  rule: string;
  severity: string;
  file: string;
  line?: number;
}
async function check(args: string[] = []): Promise<{ code: number; findings: F[] }> {
  const r = await cli(['locales', 'check', '--json', ...args]);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: F[] }).findings };
}
function edit(locale: string, ns: string, fn: (d: Record<string, unknown>) => void) {
  const file = path.join(root, 'locales', locale, `${ns}.json`);
  const d = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  fn(d);
  writeFileSync(file, `${JSON.stringify(d, null, 2)}\n`);
}
const has = (fs: F[], locale: string, key: string, rule: string, severity = 'error') =>
  fs.some((f) => f.locale === locale && f.key === key && f.rule === rule && f.severity === severity);

describe('locales check', () => {
  it('passes the shipped locales with no errors', async () => {
    const r = await check();
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('finds every planted fault by locale and key, exit 2', async () => {
    edit('ar', 'common', (d) => (d.stories_few = '{{cuont}} قصص'));
    edit('ckb', 'common', (d) => (d.helpline = ''));
    edit('fa', 'common', (d) => (d.call_free = 'رایگان \u202Eو محرمانه'));
    edit('ps', 'common', (d) => (d.learn_more = 'نور \uFEE3\uFECC\uFEE0\uFEEE\uFEE3\uFE8E\uFE95'));
    edit('ar', 'common', (d) => delete d.stories_two);
    edit('ru', 'common', (d) => delete d.learn_more);
    edit('ur', 'common', (d) => (d.scan_qr = '{{#if x}}اسکین کریں{{/if}}'));
    const r = await check();
    expect(r.code).toBe(2);
    expect(has(r.findings, 'ar', 'stories_few', 'placeholder-mismatch')).toBe(true);
    expect(has(r.findings, 'ckb', 'helpline', 'missing-key')).toBe(true);
    expect(has(r.findings, 'fa', 'call_free', 'bidi-override')).toBe(true);
    expect(has(r.findings, 'ps', 'learn_more', 'presentation-forms')).toBe(true);
    expect(has(r.findings, 'ar', 'stories_two', 'plural-missing')).toBe(true);
    expect(has(r.findings, 'ru', 'learn_more', 'missing-key')).toBe(true);
    expect(has(r.findings, 'ur', 'scan_qr', 'handlebars-syntax')).toBe(true);
    for (const f of r.findings.filter((x) => x.severity === 'error')) expect(f.file).toMatch(/^locales\/[a-z]+\/common\.json$/);
  });

  it.each([
    [
      'invalid JSON names the line',
      () => writeFileSync(path.join(root, 'locales', 'kk', 'common.json'), '{\n  "helpline": "x",\n  "oops"\n}\n'),
      'kk',
      '',
      'json-invalid',
    ],
    [
      'duplicate keys',
      () =>
        writeFileSync(
          path.join(root, 'locales', 'ky', 'common.json'),
          readFileSync(path.join(root, 'locales', 'ky', 'common.json'), 'utf8').replace('"learn_more"', '"helpline": "x",\n  "learn_more"'),
        ),
      'ky',
      '',
      'json-duplicate-key',
    ],
    ['Arabic ي and ك in Persian', () => edit('fa', 'common', (d) => (d.learn_more = 'بيشتر بدانيد')), 'fa', 'learn_more', 'letter-variant'],
    ['Arabic ي and ك in Sorani', () => edit('ckb', 'common', (d) => (d.learn_more = 'زياتر بزانە')), 'ckb', 'learn_more', 'letter-variant'],
    [
      'a zero-width joiner in Russian',
      () => edit('ru', 'common', (d) => (d.helpline = 'Бесплатная\u200Dлиния')),
      'ru',
      'helpline',
      'invisible-char',
    ],
    [
      'ZWNJ outside Arabic script',
      () => edit('uz', 'common', (d) => (d.helpline = 'Bepul\u200C ishonch')),
      'uz',
      'helpline',
      'invisible-char',
    ],
    ['text not in NFC', () => edit('kmr', 'common', (d) => (d.helpline = 'Xeta alîkariyê'.normalize('NFD'))), 'kmr', 'helpline', 'not-nfc'],
    [
      'a letter no bundled font has',
      () => edit('tg', 'common', (d) => (d.helpline = 'Хати ёрии ქართული')),
      'tg',
      'helpline',
      'glyph-missing',
    ],
    [
      'unescaped interpolation',
      () => edit('ar', 'common', (d) => (d.stories_many = '{{- count}} قصة')),
      'ar',
      'stories_many',
      'unescaped-interpolation',
    ],
    [
      'a $t() reference the source does not have',
      () => edit('kk', 'common', (d) => (d.helpline = '$t(learn_more) телефоны')),
      'kk',
      'helpline',
      'nesting-mismatch',
    ],
    [
      'markup the source does not have',
      () => edit('ky', 'common', (d) => (d.helpline = '<b>Акысыз</b> ишеним телефону')),
      'ky',
      'helpline',
      'markup-mismatch',
    ],
    [
      'an unbalanced isolate',
      () => edit('prs', 'common', (d) => (d.helpline = 'خط \u2067کمک رایگان')),
      'prs',
      'helpline',
      'bidi-isolate-unbalanced',
    ],
    [
      'a missing Arabic plural form in a campaign file too',
      () => edit('ar', 'safe-journeys', (d) => (d.headline = '')),
      'ar',
      'headline',
      'missing-key',
    ],
  ])('%s', async (_name, plant, locale, key, rule) => {
    plant();
    const r = await check();
    expect(r.code).toBe(2);
    expect(
      r.findings.some((f) => f.locale === locale && f.key === key && f.rule === rule && f.severity === 'error'),
      JSON.stringify(r.findings.filter((f) => f.locale === locale)),
    ).toBe(true);
  });

  it('gives JSON syntax errors a line number', async () => {
    writeFileSync(path.join(root, 'locales', 'kk', 'common.json'), '{\n  "helpline": "x",\n  "oops"\n}\n');
    expect((await check()).findings.find((f) => f.rule === 'json-invalid')?.line).toBe(4);
  });

  it('allows ZWNJ in Persian and ي in Pashto', async () => {
    edit('fa', 'common', (d) => (d.helpline = 'خط کمک می\u200Cکند'));
    edit('ps', 'common', (d) => (d.helpline = 'وړیا مرستندویه کرښه يو'));
    const r = await check(['-l', 'fa', '-l', 'ps']);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('warns about same-as-source text, whitespace, obsolete keys, mixed digits and extra plural forms', async () => {
    edit('uz', 'common', (d) => {
      d.learn_more = 'Learn more';
      d.helpline = ' Bepul ishonch telefoni';
      d.old_label = 'x';
      d.stories_many = '{{count}} ta';
    });
    const r = await check(['-l', 'uz']);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.code).toBe(0);
    expect(has(r.findings, 'uz', 'learn_more', 'same-as-source', 'warning')).toBe(true);
    expect(has(r.findings, 'uz', 'helpline', 'whitespace', 'warning')).toBe(true);
    expect(has(r.findings, 'uz', 'old_label', 'obsolete-key', 'warning')).toBe(true);
    // Both digit systems in one string, in a script whose font has both.
    edit('ckb', 'common', (d) => (d.call_free = 'بێبەرامبەر ٢٤ کاتژمێر، 24/7'));
    expect(has((await check(['-l', 'ckb'])).findings, 'ckb', 'call_free', 'mixed-digits', 'warning')).toBe(true);
    expect(has(r.findings, 'uz', 'stories_many', 'plural-extra', 'warning')).toBe(true);
  });

  it('uses the Tajik plural override: one and other, never the machine locale', async () => {
    edit('tg', 'common', (d) => delete d.stories_one);
    expect(has((await check(['-l', 'tg'])).findings, 'tg', 'stories_one', 'plural-missing')).toBe(true);
  });

  it('flags locale folders i18next would rewrite, and unknown ones', async () => {
    renameSync(path.join(root, 'locales', 'kmr'), path.join(root, 'locales', 'kmr-TR'));
    const r = await check();
    expect(r.findings.some((f) => f.locale === 'kmr-TR' && (f.rule === 'locale-code-rewritten' || f.rule === 'locale-unknown'))).toBe(true);
    expect(has(r.findings, 'kmr', '', 'missing-file')).toBe(true);
  });

  it('finds template keys missing from the source and labels no template uses', async () => {
    writeFiles(path.join(root, 'templates', 'poster'), {
      'template.hbs': readFileSync(path.join(root, 'templates', 'poster', 'template.hbs'), 'utf8').replace(
        '{{t "helpline"}}',
        '{{t "hotline_title"}}',
      ),
    });
    const r = await check(['-l', 'en']);
    expect(has(r.findings, 'en', 'hotline_title', 'template-key-missing')).toBe(true);
    expect(r.code).toBe(2);
  });

  it('reports a stale campaign translation', async () => {
    const f = path.join(root, 'campaigns', 'safe-journeys', 'campaign.md');
    writeFileSync(f, readFileSync(f, 'utf8').replace('Every year', 'Each year'));
    const r = await check(['-l', 'ckb']);
    expect(r.findings.some((x) => x.locale === 'ckb' && x.rule === 'stale' && x.file.endsWith('campaign.ckb.md'))).toBe(true);
  });
});

describe('XLIFF exchange', () => {
  it.each(['xliff2', 'xliff12'])('a Sorani export (%s), deleted and imported back, reproduces the JSON exactly', async (format) => {
    const files = ['common', 'safe-journeys'].map((ns) => path.join(root, 'locales', 'ckb', `${ns}.json`));
    const before = files.map((f) => readFileSync(f));
    const xlf = path.join(root, 'ckb.xlf');
    const ex = await cli(['locales', 'export', '-l', 'ckb', '--format', format, '-o', xlf]);
    expect(ex.code).toBe(0);
    const xml = readFileSync(xlf, 'utf8');
    expect(xml).toContain(format === 'xliff2' ? 'urn:oasis:names:tc:xliff:document:2.0' : 'version="1.2"');
    expect(xml).toContain('هێڵی یارمەتیی بێبەرامبەر');
    for (const f of files) rmSync(f);
    const im = await cli(['locales', 'import', xlf]);
    expect(im.code).toBe(0);
    for (const [i, f] of files.entries()) expect(readFileSync(f).equals(before[i]!), f).toBe(true);
  });

  it('expands plural forms for the target language, with notes', async () => {
    const r = await cli(['locales', 'export', '-l', 'ar', '--format', 'xliff2']);
    expect(r.code).toBe(0);
    for (const cat of ['zero', 'one', 'two', 'few', 'many', 'other']) expect(r.stdout).toContain(`<unit id="stories_${cat}">`);
    expect(r.stdout).toContain('Plural form "few" of "stories" (Arabic uses: zero, one, two, few, many, other)');
    const ru = await cli(['locales', 'export', '-l', 'ru']);
    expect(ru.stdout).toContain('id="stories_many"');
    expect(ru.stdout).not.toContain('id="stories_two"');
  });

  it('refuses an import that breaks a check, and leaves the files as they were', async () => {
    const xlf = path.join(root, 'ar.xlf');
    await cli(['locales', 'export', '-l', 'ar', '--format', 'xliff2', '-o', xlf]);
    writeFileSync(
      xlf,
      readFileSync(xlf, 'utf8').replace('<target><ph id="ph1" disp="{{count}}"/> قصص</target>', '<target>{{cuont}} قصص</target>'),
    );
    const file = path.join(root, 'locales', 'ar', 'common.json');
    const before = readFileSync(file);
    const r = await cli(['locales', 'import', xlf]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/stories_few\s+placeholder-mismatch/);
    expect(r.stderr).toMatch(/not written/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('status and pseudo', () => {
  it('locales status counts translated, missing, stale and draft per locale and campaign', async () => {
    edit('ru', 'common', (d) => delete d.learn_more);
    const r = await cli(['locales', 'status', '--json']);
    const rows = (
      JSON.parse(r.stdout) as {
        rows: { locale: string; namespace: string; translated: number; missing: number; total: number; draft: number }[];
      }
    ).rows;
    expect(rows.find((x) => x.locale === 'ru' && x.namespace === 'common')).toMatchObject({ missing: 1, total: 28, translated: 27 });
    expect(rows.find((x) => x.locale === 'ar' && x.namespace === 'common')).toMatchObject({ total: 30, missing: 0 });
    expect(rows.find((x) => x.locale === 'ckb' && x.namespace === 'safe-journeys')!.draft).toBeGreaterThan(0);
  });

  it('locales pseudo writes en-XA and ar-XB with every Arabic plural form', async () => {
    expect((await cli(['locales', 'pseudo'])).code).toBe(0);
    const xa = JSON.parse(readFileSync(path.join(root, 'locales', 'en-XA', 'common.json'), 'utf8')) as Record<string, string>;
    expect(xa.helpline).toMatch(/^\[Ƒřéé ĥéľƥľíñé/);
    expect(xa.stories_other).toContain('{{count}}');
    const xb = JSON.parse(readFileSync(path.join(root, 'locales', 'ar-XB', 'common.json'), 'utf8')) as Record<string, string>;
    expect(
      Object.keys(xb)
        .filter((k) => /^stories_(zero|one|two|few|many|other)$/.test(k))
        .sort(),
    ).toEqual(['stories_few', 'stories_many', 'stories_one', 'stories_other', 'stories_two', 'stories_zero']);
    expect(xb.helpline).toMatch(/[\u0600-\u06FF]/);
    expect(readFileSync(path.join(root, 'locales', 'en-XA', 'safe-journeys.json'), 'utf8')).toContain('Šḿüğğľéřš');
  });
});
