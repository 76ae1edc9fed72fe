import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, loadProject } from '../../src/pipeline/run.js';
import { recall, reportConsent } from '../../src/output/consent-report.js';
import { hashTerm } from '../../src/consent/denylist.js';
import {
  campaignMd,
  canaryJpeg,
  defaultConsent,
  listFiles,
  makeProject,
  pdfInfo,
  pdfTextLogical,
  sha256,
  testimonyMd,
  writeFiles,
} from '../helpers.js';

/**
 * A campaign we did not design around, with planted consent faults. Each fault is refused with
 * its rule; the refused testimonies' text and the photo's metadata reach no output byte.
 */
const AS_OF = '2026-06-01';
const CANARY = 'CANARY-7f3a-GPS-36.19N';
let root: string;
let cleanup: () => void;
let campaignDir: string;
let out: string;

const outputs = `  - template: testimony-card
    formats: [square]
    for_each: testimony
  - template: leaflet
    formats: [a5]
  - template: photo-sheet`;

beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  campaignDir = path.join(root, 'campaigns', 'c');
  out = path.join(root, 'out');
  const photo = await canaryJpeg(CANARY);
  expect(photo.includes(CANARY)).toBe(true);
  // A PDF that shows the photo without any CSS filter: Chromium then embeds the JPEG bytes as
  // they are, so metadata surviving our re-encoding would reach the PDF.
  writeFiles(path.join(root, 'templates', 'photo-sheet'), {
    'template.json': JSON.stringify({
      description: 'test',
      channel: 'pdf',
      output: 'pdf',
      testimonies: 'each',
      formats: { a6: { width: 105, height: 148, unit: 'mm', bleed: 0 } },
    }),
    'template.hbs':
      '<main class="page">{{#if testimony.photo}}<img src="{{asset testimony.photo}}" alt="" style="width:100%">{{/if}}<p>{{testimony.display_name}}</p></main>',
  });
  writeFiles(campaignDir, {
    'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'], regions: ['IQ-AR', 'IQ-SU'], outputs }),
    'assets/ok-photo.jpg': photo,
    'testimonies/ok.md': testimonyMd({
      id: 'ok',
      quote: 'OKQUOTE the boat was never safe',
      extra: 'photo: assets/ok-photo.jpg\n',
      consent: defaultConsent({ id: 'CR-OK', photo: `  photo:\n    permission: obscured\n    sha256: "${sha256(photo)}"\n` }),
    }),
    'testimonies/expired.md': testimonyMd({
      id: 'expired',
      quote: 'EXPIREDQUOTE text',
      consent: defaultConsent({ id: 'CR-EXP', expires_on: '2026-05-01', review_by: '2026-04-01' }),
    }),
    'testimonies/withdrawn.md': testimonyMd({
      id: 'withdrawn',
      quote: 'WITHDRAWNQUOTE text',
      consent: defaultConsent({ id: 'CR-WD', status: 'withdrawn' }),
    }),
    'testimonies/excluded.md': testimonyMd({
      id: 'excluded',
      quote: 'EXCLUDEDQUOTE text',
      consent: defaultConsent({ id: 'CR-EXC', regions: 'IQ-AR, IQ-SU', excluded_regions: 'IQ-SU' }),
    }),
    'testimonies/minor.md': testimonyMd({
      id: 'minor',
      quote: 'MINORQUOTE text',
      consent: defaultConsent({ id: 'CR-MIN', age_band: 'minor_16_17', given_by: 'self' }),
    }),
    'testimonies/named.md': testimonyMd({
      id: 'named',
      quote: 'NAMEDQUOTE text',
      // The deny-list holds "Karwan Ahmed" spelled in Arabic with ي and ك; the text uses ی and ک.
      body: 'Illustrative. My cousin کاروان احمەد left in spring.',
      consent: defaultConsent({ id: 'CR-DENY', denylist: `"${hashTerm('كاروان احمەد')}"` }),
    }),
    'testimonies/scope.md': testimonyMd({
      id: 'scope',
      quote: 'SCOPEQUOTE text',
      consent: defaultConsent({ id: 'CR-SCOPE', locales: 'en' }),
    }),
  });
  // Sorani translations of every testimony, so that only consent decides.
  for (const id of ['ok', 'expired', 'withdrawn', 'excluded', 'minor', 'named', 'scope']) {
    const src = readFileSync(path.join(campaignDir, 'testimonies', `${id}.md`));
    writeFileSync(
      path.join(campaignDir, 'testimonies', `${id}.ckb.md`),
      `---\ntranslation_of: ${id}\nsource_sha256: "${sha256(src)}"\nstatus: draft\ntitle: چیرۆکێک لە ڕێگا\nquote: ${id.toUpperCase()}QUOTE دەریا\nparaphrase: بەڵێنی بەلەمێکی سەلامەتیان پێدا\n---\nنموونەیی. ${id === 'named' ? 'ئامۆزاکەم کاروان احمەد ڕۆیشت.' : ''}\n`,
    );
  }
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'c.json': JSON.stringify({ title: 'کەمپینی تاقیکردنەوە', headline: 'ڕاستییەکە بزانە', subline: 'دەریا ڕاستە', cta: 'پەیوەندی بکە' }),
  });
}, 60_000);
afterAll(() => cleanup());

const expectedRefusals = [
  ['expired', 'consent-expired'],
  ['withdrawn', 'consent-status'],
  ['excluded', 'excluded-region'],
  ['minor', 'minor-guardian'],
  ['minor', 'minor-assent'],
  ['named', 'denylist'],
  ['scope', 'scope-locale'],
];

describe('consent gate on a whole build', () => {
  it('refuses every planted fault with its rule, exits 3 and writes nothing', async () => {
    const r = await build({ root, campaignDir, out, asOf: AS_OF });
    expect(r.exitCode).toBe(3);
    expect(listFiles(out)).toEqual([]);
    const seen = new Set(r.refusals.map((f) => `${f.testimony}|${f.rule}`));
    for (const [t, rule] of expectedRefusals) expect(seen, `${t} ${rule}`).toContain(`${t}|${rule}`);
    // The only refusals are the planted ones: the valid testimony is never refused.
    expect(r.refusals.filter((f) => f.testimony === 'ok')).toEqual([]);
    // Only ckb is out of scope for "scope".
    expect(r.refusals.filter((f) => f.testimony === 'scope').map((f) => f.locale)).toEqual(expect.arrayContaining(['ckb']));
    expect(r.refusals.filter((f) => f.testimony === 'scope').every((f) => f.locale === 'ckb')).toBe(true);
    const named = r.refusals.find((f) => f.rule === 'denylist')!;
    expect(named.consent_id).toBe('CR-DENY');
    // The report never carries the deny-listed term.
    expect(JSON.stringify(r)).not.toContain('کاروان');
    expect(JSON.stringify(r)).not.toContain('Karwan');
  });

  it('--region narrows the gate to one distribution region', async () => {
    // "excluded" is excluded in IQ-SU only: built for IQ-AR alone, it is allowed.
    const r = await build({ root, campaignDir, out: path.join(root, 'out-region'), asOf: AS_OF, region: 'IQ-AR', dryRun: true });
    expect(r.refusals.filter((f) => f.testimony === 'excluded')).toEqual([]);
    expect(r.refusals.some((f) => f.testimony === 'expired')).toBe(true);
    // Bad input is reported, not thrown: one report shape for every failure.
    const bad = await build({ root, campaignDir, out: path.join(root, 'out-region'), asOf: AS_OF, region: 'IQ-DA' });
    expect(bad.errors.map((e) => e.message)).toEqual([expect.stringMatching(/not a distribution region/)]);
    expect(bad.exitCode).toBe(2);
  });

  it('with --skip-refused: exit 0, only consented cards, leaflets without refused stories, refusals in the manifest', async () => {
    const r = await build({ root, campaignDir, out, asOf: AS_OF, skipRefused: true });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    const files = listFiles(path.join(out, 'c'));
    expect(files).toEqual([
      'ckb/leaflet-a5.pdf',
      'ckb/photo-sheet-a6-ok.pdf',
      'ckb/testimony-card-square-ok.png',
      'ckb/testimony-card-square-ok.png.alt.txt',
      'en/leaflet-a5.pdf',
      'en/photo-sheet-a6-ok.pdf',
      'en/photo-sheet-a6-scope.pdf',
      'en/testimony-card-square-ok.png',
      'en/testimony-card-square-ok.png.alt.txt',
      'en/testimony-card-square-scope.png',
      'en/testimony-card-square-scope.png.alt.txt',
      'index.html',
      'manifest.json',
    ]);
    const m = JSON.parse(readFileSync(path.join(out, 'c', 'manifest.json'), 'utf8')) as {
      assets: { path: string; consent_ids: string[]; testimonies: string[] }[];
      refusals: { testimony: string; rule: string }[];
    };
    expect(m.assets.find((a) => a.path === 'en/leaflet-a5.pdf')).toMatchObject({
      consent_ids: ['CR-OK', 'CR-SCOPE'],
      testimonies: ['ok', 'scope'],
    });
    expect(m.assets.find((a) => a.path === 'ckb/leaflet-a5.pdf')).toMatchObject({ consent_ids: ['CR-OK'], testimonies: ['ok'] });
    const seen = new Set(m.refusals.map((f) => `${f.testimony}|${f.rule}`));
    for (const [t, rule] of expectedRefusals) expect(seen).toContain(`${t}|${rule}`);

    const en = pdfTextLogical(path.join(out, 'c', 'en', 'leaflet-a5.pdf'));
    expect(en).toContain('OKQUOTE');
    const ckb = pdfTextLogical(path.join(out, 'c', 'ckb', 'leaflet-a5.pdf'));
    expect(ckb).toContain('OKQUOTE');
    for (const refused of ['EXPIREDQUOTE', 'WITHDRAWNQUOTE', 'EXCLUDEDQUOTE', 'MINORQUOTE', 'NAMEDQUOTE']) {
      expect(en).not.toContain(refused);
      expect(ckb).not.toContain(refused);
    }
    expect(ckb).not.toContain('SCOPEQUOTE');
    expect(en.replace(/\s/g, '')).not.toContain('کاروان');
  });

  it('leaves no metadata of the source photo in any output byte', () => {
    // The photo really is in the PDF, as a JPEG (DCT) stream.
    expect(execFileSync('pdfimages', ['-list', path.join(out, 'c', 'en', 'photo-sheet-a6-ok.pdf')], { encoding: 'utf8' })).toMatch(
      / jpeg /,
    );
    const files = listFiles(path.join(out, 'c')).filter((f) => !f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(path.join(out, 'c', f));
      expect(bytes.includes(CANARY), f).toBe(false);
      expect(bytes.includes('36/1'), f).toBe(false);
      expect(bytes.includes('Exif\0\0'), f).toBe(false);
      expect(bytes.includes('adobe:ns:meta'), f).toBe(false);
    }
  });

  it('sets PDF metadata from public fields only', () => {
    const info = pdfInfo(path.join(out, 'c', 'en', 'leaflet-a5.pdf'));
    expect(info['Title']).toBe('Test campaign');
    expect(info['Subject']).toBe('Know the truth before you go.');
    expect(info['Keywords']).toBe('c leaflet a5 en');
    expect(info['Author'] ?? '').toBe('');
    expect(info['Producer']).toBe('campaign-press');
    expect(pdfInfo(path.join(out, 'c', 'ckb', 'leaflet-a5.pdf'))['Title']).toBe('کەمپینی تاقیکردنەوە');
  });

  it('recall lists every asset that used a consent record, and only those', async () => {
    const { hits, manifests } = await recall('CR-OK', out);
    expect(manifests).toBe(1);
    expect(hits.map((h) => path.relative(out, h.file)).sort()).toEqual([
      'c/ckb/leaflet-a5.pdf',
      'c/ckb/photo-sheet-a6-ok.pdf',
      'c/ckb/testimony-card-square-ok.png',
      'c/en/leaflet-a5.pdf',
      'c/en/photo-sheet-a6-ok.pdf',
      'c/en/testimony-card-square-ok.png',
    ]);
    expect((await recall('CR-SCOPE', out)).hits.map((h) => h.path).sort()).toEqual([
      'en/leaflet-a5.pdf',
      'en/photo-sheet-a6-scope.pdf',
      'en/testimony-card-square-scope.png',
    ]);
    expect((await recall('CR-EXP', out)).hits).toEqual([]);
  });

  it('consent report shows what needs action and where each testimony is refused', () => {
    const { campaign, templates } = loadProject(root, campaignDir);
    const rows = reportConsent(campaign, templates, AS_OF, 30, ['IQ-AR', 'IQ-SU']);
    const by = Object.fromEntries(rows.map((r) => [r.testimony, r]));
    expect(by.ok!.action).toEqual([]);
    expect(by.ok!.refused).toEqual([]);
    expect(by.expired!.action.join(' ')).toMatch(/expired 31 days ago/);
    expect(by.withdrawn!.action.join(' ')).toMatch(/status is withdrawn: take down .*recall CR-WD/);
    expect(by.excluded!.refused.every((f) => f.rules.includes('excluded-region'))).toBe(true);
    expect(by.scope!.refused.map((f) => f.locale)).toEqual(['ckb', 'ckb']);
    expect(by.scope!.allowed.map((f) => f.locale)).toEqual(['en', 'en']);
    expect(by.minor!.refused[0]!.rules).toEqual(['minor-guardian', 'minor-assent']);
    // Within 240 days the review of every granted record (2026-12-31) comes due.
    expect(reportConsent(campaign, templates, AS_OF, 240, ['IQ-AR']).find((r) => r.testimony === 'ok')!.action).toEqual([
      'review due in 213 days',
    ]);
  });

  it('removes a testimony card from the output when its consent is withdrawn', async () => {
    const file = path.join(campaignDir, 'testimonies', 'ok.md');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('  status: granted', '  status: withdrawn'));
    try {
      const blocked = await build({ root, campaignDir, out, asOf: AS_OF });
      expect(blocked.exitCode).toBe(3);
      // A refused build leaves the previous outputs exactly as they were.
      expect(listFiles(path.join(out, 'c'))).toContain('en/testimony-card-square-ok.png');
      const r = await build({ root, campaignDir, out, asOf: AS_OF, skipRefused: true });
      expect(r.exitCode).toBe(0);
      const files = listFiles(path.join(out, 'c'));
      expect(files).not.toContain('en/testimony-card-square-ok.png');
      expect(files).not.toContain('ckb/testimony-card-square-ok.png');
      expect(r.stats.removed).toBeGreaterThanOrEqual(2);
      expect(pdfTextLogical(path.join(out, 'c', 'en', 'leaflet-a5.pdf'))).not.toContain('OKQUOTE');
    } finally {
      writeFileSync(file, before);
    }
  });
});

describe('deny-list on the rendered asset', () => {
  it('refuses an asset whose rendered text carries a deny-listed term from outside any testimony', async () => {
    const p = makeProject();
    try {
      const dir = path.join(p.root, 'campaigns', 'd');
      writeFiles(dir, {
        // The term is in a campaign message, so only the scan of the rendered page can see it.
        'campaign.md': campaignMd({ id: 'd', messages: { headline: 'Remember Karwan Ahmed.', subline: 'The sea is real.', cta: 'Call' } }),
        'testimonies/t.md': testimonyMd({ id: 't', consent: defaultConsent({ id: 'CR-D', denylist: `"${hashTerm('KARWAN  ahmed')}"` }) }),
      });
      const out = path.join(p.root, 'out');
      const r = await build({ root: p.root, campaignDir: dir, out, asOf: AS_OF });
      expect(r.exitCode).toBe(3);
      expect(r.refusals.some((f) => f.rule === 'denylist' && f.asset === 'en/social-card-square.png')).toBe(true);
      expect(JSON.stringify(r)).not.toMatch(/karwan/i);
      expect(listFiles(out)).toEqual([]);
    } finally {
      p.cleanup();
    }
  });

  it('a term added to a deny-list after a build is caught in cached assets too', async () => {
    const p = makeProject();
    try {
      const dir = path.join(p.root, 'campaigns', 'k');
      const consentWith = (denylist: string) => testimonyMd({ id: 't', consent: defaultConsent({ id: 'CR-K', denylist }) });
      writeFiles(dir, {
        'campaign.md': campaignMd({ id: 'k', messages: { headline: 'Remember Karwan Ahmed.', subline: 'The sea is real.', cta: 'Call' } }),
        'testimonies/t.md': consentWith(''),
      });
      const out = path.join(p.root, 'out');
      expect((await build({ root: p.root, campaignDir: dir, out, asOf: AS_OF })).exitCode).toBe(0);
      writeFiles(dir, { 'testimonies/t.md': consentWith(`"${hashTerm('Karwan Ahmed')}"`) });
      const r = await build({ root: p.root, campaignDir: dir, out, asOf: AS_OF });
      expect(r.stats.cached).toBe(0);
      expect(r.exitCode).toBe(3);
      expect(r.refusals.some((f) => f.rule === 'denylist' && f.asset === 'en/social-card-square.png')).toBe(true);
    } finally {
      p.cleanup();
    }
  });

  it('a testimony id that carries a deny-listed name is an input error (exit 2), even with --skip-refused', async () => {
    const p = makeProject();
    try {
      const dir = path.join(p.root, 'campaigns', 'f');
      writeFiles(dir, {
        'campaign.md': campaignMd({ id: 'f', outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony' }),
        'testimonies/karwan-story.md': testimonyMd({
          id: 'karwan-story',
          consent: defaultConsent({ id: 'CR-F', denylist: `"${hashTerm('Karwan')}"` }),
        }),
      });
      // The id would reach file names, the manifest and SHA256SUMS (FORMAT.md 4.2).
      const r = await build({ root: p.root, campaignDir: dir, out: path.join(p.root, 'out'), asOf: AS_OF, skipRefused: true });
      expect(r.exitCode).toBe(2);
      expect(r.errors.map((x) => x.code)).toEqual(['denylist-input']);
      expect(JSON.stringify(r.errors)).not.toMatch(/karwan/i);
      expect(listFiles(path.join(p.root, 'out'))).toEqual([]);
    } finally {
      p.cleanup();
    }
  });

  it('marks a campaign description that falls back to the source language, and warns', async () => {
    const p = makeProject();
    try {
      const dir = path.join(p.root, 'campaigns', 'b');
      writeFiles(dir, {
        'campaign.md': campaignMd({ id: 'b', locales: ['en', 'ckb'], outputs: '  - template: leaflet', body: 'English description only.' }),
      });
      writeFiles(path.join(p.root, 'locales', 'ckb'), {
        'b.json': JSON.stringify({ title: 'ت', headline: 'ڕاستییەکە بزانە', subline: 'دەریا', cta: 'پەیوەندی' }),
      });
      const r = await build({ root: p.root, campaignDir: dir, out: path.join(p.root, 'out'), asOf: AS_OF, locales: ['ckb'] });
      expect(r.exitCode).toBe(0);
      expect(
        r.warnings.some((w) => w.code === 'translation-missing' && /campaign description has no ckb translation/.test(w.message)),
      ).toBe(true);
      expect(pdfTextLogical(path.join(p.root, 'out', 'b', 'ckb', 'leaflet-a5.pdf'))).toContain('English description only.');
      const strict = await build({
        root: p.root,
        campaignDir: dir,
        out: path.join(p.root, 'out2'),
        asOf: AS_OF,
        locales: ['ckb'],
        strict: true,
      });
      expect(strict.exitCode).toBe(2);
      expect(listFiles(path.join(p.root, 'out2'))).toEqual([]);
    } finally {
      p.cleanup();
    }
  });
});
