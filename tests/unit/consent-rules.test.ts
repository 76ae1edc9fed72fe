import { rmSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCampaign } from '../../src/campaign/load.js';
import { consentSchema } from '../../src/campaign/schema.js';
import { gateDates, gateDatesAt, isCalendarDate } from '../../src/consent/dates.js';
import { hashTerm } from '../../src/consent/denylist.js';
import { gateConsent } from '../../src/consent/gate.js';
import { catalog, CampaignPressError, Diagnostics, ValidationErrors } from '../../src/errors.js';
import { loadLocaleTable } from '../../src/i18n/table.js';
import { loadTemplate, type Template } from '../../src/templates/engine.js';
import { planRenders } from '../../src/pipeline/plan.js';
import { campaignMd, defaultConsent, makeProject, testimonyMd, writeFiles } from '../helpers.js';

let root: string;
let cleanup: () => void;
beforeEach(() => ({ root, cleanup } = makeProject()));
afterEach(() => cleanup());

function load(files: Record<string, string | Buffer>) {
  const dir = path.join(root, 'campaigns', 'c');
  rmSync(dir, { recursive: true, force: true });
  writeFiles(dir, { 'campaign.md': campaignMd({ id: 'c', outputs: cardOutputs }), ...files });
  const table = loadLocaleTable(path.join(root, 'locales'));
  return loadCampaign(dir, table, path.join(root, 'locales'));
}
const cardOutputs = '  - template: testimony-card\n    formats: [square]\n    for_each: testimony';

function loadError(files: Record<string, string | Buffer>): CampaignPressError[] {
  try {
    load(files);
  } catch (e) {
    if (e instanceof ValidationErrors) return e.errors;
    if (e instanceof CampaignPressError) return [e];
    throw e;
  }
  throw new Error('the campaign loaded');
}

function plan(campaign: ReturnType<typeof load>, asOf = '2026-06-01') {
  const templates = new Map<string, Template>([['testimony-card', loadTemplate(path.join(root, 'templates'), 'testimony-card', {})]]);
  return planRenders(
    campaign,
    templates,
    { asOf, locales: ['en'], only: [], regions: ['IQ-AR'], skipRefused: true, denied: new Set() },
    new Diagnostics(),
  );
}

describe('strict sign-off (FORMAT.md 4.1)', () => {
  const base = consentSchema.parse({
    id: 'CR-1',
    status: 'granted',
    given_by: 'self',
    subject: { role: 'survivor', age_band: 'adult' },
    granted_on: '2026-01-01',
    review_by: '2026-12-31',
    expires_on: '2027-12-31',
    scope: { channels: ['social'], locales: ['en'], regions: ['IQ-AR'], quote_usage: 'verbatim', allow_translation: true },
    identity: { level: 'pseudonym', display_name: 'K*' },
    risk: { level: 'high', pillars_removed: ['face', 'name'], signoff: ['protection_focal_point', 'comms_lead'] },
  });

  it('accepts only role ids from the fixed set', () => {
    expect(base.risk.signoff).toEqual(['protection_focal_point', 'comms_lead']);
    for (const text of ['protection sign-off PENDING - not approved', 'Protection Focal Point', 'protection', 'protection_focal_point ']) {
      const r = consentSchema.safeParse({ ...base, risk: { ...base.risk, signoff: [text] } });
      expect(r.success, text).toBe(false);
    }
  });

  it('high risk needs protection_focal_point; the reason names who signed', () => {
    const r = gateConsent(
      { consent: { ...base, risk: { ...base.risk, signoff: ['comms_lead', 'legal'] } } },
      {
        asOf: '2026-06-01',
        channel: 'social',
        locale: 'en',
        sourceLocale: 'en',
        regions: ['IQ-AR'],
      },
    );
    expect(r.allowed).toBe(false);
    expect(!r.allowed && r.rules).toEqual(['high-risk-signoff']);
    expect(!r.allowed && r.reasons[0]).toMatch(/signed off by: comms_lead, legal/);
    // Control: the same record with the focal point is allowed.
    expect(
      gateConsent({ consent: base }, { asOf: '2026-06-01', channel: 'social', locale: 'en', sourceLocale: 'en', regions: ['IQ-AR'] })
        .allowed,
    ).toBe(true);
  });
});

describe('an invalid consent block refuses its testimony, not the campaign', () => {
  const cases: [string, string, RegExp][] = [
    [
      'freetext',
      defaultConsent({ id: 'CR-FT', risk: 'high', signoff: '"protection sign-off PENDING - not approved"' }),
      /consent\.risk\.signoff\[0\]/,
    ],
    ['norel', defaultConsent({ id: 'CR-NR', given_by: 'next_of_kin' }), /consent\.relationship/],
    ['unknown', defaultConsent({ id: 'CR-UK' }).replace('  status: granted', '  status: granted\n  statuss: granted'), /consent\.statuss/],
    ['wrongtype', defaultConsent({ id: 'CR-WT', granted_on: 'yesterday' }), /consent\.granted_on/],
    ['badlocale', defaultConsent({ id: 'CR-BL', locales: 'en, xx' }), /consent\.scope\.locales\[1\]/],
  ];

  it('loads the campaign, refuses each bad block with consent-invalid naming the field, and plans the rest', () => {
    const files: Record<string, string> = { 'testimonies/ok.md': testimonyMd({ id: 'ok' }) };
    for (const [id, consent] of cases) files[`testimonies/${id}.md`] = testimonyMd({ id, consent });
    const campaign = load(files);
    const p = plan(campaign);
    expect(p.jobs.map((j) => j.testimonyId)).toEqual(['ok']);
    for (const [id, , field] of cases) {
      const refused = p.refusals.filter((r) => r.testimony === id);
      expect(
        refused.map((r) => r.rule),
        id,
      ).toEqual(['consent-invalid']);
      expect(refused[0]!.reason, id).toMatch(field);
      expect(refused[0]!.consent_id, id).toMatch(/^CR-/);
      expect(campaign.testimonies.find((t) => t.id === id)!.consentLine, id).toBeGreaterThan(1);
    }
  });

  it('an invalid field outside the consent block still stops the campaign (exit 2)', () => {
    const errors = loadError({ 'testimonies/t.md': testimonyMd({ id: 't', extra: 'colour: red\n' }) });
    expect(errors.map((e) => e.exitCode)).toEqual([2]);
    expect(errors[0]!.location.field).toBe('colour');
  });
});

describe('fail-closed build dates', () => {
  it('takes expiry and review from the latest date anywhere, start from the earliest', () => {
    // 01:30 in Erbil (UTC+3) on 2 March is 22:30 UTC on 1 March.
    expect(gateDatesAt(new Date('2026-03-01T22:30:00Z'))).toEqual({ asOf: '2026-03-02', asOfEarliest: '2026-03-01' });
    expect(gateDatesAt(new Date('2026-03-01T09:59:00Z'))).toEqual({ asOf: '2026-03-01', asOfEarliest: '2026-02-28' });
    expect(gateDates('2026-05-05')).toEqual({ asOf: '2026-05-05', asOfEarliest: '2026-05-05' });
  });

  it('refuses a consent that expired yesterday in Erbil although the UTC date is the expiry date', () => {
    const campaign = load({
      'testimonies/t.md': testimonyMd({ id: 't', consent: defaultConsent({ expires_on: '2026-03-01', review_by: '2026-03-01' }) }),
    });
    const now = gateDatesAt(new Date('2026-03-01T22:30:00Z'));
    const templates = new Map([['testimony-card', loadTemplate(path.join(root, 'templates'), 'testimony-card', {})]]);
    const opts = { locales: ['en'], only: [], regions: ['IQ-AR'], skipRefused: true, denied: new Set<string>() };
    const p = planRenders(campaign, templates, { ...opts, ...now }, new Diagnostics());
    expect(p.refusals.map((r) => r.rule)).toEqual(['consent-expired', 'consent-review-due']);
    // Control: the UTC date alone would have allowed it.
    expect(planRenders(campaign, templates, { ...opts, asOf: '2026-03-01' }, new Diagnostics()).refusals).toEqual([]);
  });

  it('refuses a consent that has not started everywhere yet', () => {
    const campaign = load({ 'testimonies/t.md': testimonyMd({ id: 't', consent: defaultConsent({ granted_on: '2026-03-02' }) }) });
    const p = plan(campaign, '2026-03-02');
    expect(p.refusals).toEqual([]);
    const templates = new Map([['testimony-card', loadTemplate(path.join(root, 'templates'), 'testimony-card', {})]]);
    const early = planRenders(
      campaign,
      templates,
      { ...gateDatesAt(new Date('2026-03-01T22:30:00Z')), locales: ['en'], only: [], regions: ['IQ-AR'], skipRefused: true },
      new Diagnostics(),
    );
    expect(early.refusals.map((r) => r.rule)).toEqual(['consent-not-yet-valid']);
  });

  it('accepts only real calendar dates for --as-of', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    for (const bad of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-1-01', '01-03-2026', '2026-03-01T00:00'])
      expect(isCalendarDate(bad), bad).toBe(false);
  });
});

describe('refusal reasons', () => {
  it('name the channel, locale or region in question and what the consent allows', () => {
    const campaign = load({
      'testimonies/t.md': testimonyMd({ id: 't', consent: defaultConsent({ channels: 'print', locales: 'ckb', regions: 'IQ-SU' }) }),
    });
    const reasons = plan(campaign).refusals.map((r) => `${r.rule}: ${r.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^scope-channel: .*channel social; the consent allows print/),
      expect.stringMatching(/^scope-locale: .*language en; the consent allows ckb/),
      expect.stringMatching(/^scope-region: .*region IQ-AR; the consent allows IQ-SU/),
    ]);
  });

  it('hint at --skip-refused and re-confirming consent, never at editing the record', () => {
    const hint = catalog['consent-refused'].hint;
    expect(hint).toMatch(/--skip-refused/);
    expect(hint).toMatch(/re-confirm consent/);
    expect(hint).not.toMatch(/fix|edit|change|update/i);
  });
});

describe('identity protection at load', () => {
  const denied = (term: string) => defaultConsent({ id: 'CR-DL', denylist: `"${hashTerm(term)}"` });

  it('a deny-listed testimony id is an input error that never shows the term', () => {
    const errors = loadError({ 'testimonies/karwan-aziz.md': testimonyMd({ id: 'karwan-aziz', consent: denied('Karwan Aziz') }) });
    expect(errors.map((e) => e.code)).toContain('denylist-input');
    expect(errors.every((e) => e.exitCode === 2)).toBe(true);
    expect(JSON.stringify(errors.map((e) => e.toJSON()))).not.toMatch(/karwan|aziz/i);
    // Control: a clean id with the same deny-list loads.
    expect(load({ 'testimonies/story-07.md': testimonyMd({ id: 'story-07', consent: denied('Karwan Aziz') }) }).testimonies).toHaveLength(
      1,
    );
  });

  it('a deny-listed consent id or translation file name is an input error too', () => {
    const byConsent = loadError({
      'testimonies/story-07.md': testimonyMd({
        id: 'story-07',
        consent: denied('Karwan Aziz').replace('id: CR-DL', 'id: CR-KARWAN-AZIZ-01'),
      }),
    });
    expect(byConsent.map((e) => e.code)).toEqual(['denylist-input']);
    expect(byConsent[0]!.location.field).toBe('consent.id');
    expect(JSON.stringify(byConsent[0]!.toJSON())).not.toMatch(/karwan/i);
    // A term listed by one testimony protects every file of the campaign.
    const other = loadError({
      'testimonies/a.md': testimonyMd({ id: 'a', consent: denied('Rustam') }),
      'testimonies/rustam-story.md': testimonyMd({ id: 'rustam-story', consent: defaultConsent({ id: 'CR-2' }) }),
    });
    expect(other.map((e) => e.code)).toContain('denylist-input');
    expect(JSON.stringify(other.map((e) => e.toJSON()))).not.toMatch(/rustam/i);
  });

  it('refuses a testimony photo used as the logo, by path and as a copy; another image is fine', async () => {
    const photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#334455' } })
      .jpeg()
      .toBuffer();
    const other = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ffcc00' } })
      .png()
      .toBuffer();
    const t = testimonyMd({ id: 't', extra: 'photo: assets/t-masked.jpg\n' });
    const withLogo = (logo: string) =>
      campaignMd({ id: 'c', outputs: cardOutputs }).replace('  accent: "#F2B705"', `  accent: "#F2B705"\n  logo: ${logo}`);
    const base = { 'testimonies/t.md': t, 'assets/t-masked.jpg': photo, 'assets/copy.jpg': photo, 'assets/logo.png': other };
    for (const logo of ['assets/t-masked.jpg', 'assets/copy.jpg', './assets/../assets/t-masked.jpg']) {
      const errors = loadError({ ...base, 'campaign.md': withLogo(logo) });
      expect(
        errors.map((e) => e.code),
        logo,
      ).toEqual(['photo-misrouted']);
      expect(errors[0]!.location.field).toBe('brand.logo');
    }
    expect(load({ ...base, 'campaign.md': withLogo('assets/logo.png') }).logoPath).toMatch(/logo\.png$/);
  });
});
