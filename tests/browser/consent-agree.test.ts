import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportConsent } from '../../src/output/consent-report.js';
import { build, type BuildReport } from '../../src/pipeline/run.js';
import { loadProject } from '../../src/pipeline/steps/load.js';
import { campaignMd, defaultConsent, listFiles, makeProject, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * One gate, one answer: `consent report`, `check` and `build` decide every (testimony, language,
 * channel) the same way, photo included. The fixtures cover each consent fault once, plus a
 * clean record, so that agreement is not the agreement of two lists that are always empty.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
let dir: string;
let check: BuildReport;
let built: BuildReport;

const LOCALES = ['en', 'ckb'];
const CHANNEL_OF: Record<string, string> = { 'testimony-card': 'social', leaflet: 'pdf' };

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  dir = path.join(root, 'campaigns', 'agree');
  const approved = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#445566' } })
    .jpeg()
    .toBuffer();
  const changed = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#446655' } })
    .jpeg()
    .toBuffer();
  const photo = (hash: string, permission = 'obscured') => `  photo:\n    permission: ${permission}\n    sha256: "${hash}"\n`;
  const testimonies: Record<string, { consent: string; extra?: string }> = {
    clean: { consent: defaultConsent({ id: 'CR-CLEAN' }) },
    'photo-ok': { consent: defaultConsent({ id: 'CR-PHOTO', photo: photo(sha256(approved)) }), extra: 'photo: assets/approved.jpg\n' },
    // The file was swapped for an unmasked one after the consent record was made.
    'photo-changed': { consent: defaultConsent({ id: 'CR-SWAP', photo: photo(sha256(approved)) }), extra: 'photo: assets/changed.jpg\n' },
    'photo-none': {
      consent: defaultConsent({ id: 'CR-NONE', photo: '  photo:\n    permission: none\n' }),
      extra: 'photo: assets/approved.jpg\n',
    },
    expired: { consent: defaultConsent({ id: 'CR-EXP', expires_on: '2026-05-01', review_by: '2026-04-01' }) },
    'scope-en': { consent: defaultConsent({ id: 'CR-EN', locales: 'en' }) },
    'print-only': { consent: defaultConsent({ id: 'CR-PRINT', channels: 'print' }) },
    minor: { consent: defaultConsent({ id: 'CR-MIN', age_band: 'minor_16_17' }) },
    excluded: { consent: defaultConsent({ id: 'CR-EXC', excluded_regions: 'IQ-AR' }) },
    signoff: { consent: defaultConsent({ id: 'CR-SIGN', risk: 'high', signoff: 'comms_lead' }) },
    invalid: { consent: defaultConsent({ id: 'CR-INV', given_by: 'next_of_kin' }) },
  };
  writeFiles(dir, {
    'campaign.md': campaignMd({
      id: 'agree',
      locales: LOCALES,
      outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony\n  - template: leaflet\n    formats: [a5]',
    }),
    'assets/approved.jpg': approved,
    'assets/changed.jpg': changed,
  });
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'agree.json': JSON.stringify({ title: 'کەمپین', headline: 'ڕاستییەکە بزانە', subline: 'دەریا ڕاستە', cta: 'پەیوەندی بکە' }),
  });
  for (const [id, t] of Object.entries(testimonies)) {
    writeFiles(dir, { [`testimonies/${id}.md`]: testimonyMd({ id, consent: t.consent, extra: t.extra }) });
    const src = readFileSync(path.join(dir, 'testimonies', `${id}.md`));
    writeFiles(dir, {
      [`testimonies/${id}.ckb.md`]: `---\ntranslation_of: ${id}\nsource_sha256: "${sha256(src)}"\nstatus: reviewed\ntitle: چیرۆک\nquote: بەڵێنی بەلەمێکی سەلامەتیان پێدا\nparaphrase: بەڵێنی بەلەمێکیان پێدا\n---\nنموونەیی.\n`,
    });
  }
  check = await build({ root, campaignDir: dir, out: path.join(root, 'out'), asOf: AS_OF, dryRun: true });
  built = await build({ root, campaignDir: dir, out: path.join(root, 'out'), asOf: AS_OF, skipRefused: true });
}, 600_000);
afterAll(() => cleanup());

/** testimony|locale|channel -> sorted rules ('' when allowed), from a build or check report. */
function fromBuild(r: BuildReport): Map<string, string> {
  const m = new Map<string, Set<string>>();
  for (const f of r.refusals) {
    const k = `${f.testimony}|${f.locale}|${CHANNEL_OF[f.template]}`;
    m.set(k, (m.get(k) ?? new Set()).add(f.rule));
  }
  return new Map([...m].map(([k, v]) => [k, [...v].sort().join(',')]));
}

describe('consent report, check and build agree', () => {
  it('on every testimony, language and channel, photo included', () => {
    const { campaign, templates } = loadProject(root, dir);
    const rows = reportConsent(campaign, templates, AS_OF, 30, campaign.data.distribution.regions, AS_OF);
    const report = new Map<string, string>();
    for (const row of rows) {
      for (const a of row.allowed) report.set(`${row.testimony}|${a.locale}|${a.channel}`, '');
      for (const f of row.refused) report.set(`${row.testimony}|${f.locale}|${f.channel}`, [...f.rules].sort().join(','));
    }
    const fromCheck = fromBuild(check);
    const fromRender = fromBuild(built);
    expect(check.exitCode).toBe(3);
    expect(built.exitCode).toBe(0);
    for (const [k, rules] of report) {
      expect(fromCheck.get(k) ?? '', `check ${k}`).toBe(rules);
      expect(fromRender.get(k) ?? '', `build ${k}`).toBe(rules);
    }
    // Every refusal of check and build is one the report shows.
    for (const k of [...fromCheck.keys(), ...fromRender.keys()]) expect(report.has(k), k).toBe(true);
    // Allowed on social in a language: the card was written; refused: it was not.
    const files = listFiles(path.join(root, 'out', 'agree'));
    for (const [k, rules] of report) {
      const [t, l, ch] = k.split('|');
      if (ch !== 'social') continue;
      expect(files.includes(`${l}/testimony-card-square-${t}.png`), k).toBe(rules === '');
    }
    // The fixtures are not all-allowed or all-refused: each fault shows with its rule.
    const expected: Record<string, string> = {
      'clean|en|social': '',
      'photo-ok|ckb|pdf': '',
      'photo-changed|en|social': 'photo-hash',
      'photo-none|en|social': '',
      'expired|ckb|pdf': 'consent-expired,consent-review-due',
      'scope-en|ckb|social': 'scope-locale',
      'scope-en|en|social': '',
      'print-only|en|pdf': 'scope-channel',
      'minor|en|social': 'minor-assent,minor-guardian',
      'excluded|en|social': 'excluded-region',
      'signoff|en|social': 'high-risk-signoff',
      'invalid|ckb|social': 'consent-invalid',
    };
    for (const [k, rules] of Object.entries(expected)) expect(report.get(k), k).toBe(rules);
  });
});
