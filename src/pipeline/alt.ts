import type { DocumentInputs } from './document.js';
import type { RenderJob } from './plan.js';

/**
 * Alt text of an image asset (issue 14 item 6), in the asset's own language, from what the
 * asset says: the campaign's headline and call to action and the hotline; on a testimony card,
 * the story's title and the display name its consent allows (the same localized, gated fields the
 * card prints, so it can hold nothing the card may not). Deterministic: the same strings give
 * the same text. It goes in the manifest (`alt`) and a sidecar
 * `<asset>.alt.txt` (output/manifest.ts sidecars).
 */

const IMAGE_OUTPUTS = new Set(['png', 'jpeg', 'jpg', 'webp']);

export function hasAltText(job: RenderJob): boolean {
  return IMAGE_OUTPUTS.has(job.format.output);
}

/** One line of text: manual line breaks (\n in a message) and runs of spaces become one space. */
const line = (s: string) => s.replace(/\s+/g, ' ').trim();

export function altText(job: RenderJob, inp: DocumentInputs): string | undefined {
  if (!hasAltText(job)) return undefined;
  const { campaign, translator, table } = inp;
  const lng = job.locale;
  const rtl = table.get(lng).dir === 'rtl';
  // In right-to-left text a phone number keeps its order (the + stays in front) when isolated.
  const number = rtl ? `\u2066${campaign.data.contact.hotline}\u2069` : campaign.data.contact.hotline;
  const message = (key: string) => (key in campaign.data.messages ? line(translator.text(lng, `campaign:${key}`)) : '');
  const parts: string[] = [];
  for (const p of job.pieces) {
    if (p.contentWarning !== 'none') parts.push(line(translator.text(lng, `common:content_warning.${p.contentWarning}`)));
    parts.push(`${line(translator.text(lng, 'common:testimony'))}: ${line(p.title)} (${line(p.displayName)})`);
    if (p.nameChangedNote) parts.push(line(translator.text(lng, 'common:name_changed')));
  }
  if (!job.pieces.length) parts.push(message('headline'), message('cta'));
  // Urdu ends a sentence with its own full stop; the other campaign languages with ".".
  const stop = lng === 'ur' || lng.startsWith('ur-') ? '\u06D4' : '.';
  const sentences = parts.filter(Boolean).map((s) => (/[.!?؟۔]$/u.test(s) ? s : `${s}${stop}`));
  // The number closes the text, unpunctuated, so that it is copied exactly.
  sentences.push(`${line(translator.text(lng, 'common:helpline'))}: ${number}`);
  return sentences.join(' ');
}
