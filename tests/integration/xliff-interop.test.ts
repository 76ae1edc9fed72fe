import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleProject, runCli } from '../helpers.js';

/**
 * Interop: XLIFF through translate-toolkit (installed by `npm run setup -- --test-tools`), and
 * Sorani, Dari and Pashto exports edited the way CAT tools save them.
 */
let root: string;
let cleanup: () => void;
const _CAMP = 'campaigns/safe-journeys';
beforeEach(() => ({ root, cleanup } = sampleProject()));
afterEach(() => cleanup());

function cli(args: string[]) {
  return runCli(['--root', root, ...args], { cwd: root });
}
/** Every file under locales/ and campaigns/, as bytes, to prove an import changed only what it should. */
function snapshot(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(root, rel))) {
      const r = `${rel}/${n}`;
      if (statSync(path.join(root, r)).isDirectory()) walk(r);
      else out.set(r, readFileSync(path.join(root, r)));
    }
  };
  walk('locales');
  walk('campaigns');
  return out;
}
function changed(before: Map<string, Buffer>): string[] {
  const after = snapshot();
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => !before.get(k)?.equals(after.get(k) ?? Buffer.alloc(0))).sort();
}
async function exportTo(locale: string, format: 'xliff12' | 'xliff2'): Promise<string> {
  const r = await cli(['locales', 'export', '-l', locale, '--format', format]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}
function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
}

describe('translate-toolkit (XLIFF 1.2 -> PO -> XLIFF 1.2)', () => {
  it('keeps every unit id and maps review states to fuzzy; its template merge re-imports byte for byte, and what it adds is refused', async () => {
    const before = snapshot();
    writeFileSync(path.join(root, 'ckb.xlf'), await exportTo('ckb', 'xliff12'));
    run('xliff2po', ['--progress=none', 'ckb.xlf', 'ckb.po']);
    const po = readFileSync(path.join(root, 'ckb.po'), 'utf8');
    // Unit ids survive as references; a machine draft (needs-review-translation) becomes fuzzy.
    for (const id of ['helpline', 'stories_other', 'headline']) expect(po).toMatch(new RegExp(`#: ${id}\\n#, fuzzy\\nmsgid `));
    expect(po).toContain('msgstr "هێڵی یارمەتیی بێبەرامبەر"');
    // A translator edits one string in the PO; po2xliff merges into our export as the template.
    writeFileSync(path.join(root, 'ckb.po'), po.replace('msgstr "هێڵی یارمەتیی بێبەرامبەر"', 'msgstr "هێڵی یارمەتی"'));
    run('po2xliff', ['--progress=none', '-t', 'ckb.xlf', 'ckb.po', 'back.xlf']);
    const back = readFileSync(path.join(root, 'back.xlf'), 'utf8');
    // translate-toolkit 3.8 puts the edit in an extra <file original="ckb.po"> with new ids: refused as a
    // whole, nothing written.
    const extra = /\s*<file original="ckb\.po"[\s\S]*?<\/file>/.exec(back);
    if (extra) {
      writeFileSync(path.join(root, 'back.xlf'), back);
      const r = await cli(['locales', 'import', 'back.xlf']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown namespace \(file\) "ckb\.po"/);
      expect(changed(before)).toEqual([]);
    }
    // The template part it wrote back (its own serializer, our units) imports with nothing changed.
    writeFileSync(path.join(root, 'template-part.xlf'), extra ? back.replace(extra[0], '') : back);
    const r = await cli(['locales', 'import', 'template-part.xlf']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(changed(before)).toEqual(extra ? [] : ['locales/ckb/common.json']);
  });

  it('po2xliff without a template writes XLIFF 1.1, which is refused with nothing written', async () => {
    const before = snapshot();
    writeFileSync(path.join(root, 'ckb.xlf'), await exportTo('ckb', 'xliff12'));
    run('xliff2po', ['--progress=none', 'ckb.xlf', 'ckb.po']);
    run('po2xliff', ['--progress=none', 'ckb.po', 'back.xlf']);
    const r = await cli(['locales', 'import', 'back.xlf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not an XLIFF 1.2 or 2.0 file');
    expect(changed(before)).toEqual([]);
  });
});

/**
 * What CAT tools do on save, beyond the translation: retag the target language, reorder
 * attributes, add `equiv` next to `disp`, mark segments translated, re-indent.
 */
function catSave(xml: string, tag: string, code: string): string {
  return xml
    .replace(`trgLang="${code}"`, `trgLang="${tag}"`)
    .replace(/<ph id="(ph\d+)" disp="([^"]*)"\/>/g, '<ph disp="$2" equiv="$2" id="$1"/>')
    .replace(/\n {6}<segment state="initial">/g, '\n      <segment state="translated">')
    .replace(/\n {6}<notes>/g, '\n      <notes >');
}

describe('Sorani, Dari and Pashto edited as a CAT tool saves them', () => {
  it.each([
    ['ckb', 'ckb-IQ', 'learn_more', 'زانیاری زیاتر'],
    ['prs', 'fa-AF', 'learn_more', 'معلومات بیشتر'],
    ['ps', 'ps-AF', 'learn_more', 'نور معلومات ترلاسه کړئ'],
  ])('%s as %s: only the edited string changes, and a re-export differs only there', async (code, tag, key, text) => {
    const before = snapshot();
    const exported = await exportTo(code, 'xliff2');
    expect(exported).toMatch(/<ph id="ph1" disp="\{\{count\}\}"\/>/);
    let edited = catSave(exported, tag, code);
    const unit = new RegExp(`(<unit id="${key}">[\\s\\S]*?<target>)[^<]*(</target>)`);
    expect(unit.test(edited)).toBe(true);
    edited = edited.replace(unit, `$1${text}$2`);
    writeFileSync(path.join(root, 'cat.xlf'), edited);
    const r = await cli(['locales', 'import', 'cat.xlf']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(changed(before)).toEqual([`locales/${code}/common.json`]);
    expect((JSON.parse(readFileSync(path.join(root, 'locales', code, 'common.json'), 'utf8')) as Record<string, string>)[key]).toBe(text);
    // The placeholders came back as the source has them, whatever attributes the tool added.
    expect(readFileSync(path.join(root, 'locales', code, 'common.json'), 'utf8')).toContain('{{count}}');
    const again = await exportTo(code, 'xliff2');
    const lines = (s: string) => s.split('\n');
    const diff = lines(again).filter((l, i) => l !== lines(exported)[i]);
    expect(lines(again).length).toBe(lines(exported).length);
    expect(diff).toEqual([expect.stringContaining(text)]);
  });

  it('a Sorani XLIFF 1.2 file saved by a tool as ku-Arab, unchanged, imports with every file byte for byte', async () => {
    const before = snapshot();
    const xml = (await exportTo('ckb', 'xliff12')).replace(/target-language="ckb"/g, 'target-language="ku-Arab"');
    writeFileSync(path.join(root, 'ckb.xlf'), xml.replace(/<x id="(ph\d+)" equiv-text="([^"]*)"\/>/g, '<x equiv-text="$2" id="$1" />'));
    const r = await cli(['locales', 'import', 'ckb.xlf']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(changed(before)).toEqual([]);
  });
});
