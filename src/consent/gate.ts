import type { Campaign, Testimony } from '../campaign/load.js';
import type { Channel, Consent } from '../campaign/schema.js';
import { isPseudo } from '../i18n/pseudo.js';

/**
 * The consent gate (FORMAT.md 4.1). Pure: the build date is an argument, no I/O. It fails closed:
 * anything not positively allowed is refused, with a stable rule code.
 */

export const RULES = {
  'consent-missing': 'the testimony has no consent block',
  'consent-invalid': 'the consent block is incomplete or invalid',
  'consent-status': 'consent status is not granted',
  'consent-not-yet-valid': 'the build date is before granted_on',
  'consent-expired': 'the build date is after expires_on',
  'consent-review-due': 'the review date has passed; re-confirm consent before new assets are made',
  'scope-channel': 'the channel is not in the consent scope',
  'scope-locale': 'the language is not in the consent scope',
  'scope-region': 'a distribution region is not in the consent scope',
  'excluded-region': 'a distribution region is excluded by the consent',
  'translation-not-allowed': 'the consent does not allow translation',
  'minor-guardian': 'a minor needs consent given by a guardian (guardian or self_and_guardian)',
  'minor-assent': 'a minor needs child_assent: true',
  'minor-identity': 'a minor must be shown under a pseudonym or anonymously',
  'minor-photo': 'a minor may not be shown in an identifiable photo',
  'high-risk-pillars': 'high risk needs at least two identifying pillars removed',
  'high-risk-identity': 'high risk may not use a named identity',
  'high-risk-signoff': 'high risk needs the sign-off of the protection focal point (protection_focal_point)',
  'photo-hash': 'the photo file is not the approved file (sha256 differs)',
  denylist: 'a deny-listed term appears in the asset',
} as const;
export type RuleCode = keyof typeof RULES;

export interface GateContext {
  /** Build date, YYYY-MM-DD, for expires_on and review_by (fail closed: the latest date anywhere). */
  asOf: string;
  /** Build date for granted_on (fail closed: the earliest date anywhere); asOf when not given. */
  asOfEarliest?: string;
  channel: Channel;
  locale: string;
  /** The source language of the testimony. */
  sourceLocale: string;
  regions: readonly string[];
  /** sha256 of the photo file as found on disk, when the testimony names one. */
  photoSha256?: string;
}

export interface GateUse {
  quote: 'verbatim' | 'paraphrase' | 'none';
  photo: boolean;
  /** Why the photo is not used, when there is one and it is not. */
  photoNote?: string;
}

export type GateResult =
  | { allowed: true; use: GateUse }
  /** `reasons[i]` explains `rules[i]` for this asset: what it needs against what the consent allows. */
  | { allowed: false; rules: RuleCode[]; reasons: string[] };

export interface GateSubject {
  consent?: Consent;
  /** The first invalid field of a consent block that did not validate (the block is then absent). */
  consentInvalid?: { field: string; message: string };
  quote?: string;
  paraphrase?: string;
  photo?: string;
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');

export function gateConsent(t: GateSubject, ctx: GateContext): GateResult {
  const c = t.consent;
  if (t.consentInvalid) {
    const { field, message } = t.consentInvalid;
    return { allowed: false, rules: ['consent-invalid'], reasons: [`${RULES['consent-invalid']}: ${field}: ${message}`] };
  }
  if (!c) return { allowed: false, rules: ['consent-missing'], reasons: [RULES['consent-missing']] };
  const rules: RuleCode[] = [];
  const reasons: string[] = [];
  const refuse = (rule: RuleCode, detail?: string) => {
    rules.push(rule);
    reasons.push(detail ? `${RULES[rule]} (${detail})` : RULES[rule]);
  };
  const start = ctx.asOfEarliest ?? ctx.asOf;
  if (c.status !== 'granted') refuse('consent-status', `status is ${c.status}`);
  // ISO dates compare correctly as strings.
  if (start < c.granted_on) refuse('consent-not-yet-valid', `granted_on ${c.granted_on}, build date ${start}`);
  if (ctx.asOf > c.expires_on) refuse('consent-expired', `expires_on ${c.expires_on}, build date ${ctx.asOf}`);
  if (ctx.asOf > c.review_by) refuse('consent-review-due', `review_by ${c.review_by}, build date ${ctx.asOf}`);
  if (!c.scope.channels.includes(ctx.channel))
    refuse('scope-channel', `channel ${ctx.channel}; the consent allows ${list(c.scope.channels)}`);
  if (!c.scope.locales.includes(ctx.locale)) refuse('scope-locale', `language ${ctx.locale}; the consent allows ${list(c.scope.locales)}`);
  const outside = ctx.regions.filter((r) => !c.scope.regions.includes(r));
  if (outside.length) refuse('scope-region', `region ${outside.join(', ')}; the consent allows ${list(c.scope.regions)}`);
  const excluded = ctx.regions.filter((r) => c.scope.excluded_regions.includes(r));
  if (excluded.length) refuse('excluded-region', `region ${excluded.join(', ')} is excluded`);
  if (ctx.locale !== ctx.sourceLocale && !c.scope.allow_translation)
    refuse('translation-not-allowed', `language ${ctx.locale}; the consent allows only the source language ${ctx.sourceLocale}`);
  if (c.subject.age_band !== 'adult') {
    if (c.given_by !== 'guardian' && c.given_by !== 'self_and_guardian') refuse('minor-guardian', `given_by ${c.given_by}`);
    if (c.child_assent !== true) refuse('minor-assent');
    if (c.identity.level !== 'pseudonym' && c.identity.level !== 'anonymous')
      refuse('minor-identity', `identity.level ${c.identity.level}`);
    if (t.photo && c.photo?.permission === 'identifiable') refuse('minor-photo');
  }
  if (c.risk.level === 'high') {
    const pillars = new Set(c.risk.pillars_removed);
    if (pillars.size < 2) refuse('high-risk-pillars', `removed: ${list([...pillars])}`);
    if (c.identity.level === 'named') refuse('high-risk-identity');
    if (!c.risk.signoff.includes('protection_focal_point')) refuse('high-risk-signoff', `signed off by: ${list(c.risk.signoff)}`);
  }
  let photo = false;
  let photoNote: string | undefined;
  if (t.photo) {
    const perm = c.photo?.permission ?? 'none';
    if (perm === 'none') photoNote = 'photo.permission is none (or absent): the photo is left out';
    else if (!c.photo?.sha256) refuse('photo-hash', 'consent.photo.sha256 is not set');
    else if (ctx.photoSha256 !== c.photo.sha256) refuse('photo-hash', 'the file on disk is not the approved masked file');
    else photo = true;
  }
  if (rules.length) return { allowed: false, rules, reasons };
  const quote =
    c.scope.quote_usage === 'no_quotes'
      ? 'none'
      : c.scope.quote_usage === 'paraphrase_only'
        ? t.paraphrase
          ? 'paraphrase'
          : 'none'
        : t.quote
          ? 'verbatim'
          : t.paraphrase
            ? 'paraphrase'
            : 'none';
  return { allowed: true, use: photoNote ? { quote, photo, photoNote } : { quote, photo } };
}

/**
 * The one call of the consent gate for a testimony on an asset. `build`, `check` and `consent
 * report` all come here, with the same inputs (the photo hash taken at load included), so they
 * cannot disagree.
 */
export function gateTestimony(
  campaign: Campaign,
  t: Testimony,
  where: { channel: Channel; locale: string; regions: readonly string[]; asOf: string; asOfEarliest?: string },
): GateResult {
  const source = campaign.data.source_locale;
  return gateConsent(
    { consent: t.data.consent, consentInvalid: t.consentInvalid, quote: t.data.quote, paraphrase: t.data.paraphrase, photo: t.data.photo },
    {
      asOf: where.asOf,
      asOfEarliest: where.asOfEarliest,
      channel: where.channel,
      // A pseudo-locale is a layout test of the source text, never published: the source's scope applies.
      locale: isPseudo(where.locale) ? source : where.locale,
      sourceLocale: source,
      regions: where.regions,
      photoSha256: t.photoSha256,
    },
  );
}

/** One (testimony, asset) pair the gate refused, as reports and the manifest carry it. */
export interface Refusal {
  testimony: string;
  consent_id: string | null;
  rule: RuleCode;
  reason: string;
  asset: string;
  locale: string;
  template: string;
  format: string;
}
