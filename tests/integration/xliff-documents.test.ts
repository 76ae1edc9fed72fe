import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { translatableSha256 } from '../../src/campaign/staleness.js';
import { hashTerm } from '../../src/consent/denylist.js';
import { makeProject, REPO, runCli } from '../helpers.js';

/** The campaign description and testimonies as XLIFF segments, gated by consent. */
let root: string;
let cleanup: () => void;
const CAMP = 'campaigns/safe-journeys';
const AS_OF = '2026-06-01';

/** A testimony the way a partner writes one, with its own consent; its text has a phrase the tests look for. */
function testimony(id: string, consent: { locales: string[]; allowTranslation?: boolean; expires?: string }, phrase: string): string {
  return `---
id: ${id}
title: ${phrase} (title)
quote: ${phrase} (quote)
content_warning: none
consent:
  id: CR-2026-TEST-${id}
  status: granted
  given_by: self
  subject:
    role: returnee
    age_band: adult
  granted_on: 2026-01-01
  review_by: 2027-01-01
  expires_on: ${consent.expires ?? '2028-01-01'}
  scope:
    channels: [print, pdf, social]
    locales: [${consent.locales.join(', ')}]
    regions: [IQ-AR, IQ-SU, IQ-DA]
    excluded_regions: []
    quote_usage: verbatim
    allow_translation: ${consent.allowTranslation ?? true}
  identity:
    level: pseudonym
    display_name: Kawa*
    name_changed_note: true
    denylist_sha256: []
  risk:
    level: medium
    pillars_removed: [face, name]
    signoff: [protection_focal_point]
---
${phrase} (body). It happened near Zakho.
`;
}

beforeEach(() => {
  ({ root, cleanup } = makeProject());
  cpSync(path.join(REPO, CAMP), path.join(root, CAMP), { recursive: true });
  const t = path.join(root, CAMP, 'testimonies');
  writeFileSync(path.join(t, 'out-of-scope.md'), testimony('out-of-scope', { locales: ['en', 'ar'] }, 'The olive tree by the checkpoint'));
  writeFileSync(
    path.join(t, 'no-translation.md'),
    testimony('no-translation', { locales: ['en', 'ckb'], allowTranslation: false }, 'My cousin drove the lorry'),
  );
  writeFileSync(
    path.join(t, 'expired.md'),
    testimony('expired', { locales: ['en', 'ckb'], expires: '2026-03-01' }, 'The winter in the camp'),
  );
});
afterEach(() => cleanup());

function cli(args: string[]) {
  return runCli(['--root', root, ...args], { cwd: root });
}
async function exportCkb(format: 'xliff12' | 'xliff2' = 'xliff2') {
  const r = await cli(['locales', 'export', '-l', 'ckb', '--format', format, '--as-of', AS_OF]);
  expect(r.code, r.stderr).toBe(0);
  return r;
}
async function importXml(xml: string, extra: string[] = []) {
  writeFileSync(path.join(root, 'in.xlf'), xml);
  return cli(['locales', 'import', 'in.xlf', '--as-of', AS_OF, ...extra]);
}
/** The <file> element of one document. */
function fileBlock(xml: string, original: string): string {
  const m = new RegExp(`<file [^>]*original="${original}"[\\s\\S]*?</file>`).exec(xml);
  if (!m) throw new Error(`no file ${original}`);
  return m[0];
}

describe('documents as segments', () => {
  it('exports the description and the testimonies consent allows, with context notes and no consent details', async () => {
    const r = await exportCkb();
    const xml = r.stdout;
    expect(xml).toContain('original="campaigns/safe-journeys/campaign.ckb.md"');
    const brother = fileBlock(xml, 'campaigns/safe-journeys/testimonies/brother-at-sea.ckb.md');
    expect(brother).toContain('<source>The sea took my brother</source>');
    expect(brother).toContain('shown as Hawre*');
    expect(brother).toContain('content warning: it tells of a death');
    // Markdown emphasis is a span code.
    expect(xml).toContain('<pc id="pc1" dispStart="**" dispEnd="**">The journey is longer');
    // Consent records stay home: ids, who gave it, sign-offs, dates.
    for (const secret of ['CR-2026', 'next_of_kin', 'protection_focal_point', 'granted_on', '2028-01-15', 'IQ-NI'])
      expect(xml).not.toContain(secret);
    // Out of scope for ckb, translation not allowed, expired on the date: nothing of their text.
    for (const phrase of ['olive tree', 'cousin drove', 'winter in the camp', 'Kawa*', 'Zakho']) expect(xml).not.toContain(phrase);
    expect(r.stderr).toMatch(/withheld testimony out-of-scope: scope-locale/);
    expect(r.stderr).toMatch(/withheld testimony no-translation: translation-not-allowed/);
    expect(r.stderr).toMatch(/withheld testimony expired: consent-expired/);
  });

  it('control: the same testimony in scope is exported (the gate, not the fixture, keeps the others out)', async () => {
    writeFileSync(
      path.join(root, CAMP, 'testimonies', 'out-of-scope.md'),
      testimony('out-of-scope', { locales: ['en', 'ckb'] }, 'The olive tree by the checkpoint'),
    );
    const r = await exportCkb();
    expect(r.stdout).toContain('The olive tree by the checkpoint (body). It happened near Zakho.');
    expect(r.stdout).toContain('shown as Kawa*');
  });

  it('a testimony translated from scratch in a CAT tool is written with translation_of, the source hash and its status', async () => {
    for (const id of ['out-of-scope', 'no-translation', 'expired']) rmSync(path.join(root, CAMP, 'testimonies', `${id}.md`));
    const file = path.join(root, CAMP, 'testimonies', 'returned-home.ckb.md');
    rmSync(file);
    let xml = (await exportCkb('xliff12')).stdout;
    const block = fileBlock(xml, 'campaigns/safe-journeys/testimonies/returned-home.ckb.md');
    expect(block).not.toContain('<target');
    // The translator fills every unit and signs it off, keeping the span code.
    let n = 0;
    const filled = block.replace(/<source>([\s\S]*?)<\/source>/g, (_m, src: string) => {
      const inner = src.replace(/>[^<>]+</g, () => `>ڕستەی ${++n}<`).replace(/^[^<]+/, () => `ڕستەی ${++n} `);
      return `<source>${src}</source>\n        <target state="signed-off">${inner}</target>`;
    });
    xml = xml.replace(block, filled);
    const r = await importXml(xml);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const md = readFileSync(file, 'utf8');
    const src = readFileSync(path.join(root, CAMP, 'testimonies', 'returned-home.md'), 'utf8');
    const fm = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(src)![1]!;
    const body = src.split(/^---$/m)[2]!.replace(/^\n/, '');
    const sha = translatableSha256({ title: fm('title'), quote: fm('quote'), paraphrase: fm('paraphrase'), body });
    expect(md).toMatch(/^---\ntranslation_of: returned-home\nsource_sha256: "[0-9a-f]{64}"\nstatus: reviewed\ntitle: ڕستەی \d+/);
    expect(md).toContain(`source_sha256: "${sha}"`);
    // The italic first paragraph keeps its markup.
    expect(md).toMatch(/\n\*ڕستەی \d+\*\n/);
    const check = await cli(['locales', 'check', '-l', 'ckb', '--json']);
    const findings = (JSON.parse(check.stdout) as { findings: { file: string; rule: string; severity: string }[] }).findings;
    expect(findings.filter((f) => f.file.includes('returned-home.ckb.md') && f.severity === 'error')).toEqual([]);
    expect(findings.some((f) => f.file.includes('returned-home.ckb.md') && f.rule === 'stale')).toBe(false);
  });

  it('refuses a document with an untranslated paragraph or a dropped span, and writes nothing of it', async () => {
    const desc = path.join(root, CAMP, 'campaign.ckb.md');
    const before = readFileSync(desc);
    let xml = (await exportCkb()).stdout;
    xml = xml.replace(
      /<target><pc id="pc1" dispStart="\*\*" dispEnd="\*\*">(گەشتەکە[^<]*)<\/pc>/,
      (_m, t: string) => `<target>${t.replace('گەشتەکە', 'ڕێگاکە')}`,
    );
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/safe-journeys\.description:p2\s+inline-code\s+unit p2 drops the inline code pc1 \(\*\*…\*\*\)/);
    expect(readFileSync(desc).equals(before)).toBe(true);
  });

  it('refuses units smuggled in for a testimony whose consent does not allow the locale', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ckb">
  <file id="safe-journeys.testimony.out-of-scope" original="campaigns/safe-journeys/testimonies/out-of-scope.ckb.md">
    <unit id="title"><segment state="final"><source>The olive tree by the checkpoint (title)</source><target>دارزەیتوونەکە</target></segment></unit>
  </file>
</xliff>
`;
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/out-of-scope:title\s+consent-refused\s+.*scope-locale/);
    expect(existsSync(path.join(root, CAMP, 'testimonies', 'out-of-scope.ckb.md'))).toBe(false);
  });

  it('an unchanged export imported back leaves every document byte for byte', async () => {
    const files = ['campaign.ckb.md', 'testimonies/brother-at-sea.ckb.md', 'testimonies/returned-home.ckb.md'].map((f) =>
      path.join(root, CAMP, f),
    );
    const before = files.map((f) => readFileSync(f));
    for (const format of ['xliff12', 'xliff2'] as const) {
      const r = await importXml((await exportCkb(format)).stdout);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      for (const [i, f] of files.entries()) expect(readFileSync(f).equals(before[i]!), f).toBe(true);
    }
  });

  it('a reviewed testimony is not replaced by a draft paragraph', async () => {
    const file = path.join(root, CAMP, 'testimonies', 'brother-at-sea.ckb.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('status: draft', 'status: reviewed'));
    // The sample translation may be stale against its source; stamp it first so it counts as reviewed and current.
    expect((await cli(['locales', 'stamp', '-l', 'ckb'])).code).toBe(0);
    const status = JSON.parse((await cli(['locales', 'status', '--json'])).stdout) as {
      rows: { locale: string; namespace: string; reviewed: number; draft: number }[];
    };
    // One reviewed document (brother-at-sea); the description, returned-home and the machine-drafted labels are drafts.
    expect(status.rows.find((x) => x.locale === 'ckb' && x.namespace === 'safe-journeys')).toMatchObject({ reviewed: 1 });
    const before = readFileSync(file);
    let xml = (await exportCkb('xliff12')).stdout;
    const block = fileBlock(xml, 'campaigns/safe-journeys/testimonies/brother-at-sea.ckb.md');
    expect(block).toContain('<target state="final">');
    xml = xml.replace(
      block,
      block.replace(/<target state="final">دەریا براکەمی برد<\/target>/, '<target state="translated">دەریا برای بردم</target>'),
    );
    const r = await importXml(xml);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/brother-at-sea:title\s+reviewed-kept/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe("the pseudonym in the translation's script", () => {
  const file = () => path.join(root, CAMP, 'testimonies', 'brother-at-sea.ckb.md');
  /** The ckb export with a target for brother-at-sea's display_name unit, as a CAT tool saves it. */
  async function withDisplayName(target: string) {
    const xml = (await exportCkb()).stdout;
    const block = fileBlock(xml, 'campaigns/safe-journeys/testimonies/brother-at-sea.ckb.md');
    const unit = /<unit id="display_name">[\s\S]*?<\/unit>/.exec(block)![0];
    expect(unit).toContain('<source>Hawre*</source>');
    const filled = unit.replace('<source>Hawre*</source>', `<source>Hawre*</source>\n        <target>${target}</target>`);
    return xml.replace(block, block.replace(unit, filled));
  }

  it('is exported as an optional unit and written into the translation; the rest of the file is kept', async () => {
    const before = readFileSync(file(), 'utf8');
    expect(before).not.toContain('display_name');
    const r = await importXml(await withDisplayName('هاوڕێ*'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = readFileSync(file(), 'utf8');
    expect(after).toContain('display_name: هاوڕێ*');
    // Title, quote, paraphrase and the body's words are as they were (import rewrites the file whole:
    // a paragraph on one line, the hash of the translatable fields).
    const fields = (t: string) => t.split('\n').filter((l) => /^(title|quote|paraphrase|status|translation_of): /.test(l));
    expect(fields(after)).toEqual(fields(before));
    const body = (t: string) => t.split(/^---$/m)[2]!.replace(/\s+/g, ' ').trim();
    expect(body(after)).toBe(body(before));
    // Exported again, the unit carries the spelling; imported again, nothing changes.
    const again = (await exportCkb()).stdout;
    expect(again).toMatch(/<source>Hawre\*<\/source>\s*<target>هاوڕێ\*<\/target>/);
    expect((await importXml(again)).code).toBe(0);
    expect(readFileSync(file(), 'utf8')).toBe(after);
  });

  it('a real name typed as the pseudonym (with a possessive) is refused at import, never shown, and nothing is written', async () => {
    // Hashes of the translatable fields first, so that a deny-list entry leaves the translation current.
    expect((await cli(['locales', 'stamp', '-l', 'ckb'])).code).toBe(0);
    const src = path.join(root, CAMP, 'testimonies', 'brother-at-sea.md');
    // The family's real name, on the consent record's deny-list as its digest.
    writeFileSync(src, readFileSync(src, 'utf8').replace('denylist_sha256: []', `denylist_sha256: ["${hashTerm('کاروان')}"]`));
    const before = readFileSync(file());
    const r = await importXml(await withDisplayName('کاروانی'));
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/display_name holds a term on the deny-list \(not shown\)/);
    expect(r.stdout + r.stderr).not.toContain('کاروان');
    expect(readFileSync(file()).equals(before)).toBe(true);
    // Control: the pseudonym spelt in Sorani is written under the same deny-list.
    expect((await importXml(await withDisplayName('هاوڕێ*'))).code).toBe(0);
    expect(readFileSync(file(), 'utf8')).toContain('display_name: هاوڕێ*');
  });
});
