import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleProject, REPO, runCli } from '../helpers.js';

/**
 * Exported XLIFF is valid against the OASIS schemas (tests/fixtures/xsd, sources in its README),
 * checked with xmllint (`npm run setup -- --test-tools` installs it), offline: the 1.2 schema's
 * import of the W3C xml.xsd resolves through the catalog to the copy shipped there. And units
 * a CAT tool nests in <group> elements import like any other.
 */
const XSD = path.join(REPO, 'tests', 'fixtures', 'xsd');
const SCHEMA = {
  xliff12: path.join(XSD, 'xliff-1.2', 'xliff-core-1.2-strict.xsd'),
  xliff2: path.join(XSD, 'xliff-2.0', 'xliff_core_2.0.xsd'),
} as const;
type Format = keyof typeof SCHEMA;

let root: string;
let cleanup: () => void;
const _CAMP = 'campaigns/safe-journeys';
beforeEach(() => ({ root, cleanup } = sampleProject()));
afterEach(() => cleanup());

const cli = (args: string[]) => runCli(['--root', root, ...args], { cwd: root });
async function exported(locale: string, format: Format): Promise<string> {
  // The sample's consent holds on this date, so the testimonies (with their inline codes) are in the file.
  const r = await cli(['locales', 'export', '-l', locale, '--format', format, '--as-of', '2026-06-01']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** xmllint's verdict on one document: valid, or its first errors. */
function validate(xml: string, format: Format): { ok: boolean; errors: string } {
  const file = path.join(root, `check-${format}.xlf`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', SCHEMA[format], file], {
    encoding: 'utf8',
    env: { ...process.env, XML_CATALOG_FILES: path.join(XSD, 'catalog.xml') },
  });
  if (r.error) throw new Error(`xmllint is missing (${r.error.message}): run npm run setup -- --test-tools`);
  return { ok: r.status === 0 && /validates$/m.test(r.stderr), errors: r.stderr.split('\n').slice(0, 5).join('\n') };
}

describe('exports are valid against the OASIS XLIFF schemas', () => {
  for (const format of ['xliff12', 'xliff2'] as const) {
    it(`${format}: Sorani, Dari, Pashto and Arabic exports, with testimonies and inline codes, validate`, async () => {
      for (const locale of ['ckb', 'prs', 'ps', 'ar']) {
        const xml = await exported(locale, format);
        // What makes the file worth validating: documents (the testimonies whose consent allows the
        // locale: Sorani in the sample) and inline codes are in it.
        if (locale === 'ckb') expect(xml).toMatch(/testimonies\/[a-z-]+\.ckb\.md/);
        expect(xml).toMatch(format === 'xliff2' ? /<ph id="[^"]+" disp="\{\{count\}\}"\/>/ : /<x id="[^"]+" equiv-text="\{\{count\}\}"\/>/);
        const v = validate(xml, format);
        expect(v.ok, `${locale} ${format}: ${v.errors}`).toBe(true);
      }
    });

    it(`${format}: control: the validator refuses a file the schema does not allow`, async () => {
      const xml = await exported('ckb', format);
      const broken =
        format === 'xliff2'
          ? // <target> before <source>, and a state the schema does not list.
            xml.replace(
              /<segment state="initial">(\s*)<source>([^<]*)<\/source>(\s*)<target>([^<]*)<\/target>/,
              '<segment state="drafted">$1<target>$4</target>$3<source>$2</source>',
            )
          : xml.replace('<target state="needs-review-translation">', '<target state="half-done">');
      expect(broken).not.toBe(xml);
      const v = validate(broken, format);
      expect(v.ok).toBe(false);
      expect(v.errors).toMatch(format === 'xliff2' ? /drafted|target|source/ : /half-done/);
    });
  }
});

/** Every unit of each <file> wrapped in groups, one nested in another, as Trados and memoQ save them. */
function grouped(xml: string, format: Format): string {
  if (format === 'xliff12')
    return xml
      .replace(/<body>/g, '<body>\n      <group id="g-outer" resname="section">\n        <group id="g-inner">')
      .replace(/<\/body>/g, '        </group>\n      </group>\n    </body>');
  let n = 0;
  return xml.replace(/(<file [^>]*>)([\s\S]*?)(<\/file>)/g, (_m, open: string, body: string, close: string) => {
    n++;
    return `${open}\n    <group id="outer-${n}" name="section">\n      <group id="inner-${n}">${body}      </group>\n    </group>\n  ${close}`;
  });
}

describe('units a CAT tool nests in <group> elements import', () => {
  for (const format of ['xliff12', 'xliff2'] as const) {
    it(`${format}: a grouped file (valid against the schema) imports its edited unit, and only that`, async () => {
      const xml = await exported('ckb', format);
      const edited = xml.replace('>زیاتر بزانە</target>', '>زیاتر فێربە</target>');
      expect(edited).not.toBe(xml);
      const nested = grouped(edited, format);
      expect(nested.match(/<group /g)?.length).toBeGreaterThanOrEqual(2);
      const v = validate(nested, format);
      expect(v.ok, v.errors).toBe(true);
      const before = readFileSync(path.join(root, 'locales', 'ckb', 'common.json'), 'utf8');
      writeFileSync(path.join(root, 'grouped.xlf'), nested);
      const r = await cli(['locales', 'import', 'grouped.xlf', '--as-of', '2026-06-01']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const after = readFileSync(path.join(root, 'locales', 'ckb', 'common.json'), 'utf8');
      expect(JSON.parse(after).learn_more).toBe('زیاتر فێربە');
      expect(after).toBe(before.replace('"زیاتر بزانە"', '"زیاتر فێربە"'));
    });
  }

  it('the same unit id in two groups is refused with the id, and nothing is written', async () => {
    const xml = await exported('ckb', 'xliff2');
    const unit = /<unit id="learn_more">[\s\S]*?<\/unit>/.exec(xml)![0];
    const twice = xml.replace(unit, `<group id="a">${unit}</group><group id="b">${unit.replace('>زیاتر بزانە<', '>زیاتر فێربە<')}</group>`);
    const before = readFileSync(path.join(root, 'locales', 'ckb', 'common.json'));
    writeFileSync(path.join(root, 'twice.xlf'), twice);
    const r = await cli(['locales', 'import', 'twice.xlf', '--as-of', '2026-06-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/twice\.xlf.*unit id "learn_more" appears twice in "common"/);
    expect(readFileSync(path.join(root, 'locales', 'ckb', 'common.json')).equals(before)).toBe(true);
  });
});
