import type { Campaign, Testimony } from '../campaign/load.js';
import { decodeUriText, findDenied } from '../consent/denylist.js';
import { gateTestimony, RULES, type Refusal } from '../consent/gate.js';
import { markdownText, renderMarkdown } from '../templates/markdown.js';
import { CampaignPressError, type Diagnostics } from '../errors.js';
import type { FormatSpec, Template } from '../templates/engine.js';

/**
 * Planning: campaign × template × format × locale [× testimony] -> RenderJob, with the consent
 * gate applied to every (testimony, asset) pair. Pure: the build date is an argument.
 */

/** A testimony as it may appear on one asset: localized, and reduced to what consent allows. */
export interface TestimonyPiece {
  id: string;
  consentId: string;
  testimony: Testimony;
  locale: string;
  title: string;
  quote: string | null;
  quoteKind: 'verbatim' | 'paraphrase' | null;
  body: string;
  bodyFile: string;
  displayName: string;
  nameChangedNote: boolean;
  photo: boolean;
  contentWarning: 'none' | 'loss_of_life' | 'violence';
}

export interface RenderJob {
  template: Template;
  format: FormatSpec;
  locale: string;
  testimonyId?: string;
  pieces: TestimonyPiece[];
  /** Path under <out>/<campaign-id>/. */
  relPath: string;
  channel: Template['channel'];
  /** The layout chosen in campaign.md (outputs[].variant), or the template's first; null when it has none. */
  variant: string | null;
}

export interface PlanOptions {
  /** Build date for expires_on and review_by (fail closed: the latest date anywhere). */
  asOf: string;
  /** Build date for granted_on (fail closed: the earliest date anywhere); asOf when absent. */
  asOfEarliest?: string;
  locales: string[];
  only: { template: string; format?: string }[];
  regions: string[];
  skipRefused: boolean;
  /** Deny-listed hashes (all testimonies' lists): checked here on the text, and again on the rendered asset. */
  denied?: ReadonlySet<string>;
}

export interface Plan {
  jobs: RenderJob[];
  refusals: Refusal[];
  /** Assets not built because a refusal blocked them (without --skip-refused they block the build). */
  refusedAssets: string[];
}

export function assetPath(locale: string, template: string, format: string, ext: string, testimonyId?: string): string {
  return `${locale}/${template}-${format}${testimonyId ? `-${testimonyId}` : ''}.${ext === 'jpeg' ? 'jpg' : ext}`;
}

/** Localize a testimony for one locale, or undefined if it has no text in that locale. */
function localize(
  t: Testimony,
  locale: string,
  sourceLocale: string,
): (Omit<TestimonyPiece, 'quote' | 'quoteKind' | 'photo' | 'consentId'> & { quoteSrc?: string; paraphraseSrc?: string }) | undefined {
  const c = t.data.consent!;
  const base = {
    id: t.id,
    testimony: t,
    locale,
    displayName: c.identity.display_name,
    nameChangedNote: c.identity.name_changed_note,
    contentWarning: t.data.content_warning,
  };
  if (locale === sourceLocale) {
    return { ...base, title: t.data.title, body: t.body, bodyFile: t.file, quoteSrc: t.data.quote, paraphraseSrc: t.data.paraphrase };
  }
  const tr = t.translations.get(locale);
  if (!tr) return undefined;
  // A translation may write the pseudonym in its own script; the consent record's spelling otherwise.
  const displayName = tr.display_name ?? base.displayName;
  return { ...base, displayName, title: tr.title, body: tr.body, bodyFile: tr.file, quoteSrc: tr.quote, paraphraseSrc: tr.paraphrase };
}

/** Link targets of Markdown, as written and percent-decoded: a PDF keeps them as /URI strings. */
export function linkTargets(src: string): string {
  return [...renderMarkdown(src).html.matchAll(/href="([^"]*)"/g)].map((m) => decodeUriText(m[1]!.replace(/&amp;/g, '&'))).join('\n');
}

/**
 * What one format of a template gives: its own file, and for a print format with `share_png` a
 * PNG of the same page for sharing. That PNG is published online, so the social channel's
 * consent decides it, not the print channel's.
 */
function renditions(template: Template, fname: string): { format: FormatSpec; channel: Template['channel'] }[] {
  const format = template.formats.get(fname)!;
  const own = { format, channel: template.channel };
  if (!format.sharePng) return [own];
  const { sharePng, ...rest } = format;
  return [own, { format: { ...rest, output: 'png', ppi: sharePng.ppi }, channel: 'social' }];
}

export function planRenders(campaign: Campaign, templates: ReadonlyMap<string, Template>, opts: PlanOptions, diag: Diagnostics): Plan {
  const jobs: RenderJob[] = [];
  const refusals: Refusal[] = [];
  const refusedAssets: string[] = [];
  const source = campaign.data.source_locale;

  for (const output of campaign.data.outputs) {
    const template = templates.get(output.template)!;
    if (opts.only.length && !opts.only.some((o) => o.template === template.name)) continue;
    const formats = (output.formats ?? [...template.formats.keys()]).filter(
      (f) => !opts.only.length || opts.only.some((o) => o.template === template.name && (!o.format || o.format === f)),
    );
    const perTestimony = output.for_each === 'testimony' || template.testimonies === 'each';
    const variant = output.variant ?? template.variants[0] ?? null;
    // The testimonies the output names, in its order (checked when loading); each still meets the gate.
    const chosen = output.testimonies
      ? output.testimonies.flatMap((id) => campaign.testimonies.filter((t) => t.id === id))
      : campaign.testimonies;
    // A layout other than the template's first is named in the file, so both can be built.
    const named = (fname: string) => (output.variant && output.variant !== template.variants[0] ? `${fname}-${output.variant}` : fname);
    for (const locale of opts.locales) {
      for (const fname of formats)
        for (const { format, channel } of renditions(template, fname)) {
          const gatherFor = perTestimony ? chosen.map((t) => [t]) : [template.testimonies === 'all' ? chosen : []];
          for (const group of gatherFor) {
            const testimonyId = perTestimony ? group[0]!.id : undefined;
            const rel = assetPath(locale, template.name, named(fname), format.output, testimonyId);
            // Where a refusal applies, as reported (after the testimony, consent id, rule and reason).
            const where = { asset: rel, locale, template: template.name, format: fname };
            const pieces: TestimonyPiece[] = [];
            let blocked = false;
            for (const t of group) {
              const c = t.data.consent;
              const gate = gateTestimony(campaign, t, {
                channel,
                locale,
                regions: opts.regions,
                asOf: opts.asOf,
                asOfEarliest: opts.asOfEarliest,
              });
              if (!gate.allowed) {
                for (const [i, rule] of gate.rules.entries()) {
                  refusals.push({
                    testimony: t.id,
                    consent_id: c?.id ?? t.consentId ?? null,
                    rule,
                    reason: `${gate.reasons[i] ?? RULES[rule]}${rule === 'consent-invalid' ? ` (${t.file}:${t.consentInvalid?.line ?? '?'})` : ''}`,
                    ...where,
                  });
                }
                if (!opts.skipRefused) blocked = true;
                continue;
              }
              const loc = localize(t, locale, source);
              if (!loc) {
                diag.warn(
                  new CampaignPressError(
                    'translation-missing',
                    `testimony ${t.id} has no ${locale} translation; it is left out of ${rel}`,
                    { file: t.file },
                    `Add testimonies/${t.id}.${locale}.md, or leave it out on purpose.`,
                  ),
                );
                continue;
              }
              if (gate.use.photoNote)
                diag.warn(
                  new CampaignPressError(
                    'consent-refused',
                    `${t.id}: ${gate.use.photoNote}`,
                    { file: t.file, field: 'consent.photo' },
                    'Set consent.photo.permission and sha256 for an approved masked photo.',
                  ),
                );
              const { quoteSrc, paraphraseSrc, ...rest } = loc;
              const quote =
                gate.use.quote === 'verbatim' ? (quoteSrc ?? null) : gate.use.quote === 'paraphrase' ? (paraphraseSrc ?? null) : null;
              if (
                opts.denied &&
                findDenied(
                  [rest.title, quote ?? '', markdownText(rest.body), linkTargets(rest.body), rest.displayName].join('\n'),
                  opts.denied,
                )
              ) {
                refusals.push({
                  testimony: t.id,
                  consent_id: c!.id,
                  rule: 'denylist',
                  reason: RULES.denylist,
                  ...where,
                });
                if (!opts.skipRefused) blocked = true;
                continue;
              }
              pieces.push({
                ...rest,
                consentId: c!.id,
                quote,
                quoteKind: quote === null ? null : gate.use.quote === 'verbatim' ? 'verbatim' : 'paraphrase',
                photo: gate.use.photo,
              });
            }
            if (blocked) {
              refusedAssets.push(rel);
              continue;
            }
            if (perTestimony && pieces.length === 0) continue; // refused (skipped) or untranslated
            jobs.push({ template, format, locale, testimonyId, pieces, relPath: rel, channel, variant });
          }
        }
    }
  }
  return { jobs, refusals, refusedAssets };
}
