import { describe, expect, it } from 'vitest';
import type { Consent } from '../../src/campaign/schema.js';
import { consentSchema } from '../../src/campaign/schema.js';
import { hashTerm, findDenied, normalizeTerm, words } from '../../src/consent/denylist.js';
import { gateConsent, type GateContext } from '../../src/consent/gate.js';

const base: Consent = consentSchema.parse({
  id: 'CR-1',
  status: 'granted',
  given_by: 'self',
  subject: { role: 'survivor', age_band: 'adult' },
  granted_on: '2026-01-01',
  review_by: '2026-12-31',
  expires_on: '2027-12-31',
  scope: {
    channels: ['print', 'pdf', 'social'],
    locales: ['en', 'ckb'],
    regions: ['IQ-AR', 'IQ-SU'],
    excluded_regions: ['IQ-NI'],
    quote_usage: 'verbatim',
    allow_translation: true,
  },
  identity: { level: 'pseudonym', display_name: 'K*', name_changed_note: true, denylist_sha256: [] },
  photo: { permission: 'obscured', sha256: 'a'.repeat(64) },
  risk: { level: 'high', pillars_removed: ['face', 'name'], signoff: ['protection_focal_point'] },
});
const ctx: GateContext = { asOf: '2026-06-01', channel: 'social', locale: 'en', sourceLocale: 'en', regions: ['IQ-AR'] };
const subject = { quote: 'Q', paraphrase: 'P' };

function rules(c: Partial<Consent> | undefined, x: Partial<GateContext> = {}, s: Record<string, string | undefined> = subject) {
  const r = gateConsent({ ...s, consent: c === undefined ? undefined : ({ ...base, ...c } as Consent) }, { ...ctx, ...x });
  return r.allowed ? [] : r.rules;
}

describe('consent gate (FORMAT.md 4.1)', () => {
  it('allows a valid, in-scope record and uses the verbatim quote', () => {
    const r = gateConsent({ ...subject, consent: base }, ctx);
    expect(r).toEqual({ allowed: true, use: { quote: 'verbatim', photo: false } });
  });

  it('fails closed without consent', () => expect(rules(undefined)).toEqual(['consent-missing']));
  it.each(['pending', 'refused', 'withdrawn', 'expired', 'suspended'] as const)('refuses status %s', (status) =>
    expect(rules({ status })).toEqual(['consent-status']),
  );
  it('refuses before granted_on', () => expect(rules({}, { asOf: '2025-12-31' })).toEqual(['consent-not-yet-valid']));
  it('refuses after review_by', () => expect(rules({}, { asOf: '2027-01-01' })).toEqual(['consent-review-due']));
  it('refuses after expires_on', () => expect(rules({}, { asOf: '2028-01-01' })).toEqual(['consent-expired', 'consent-review-due']));
  it('accepts the boundary dates themselves', () => {
    expect(rules({}, { asOf: '2026-01-01' })).toEqual([]);
    expect(rules({}, { asOf: '2026-12-31' })).toEqual([]);
  });
  it('refuses a channel out of scope', () => expect(rules({ scope: { ...base.scope, channels: ['print'] } })).toEqual(['scope-channel']));
  it('refuses a locale out of scope', () => expect(rules({}, { locale: 'ar' })).toEqual(['scope-locale']));
  it('refuses a distribution region out of scope', () => expect(rules({}, { regions: ['IQ-AR', 'IQ-DA'] })).toEqual(['scope-region']));
  it('refuses an excluded region even when it is also in scope', () =>
    expect(rules({ scope: { ...base.scope, regions: ['IQ-AR', 'IQ-NI'] } }, { regions: ['IQ-NI'] })).toEqual(['excluded-region']));
  it('refuses a translation when translation is not allowed', () =>
    expect(rules({ scope: { ...base.scope, allow_translation: false } }, { locale: 'ckb' })).toEqual(['translation-not-allowed']));
  it('refuses a minor without guardian consent and assent', () =>
    expect(rules({ subject: { role: 'survivor', age_band: 'minor_16_17' } })).toEqual(['minor-guardian', 'minor-assent']));
  it('refuses a named minor and an identifiable photo of a minor', () =>
    expect(
      rules(
        {
          subject: { role: 'survivor', age_band: 'minor_under_16' },
          given_by: 'guardian',
          child_assent: true,
          identity: { ...base.identity, level: 'named' },
          photo: { permission: 'identifiable', sha256: 'a'.repeat(64) },
          risk: { ...base.risk, level: 'low' },
        },
        { photoSha256: 'a'.repeat(64) },
        { ...subject, photo: 'p.jpg' },
      ),
    ).toEqual(['minor-identity', 'minor-photo']));
  it('allows a minor with guardian, assent and a pseudonym', () =>
    expect(rules({ subject: { role: 'survivor', age_band: 'minor_16_17' }, given_by: 'self_and_guardian', child_assent: true })).toEqual(
      [],
    ));
  it('refuses high risk without two pillars, with a named identity, without protection sign-off', () =>
    expect(
      rules({
        identity: { ...base.identity, level: 'named' },
        risk: { level: 'high', pillars_removed: ['face'], signoff: ['comms_lead'] },
      }),
    ).toEqual(['high-risk-pillars', 'high-risk-identity', 'high-risk-signoff']));
  it('refuses a photo whose sha256 is not the approved one', () =>
    expect(rules({}, { photoSha256: 'b'.repeat(64) }, { ...subject, photo: 'p.jpg' })).toEqual(['photo-hash']));
  it('uses the photo when the hash matches', () => {
    const r = gateConsent({ ...subject, photo: 'p.jpg', consent: base }, { ...ctx, photoSha256: 'a'.repeat(64) });
    expect(r.allowed && r.use.photo).toBe(true);
  });
  it('leaves a photo out (without refusing) when permission is none', () => {
    const r = gateConsent({ ...subject, photo: 'p.jpg', consent: { ...base, photo: { permission: 'none' } } }, ctx);
    expect(r.allowed && r.use.photo).toBe(false);
    expect(r.allowed && r.use.photoNote).toMatch(/none/);
  });
  it('renders the paraphrase, never the quote, under paraphrase_only; neither under no_quotes', () => {
    const p = gateConsent({ ...subject, consent: { ...base, scope: { ...base.scope, quote_usage: 'paraphrase_only' } } }, ctx);
    expect(p.allowed && p.use.quote).toBe('paraphrase');
    const n = gateConsent({ ...subject, consent: { ...base, scope: { ...base.scope, quote_usage: 'no_quotes' } } }, ctx);
    expect(n.allowed && n.use.quote).toBe('none');
  });
});

describe('deny-list normalization (FORMAT.md 4.2)', () => {
  it('folds Arabic-script letter variants', () => {
    expect(normalizeTerm('علي')).toBe(normalizeTerm('علی'));
    expect(normalizeTerm('كريم')).toBe(normalizeTerm('کریم'));
    expect(normalizeTerm('فاطمة')).toBe(normalizeTerm('فاطمه'));
    expect(normalizeTerm('أحمد')).toBe(normalizeTerm('احمد'));
    expect(normalizeTerm('إبراهيم')).toBe(normalizeTerm('ابراهیم'));
  });
  it('removes tatweel, ZWNJ and diacritics', () => {
    expect(normalizeTerm('محـــمد')).toBe(normalizeTerm('محمد'));
    expect(normalizeTerm('می\u200cخواهم')).toBe(normalizeTerm('میخواهم'));
    expect(normalizeTerm('مُحَمَّد')).toBe(normalizeTerm('محمد'));
    expect(normalizeTerm('Zoë')).toBe('zoe');
  });
  it('folds Latin case, spacing and compatibility forms', () => {
    expect(hashTerm('  Karwan   AHMED ')).toBe(hashTerm('karwan ahmed'));
    expect(hashTerm('ＫＡＲＷＡＮ')).toBe(hashTerm('karwan'));
  });
  it('finds a deny-listed run of one to four words and reports only its hash', () => {
    const denied = new Set([hashTerm('Karwan Ahmed'), hashTerm('قەڵادزێ')]);
    expect(findDenied('The story of karwan  ahmed, from the north.', denied)).toBe(hashTerm('karwan ahmed'));
    expect(findDenied('He came from قەڵادزێ.', denied)).toBe(hashTerm('قەڵادزێ'));
    expect(findDenied('Karwan went to Ahmed', denied)).toBeUndefined();
  });
  it('splits words on spaces and trims punctuation', () => {
    expect(words('«Hawre», said: “no!”')).toEqual(['hawre', 'said', 'no']);
  });
});
