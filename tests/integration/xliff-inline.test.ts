import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers.js';

/** XLIFF the way CAT tools hand it back: inline codes, retagged languages, workflow states. */
let root: string;
let cleanup: () => void;
beforeEach(() => {
  ({ root, cleanup } = makeProject());
});
afterEach(() => cleanup());

function cli(args: string[], cwd = root) {
  return runCli(['--root', root, ...args], { cwd });
}
const read = (rel: string) => readFileSync(path.join(root, rel));
const json = (rel: string) => JSON.parse(read(rel).toString('utf8')) as Record<string, string>;

async function exported(locale: string, format: 'xliff12' | 'xliff2'): Promise<string> {
  const r = await cli(['locales', 'export', '-l', locale, '--format', format]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}
/** One unit's block, to edit its target the way a CAT tool would. */
function editUnit(xml: string, id: string, fn: (unit: string) => string): string {
  const re = new RegExp(`<(trans-unit|unit) id="${id.replace(/\./g, '\\.')}"[\\s\\S]*?</\\1>`);
  const m = re.exec(xml);
  if (!m) throw new Error(`no unit ${id}`);
  const edited = fn(m[0]);
  if (edited === m[0]) throw new Error(`edit of ${id} changed nothing`);
  return xml.replace(m[0], edited);
}
async function importXml(xml: string, extra: string[] = [], name = 'in.xlf') {
  writeFileSync(path.join(root, name), xml);
  return cli(['locales', 'import', name, ...extra]);
}

describe('inline codes', () => {
  it('exports every placeholder as an inline code, in both versions, and no {{ is left as text', async () => {
    const x12 = await exported('ckb', 'xliff12');
    expect(x12).toContain('<source><x id="ph1" equiv-text="{{count}}"/> stories</source>');
    expect(x12).toMatch(/<target state="needs-review-translation"><x id="ph1" equiv-text="\{\{count\}\}"\/> /);
    const x2 = await exported('ckb', 'xliff2');
    expect(x2).toContain('<source><ph id="ph1" disp="{{count}}"/> stories</source>');
    for (const xml of [x12, x2]) {
      const textOnly = xml.replace(/<[^>]*>/g, '').replace(/\{\{count\}\} is the number/g, '');
      expect(textOnly).not.toContain('{{');
    }
  });

  it('refuses a Dari {{تعداد}} typed as text, for that unit only, and writes the rest', async () => {
    let xml = await exported('prs', 'xliff2');
    xml = editUnit(xml, 'stories_other', (u) =>
      u.replace(/<target><ph id="ph1" disp="\{\{count\}\}"\/> قصه<\/target>/, '<target>{{تعداد}} قصه</target>'),
    );
    xml = editUnit(xml, 'learn_more', (u) => u.replace('<target>بیشتر بدانید</target>', '<target>بیشتر معلومات</target>'));
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/common:stories_other\s+placeholder-mismatch/);
    expect(r.stdout).toContain('{{تعداد}}');
    expect(r.stderr).toContain('not written: common:stories_other');
    const prs = json('locales/prs/common.json');
    expect(prs.stories_other).toBe('{{count}} قصه');
    expect(prs.learn_more).toBe('بیشتر معلومات');
  });

  it('refuses a target that drops, repeats or invents a code, naming the unit and the code', async () => {
    const before = json('locales/ckb/common.json');
    let xml = await exported('ckb', 'xliff12');
    xml = editUnit(xml, 'stories_other', (u) => u.replace(/(<target[^>]*>)<x id="ph1" equiv-text="\{\{count\}\}"\/>/, '$1'));
    xml = editUnit(xml, 'stories_one', (u) => u.replace(/(<target[^>]*>)(<x id="ph1"[^>]*\/>)/, '$1$2 $2'));
    xml = editUnit(xml, 'helpline', (u) => u.replace(/(<target[^>]*>)/, '$1<x id="ph7" equiv-text="{{name}}"/>'));
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /common:stories_other\s+placeholder-mismatch\s+unit stories_other drops the inline code ph1 \(\{\{count\}\}\)/,
    );
    expect(r.stdout).toMatch(/common:stories_one\s+inline-code\s+unit stories_one uses the inline code ph1 \(\{\{count\}\}\) twice/);
    expect(r.stdout).toMatch(/common:helpline\s+inline-code\s+unit helpline invents the inline code <x\/ph id="ph7">/);
    expect(json('locales/ckb/common.json')).toEqual(before);
  });

  it('control: the same export imported unchanged is accepted and rewrites nothing', async () => {
    const before = read('locales/ckb/common.json');
    for (const f of ['xliff12', 'xliff2'] as const) {
      const r = await importXml(await exported('ckb', f));
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(read('locales/ckb/common.json').equals(before)).toBe(true);
    }
  });

  it('a code moved inside the sentence is mapped back from the source by id, whatever its attributes now say', async () => {
    let xml = await exported('ckb', 'xliff2');
    xml = editUnit(xml, 'stories_other', (u) =>
      u.replace(/<target><ph id="ph1" disp="\{\{count\}\}"\/> (\S+)<\/target>/, '<target>$1 <ph id="ph1" disp="{{تعداد}}"/></target>'),
    );
    const r = await importXml(xml);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(json('locales/ckb/common.json').stories_other).toMatch(/^\S+ \{\{count\}\}$/);
  });
});

describe('language codes', () => {
  it('a fa-AF file imports as prs and leaves fa untouched', async () => {
    const fa = read('locales/fa/common.json');
    let xml = (await exported('prs', 'xliff2')).replace('trgLang="prs"', 'trgLang="fa-AF"');
    xml = editUnit(xml, 'learn_more', (u) => u.replace('<target>بیشتر بدانید</target>', '<target>معلومات بیشتر</target>'));
    const r = await importXml(xml);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(json('locales/prs/common.json').learn_more).toBe('معلومات بیشتر');
    expect(read('locales/fa/common.json').equals(fa)).toBe(true);
  });

  it('refuses a Dari export retagged fa (it would overwrite Persian) unless --as says which locale it is', async () => {
    const fa = read('locales/fa/common.json');
    const prs = read('locales/prs/common.json');
    let xml = (await exported('prs', 'xliff12')).replace(/target-language="prs"/g, 'target-language="fa"');
    xml = editUnit(xml, 'learn_more', (u) => u.replace('بیشتر بدانید</target>', 'معلومات بیشتر</target>'));
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exported for prs \(Dari\).*"fa" is fa \(Persian\)/);
    expect(r.stderr).toContain('--as prs');
    expect(read('locales/fa/common.json').equals(fa)).toBe(true);
    expect(read('locales/prs/common.json').equals(prs)).toBe(true);
    const ok = await importXml(xml, ['--as', 'prs']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(json('locales/prs/common.json').learn_more).toBe('معلومات بیشتر');
    expect(read('locales/fa/common.json').equals(fa)).toBe(true);
  });

  it('an unknown tag gets "did you mean"; ps-AF is Pashto', async () => {
    const xml = await exported('ps', 'xliff2');
    const bad = await importXml(xml.replace('trgLang="ps"', 'trgLang="pus"'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown target language "pus"\. Did you mean [^\n]*ps \(Pashto\)/);
    const good = await importXml(xml.replace('trgLang="ps"', 'trgLang="ps-AF"'));
    expect(good.code, good.stdout + good.stderr).toBe(0);
  });
});

describe('states and partial import', () => {
  it('skips needs-translation and new targets (a copied source is not Sorani)', async () => {
    const before = json('locales/ckb/common.json');
    let xml = await exported('ckb', 'xliff12');
    xml = editUnit(xml, 'helpline', (u) =>
      u.replace(/<target[^>]*>[^<]*<\/target>/, '<target state="needs-translation">Free helpline</target>'),
    );
    xml = editUnit(xml, 'learn_more', (u) => u.replace(/<target[^>]*>[^<]*<\/target>/, '<target state="new">Learn more</target>'));
    xml = editUnit(xml, 'testimony', (u) => u.replace(/<target[^>]*>[^<]*<\/target>/, '<target state="translated">شایەتی</target>'));
    const r = await importXml(xml);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = json('locales/ckb/common.json');
    expect(after.helpline).toBe(before.helpline);
    expect(after.learn_more).toBe(before.learn_more);
    expect(after.testimony).toBe('شایەتی');
    expect(r.stderr).toMatch(/2 skipped/);
  });

  it('never replaces a reviewed string with a draft; final, signed-off and approved="yes" count as reviewed', async () => {
    const table = JSON.parse(read('locales/locales.json').toString('utf8')) as Record<string, { status: string }>;
    table.ckb!.status = 'reviewed';
    writeFileSync(path.join(root, 'locales', 'locales.json'), JSON.stringify(table, null, 2));
    let xml = await exported('ckb', 'xliff12');
    expect(xml).toMatch(/<target state="final">/);
    expect(xml).not.toContain('needs-review-translation');
    const swap = (state: string, text: string) => (u: string) =>
      u.replace(/<target[^>]*>[^<]*<\/target>/, `<target state="${state}">${text}</target>`);
    xml = editUnit(xml, 'helpline', swap('needs-review-translation', 'هێڵی یارمەتی'));
    xml = editUnit(xml, 'learn_more', swap('final', 'زانیاری زیاتر'));
    xml = editUnit(xml, 'call_free', swap('signed-off', 'بێ پارە و نهێنی'));
    xml = editUnit(xml, 'testimony', (u) =>
      swap('translated', 'شایەتی')(u).replace('<trans-unit id="testimony"', '<trans-unit id="testimony" approved="yes"'),
    );
    const before = json('locales/ckb/common.json');
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/common:helpline\s+reviewed-kept/);
    const after = json('locales/ckb/common.json');
    expect(after.helpline).toBe(before.helpline);
    expect(after.learn_more).toBe('زانیاری زیاتر');
    expect(after.call_free).toBe('بێ پارە و نهێنی');
    expect(after.testimony).toBe('شایەتی');
  });

  it('2.0 segment states: initial imports as a draft into a machine-drafted locale', async () => {
    let xml = await exported('ckb', 'xliff2');
    expect(xml).toMatch(/<segment state="initial">/);
    xml = editUnit(xml, 'testimony', (u) => u.replace(/<target>[^<]*<\/target>/, '<target>شایەتی</target>'));
    const r = await importXml(xml);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(json('locales/ckb/common.json').testimony).toBe('شایەتی');
  });

  it('resolves paths from the working directory and validates against the project root', async () => {
    mkdirSync(path.join(root, 'work', 'inbox'), { recursive: true });
    let xml = await exported('ckb', 'xliff2');
    xml = editUnit(xml, 'testimony', (u) => u.replace(/<target>[^<]*<\/target>/, '<target>شایەتی</target>'));
    writeFileSync(path.join(root, 'work', 'inbox', 'ckb.xlf'), xml);
    const r = await cli(['locales', 'import', 'ckb.xlf'], path.join(root, 'work', 'inbox'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(json('locales/ckb/common.json').testimony).toBe('شایەتی');
  });

  it('a file-level error in the second file leaves the first file unwritten too', async () => {
    const before = read('locales/ckb/common.json');
    let xml = await exported('ckb', 'xliff2');
    xml = editUnit(xml, 'testimony', (u) => u.replace(/<target>[^<]*<\/target>/, '<target>شایەتی</target>'));
    writeFileSync(path.join(root, 'a.xlf'), xml);
    writeFileSync(path.join(root, 'b.xlf'), xml.replace('trgLang="ckb"', 'trgLang="xx-YY"'));
    const r = await cli(['locales', 'import', 'a.xlf', 'b.xlf']);
    expect(r.code).toBe(2);
    expect(read('locales/ckb/common.json').equals(before)).toBe(true);
  });
});
