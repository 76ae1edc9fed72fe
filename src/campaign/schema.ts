import { z } from 'zod';
import { normalizePhone, strayPhoneCharacter } from './phone.js';

/** Strict schemas for the content contract (FORMAT.md section 2). Unknown keys are errors. */

const id = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lower-case letters, digits and single hyphens ([a-z0-9-]+)');
const localeCode = z.string().regex(/^[a-z]{2,3}(?:-[A-Z]{2}|-[A-Za-z]{4})?$/, 'use a bare language code such as en, ckb, ar');
const region = z.string().regex(/^(?:[A-Z]{2}-[A-Z0-9]{1,3}|[A-Z]{2}|INTL)$/, 'use an ISO 3166-2 code such as IQ-AR, or INTL');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date written YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'not a real calendar date',
  );
const colour = z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'use a six-digit hex colour such as "#0B3D5C" (quote it in YAML)');
const httpsUrl = z
  .string()
  .url()
  .refine((s) => s.startsWith('https://'), 'only https:// URLs are accepted');
const relPath = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('/') && !/^[a-z]+:/i.test(s), 'use a path relative to the campaign folder');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'use a lower-case sha256 hex digest (64 characters)');
const nonEmpty = z.string().trim().min(1, 'must not be empty');
/** Normalized first (phone.ts: curly quotes, no-break spaces, Arabic-Indic digits, direction marks), then checked. */
const hotline = z.preprocess(
  (v) => (typeof v === 'string' ? normalizePhone(v) : v),
  z
    .string()
    .refine((s) => !strayPhoneCharacter(s), {
      abort: true,
      error: (i) => `"${String(i.input)}" contains ${strayPhoneCharacter(String(i.input))}, which is not part of a phone number`,
    })
    .regex(/^\+?[0-9][0-9 ()-]{4,24}$/, 'use digits, spaces, hyphens and an optional leading +'),
);

export const outputSchema = z.strictObject({
  template: id,
  formats: z.array(z.string().min(1)).min(1).optional(),
  for_each: z.enum(['testimony']).optional(),
  /** One of the template's layouts (template.json `variants`); the template's first when absent. */
  variant: id.optional(),
  /**
   * The testimonies this output shows, in this order (their ids): a trifold has room for two stories
   * of twenty. Every one still passes the consent gate; absent, every testimony.
   */
  testimonies: z.array(id).min(1).optional(),
});

/** The inline brand of campaign.md (FORMAT.md section 2); a kit in brands/<id>.yaml says more. */
export const inlineBrandSchema = z.strictObject({
  primary: colour,
  accent: colour,
  logo: relPath.optional(),
});

/** Text in several languages: locale code -> text. */
const perLocale = z.record(localeCode, nonEmpty);
/** A path inside the brands/ folder (brands/<kit-id>/logo.svg is written `<kit-id>/logo.svg`). */
const brandPath = relPath.refine((s) => /\.(svg|png|jpe?g|webp)$/i.test(s), 'a logo is an .svg, .png, .jpg or .webp file');

/** brands/<id>.yaml (FORMAT.md section 6): one organization's kit, shared by campaigns with `brand: <id>`. */
export const brandKitSchema = z.strictObject({
  /** The organization's name in words, per locale: printed in the brand bar. */
  name: perLocale,
  /** Roles: primary (fields, text on paper), accent (stripes, highlights). Each pair drawn is contrast-checked. */
  colours: z.strictObject({
    primary: colour,
    accent: colour,
  }),
  logo: brandPath.optional(),
  social: z
    .array(
      z.strictObject({
        platform: z.enum(['facebook', 'instagram', 'telegram', 'whatsapp', 'x', 'youtube', 'tiktok', 'web']),
        handle: z.string().regex(/^@?[A-Za-z0-9._-]{2,40}$/, 'use the handle as written on the platform, such as @example_org'),
      }),
    )
    .default([]),
  partners: z
    .strictObject({
      /** "Funded by" per locale, printed before the partner logos. */
      label: perLocale.optional(),
      logos: z
        .array(z.strictObject({ name: nonEmpty, logo: brandPath }))
        .min(1)
        .max(6),
    })
    .optional(),
});
export type BrandKit = z.infer<typeof brandKitSchema>;

/** campaign.md `hero`: a campaign image (never a testimony photo) with its own licence. */
export const heroSchema = z.strictObject({
  image: relPath.refine((s) => /\.(png|jpe?g|webp)$/i.test(s), 'a hero image is a .jpg, .png or .webp file'),
  licence: nonEmpty,
  /** The point a crop keeps, as CSS object-position: "50% 30%". */
  focus: z
    .string()
    .regex(/^(?:100|[1-9]?[0-9])% (?:100|[1-9]?[0-9])%$/, 'use two percentages, such as "50% 30%"')
    .default('50% 50%'),
  treatment: z.enum(['duotone', 'overlay']).default('duotone'),
});
export type Hero = z.infer<typeof heroSchema>;

export const campaignSchema = z.strictObject({
  id,
  title: nonEmpty,
  source_locale: localeCode,
  locales: z.array(localeCode).min(1),
  distribution: z.strictObject({ regions: z.array(region).min(1) }),
  contact: z.strictObject({
    hotline: hotline,
    url: httpsUrl,
  }),
  brand: z.union([id, inlineBrandSchema], { error: 'use a brand kit id (brands/<id>.yaml) or { primary, accent, logo }' }),
  hero: heroSchema.optional(),
  messages: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'message keys use a-z, 0-9 and _'), nonEmpty),
  outputs: z.array(outputSchema).min(1),
});
export type CampaignFrontmatter = z.infer<typeof campaignSchema>;

export const campaignTranslationSchema = z.strictObject({
  translation_of: id,
  source_sha256: hex64,
  status: z.enum(['draft', 'reviewed']),
});

export const channel = z.enum(['print', 'pdf', 'social', 'web']);
export type Channel = z.infer<typeof channel>;

/** Who may sign off a high-risk testimony (FORMAT.md 4.1): role ids, never free text. */
export const SIGNOFF_ROLES = ['protection_focal_point', 'comms_lead', 'legal', 'psychosocial_focal_point', 'safeguarding_lead'] as const;

const consentObject = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, 'use the reference of the signed form, such as CR-2025-ERB-0042'),
  status: z.enum(['pending', 'granted', 'refused', 'withdrawn', 'expired', 'suspended']),
  given_by: z.enum(['self', 'guardian', 'self_and_guardian', 'next_of_kin']),
  relationship: z.string().min(1).optional(),
  subject: z.strictObject({
    role: z.enum(['survivor', 'bereaved_family', 'returnee', 'witness', 'other']),
    age_band: z.enum(['adult', 'minor_16_17', 'minor_under_16']),
    deceased: z.boolean().optional(),
  }),
  child_assent: z.boolean().nullable().optional(),
  granted_on: isoDate,
  review_by: isoDate,
  expires_on: isoDate,
  scope: z.strictObject({
    channels: z.array(channel).min(1),
    locales: z.array(localeCode).min(1),
    regions: z.array(region).min(1),
    excluded_regions: z.array(region).default([]),
    quote_usage: z.enum(['verbatim', 'paraphrase_only', 'no_quotes']),
    allow_translation: z.boolean(),
  }),
  identity: z.strictObject({
    level: z.enum(['named', 'first_name_only', 'pseudonym', 'anonymous']),
    display_name: nonEmpty,
    name_changed_note: z.boolean().default(false),
    denylist_sha256: z.array(hex64).default([]),
  }),
  photo: z
    .strictObject({
      permission: z.enum(['none', 'silhouette', 'obscured', 'identifiable']),
      sha256: hex64.optional(),
    })
    .optional(),
  risk: z.strictObject({
    level: z.enum(['low', 'medium', 'high']),
    pillars_removed: z.array(z.enum(['face', 'name', 'location', 'voice', 'date', 'other'])).default([]),
    // A sign-off is a role that signed, not a sentence: "protection sign-off PENDING" is invalid.
    signoff: z.array(z.enum(SIGNOFF_ROLES, { error: `use role ids: ${SIGNOFF_ROLES.join(', ')}` })).default([]),
  }),
});
export const consentSchema = consentObject.superRefine((c, ctx) => {
  if (c.given_by !== 'self' && !c.relationship) {
    ctx.addIssue({ code: 'custom', path: ['relationship'], message: 'required unless given_by is self' });
  }
});
export type Consent = z.infer<typeof consentSchema>;

const testimonyFields = {
  id,
  title: nonEmpty,
  quote: nonEmpty.optional(),
  paraphrase: nonEmpty.optional(),
  photo: relPath.optional(),
  /** The point of the photo a crop keeps (CSS object-position), FORMAT.md section 6. */
  photo_focus: z
    .string()
    .regex(/^(?:100|[1-9]?[0-9])% (?:100|[1-9]?[0-9])%$/, 'use two percentages, across then down, such as "50% 30%"')
    .optional(),
  content_warning: z.enum(['none', 'loss_of_life', 'violence']).default('none'),
  // Optional in the schema so that a testimony without consent is refused by the gate
  // (fail closed, with the rule named) rather than rejected as a typo.
  consent: consentSchema.optional(),
};
export const testimonySchema = z.strictObject(testimonyFields);
export type TestimonyFrontmatter = z.infer<typeof testimonySchema>;

/**
 * The same, with the consent block unchecked: an invalid consent block refuses its testimony
 * (rule consent-invalid) instead of stopping the campaign, so the rest of the file is validated
 * on its own and the block separately.
 */
export const testimonyOutsideConsentSchema = z.strictObject({ ...testimonyFields, consent: z.unknown().optional() });

export const testimonyTranslationSchema = z.strictObject({
  translation_of: id,
  source_sha256: hex64,
  status: z.enum(['draft', 'reviewed']),
  title: nonEmpty,
  quote: nonEmpty.optional(),
  paraphrase: nonEmpty.optional(),
  /** The same pseudonym written in this locale's script (deny-list scanned like all text). */
  display_name: nonEmpty.optional(),
});
export type TestimonyTranslationFrontmatter = z.infer<typeof testimonyTranslationSchema>;
