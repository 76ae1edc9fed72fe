import type { Channel, Consent } from '../campaign/schema.js';

/**
 * The consent gate (FORMAT.md 4.1). Pure: the build date is an argument, no I/O. It fails closed:
 * anything not positively allowed is refused, with a stable rule code.
 */

export const RULES = {
  'consent-missing': 'the testimony has no consent block',
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
  'high-risk-signoff': 'high risk needs a protection sign-off',
  'photo-hash': 'the photo file is not the approved file (sha256 differs)',
  denylist: 'a deny-listed term appears in the asset',
} as const;
export type RuleCode = keyof typeof RULES;

export interface GateContext {
  /** Build date, YYYY-MM-DD. */
  asOf: string;
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

export type GateResult = { allowed: true; use: GateUse } | { allowed: false; rules: RuleCode[] };

export interface GateSubject {
  consent?: Consent;
  quote?: string;
  paraphrase?: string;
  photo?: string;
}

export function gateConsent(t: GateSubject, ctx: GateContext): GateResult {
  const c = t.consent;
  if (!c) return { allowed: false, rules: ['consent-missing'] };
  const rules: RuleCode[] = [];
  if (c.status !== 'granted') rules.push('consent-status');
  // ISO dates compare correctly as strings.
  if (ctx.asOf < c.granted_on) rules.push('consent-not-yet-valid');
  if (ctx.asOf > c.expires_on) rules.push('consent-expired');
  if (ctx.asOf > c.review_by) rules.push('consent-review-due');
  if (!c.scope.channels.includes(ctx.channel)) rules.push('scope-channel');
  if (!c.scope.locales.includes(ctx.locale)) rules.push('scope-locale');
  if (ctx.regions.some((r) => !c.scope.regions.includes(r))) rules.push('scope-region');
  if (ctx.regions.some((r) => c.scope.excluded_regions.includes(r))) rules.push('excluded-region');
  if (ctx.locale !== ctx.sourceLocale && !c.scope.allow_translation) rules.push('translation-not-allowed');
  if (c.subject.age_band !== 'adult') {
    if (c.given_by !== 'guardian' && c.given_by !== 'self_and_guardian') rules.push('minor-guardian');
    if (c.child_assent !== true) rules.push('minor-assent');
    if (c.identity.level !== 'pseudonym' && c.identity.level !== 'anonymous') rules.push('minor-identity');
    if (t.photo && c.photo?.permission === 'identifiable') rules.push('minor-photo');
  }
  if (c.risk.level === 'high') {
    if (new Set(c.risk.pillars_removed).size < 2) rules.push('high-risk-pillars');
    if (c.identity.level === 'named') rules.push('high-risk-identity');
    if (!c.risk.signoff.some((s) => /protection/i.test(s))) rules.push('high-risk-signoff');
  }
  let photo = false;
  let photoNote: string | undefined;
  if (t.photo) {
    const perm = c.photo?.permission ?? 'none';
    if (perm === 'none') photoNote = 'photo.permission is none (or absent): the photo is left out';
    else if (!c.photo?.sha256) rules.push('photo-hash');
    else if (ctx.photoSha256 !== c.photo.sha256) rules.push('photo-hash');
    else photo = true;
  }
  if (rules.length) return { allowed: false, rules };
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
