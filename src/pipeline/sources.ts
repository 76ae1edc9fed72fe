import path from 'node:path';
import type { Campaign } from '../campaign/load.js';
import type { LocaleTable } from '../i18n/table.js';
import type { RenderJob } from './plan.js';

/**
 * Where a string on the page comes from, so that a layout error can say which file and key to
 * cut: templates mark their text blocks with data-source="campaign:headline" (or common:…,
 * testimony:quote with data-testimony), and the page string carries the file instead. Pure.
 */
export function resolveSource(key: string, testimony: string | undefined, job: RenderJob, campaign: Campaign, table: LocaleTable): string {
  const [ns, field] = key.split(':') as [string, string | undefined];
  if (!field) return key;
  if (ns === 'testimony') {
    const piece = job.pieces.find((p) => p.id === testimony);
    return piece ? `${piece.bodyFile} ${field}` : `testimony ${testimony ?? '?'} ${field}`;
  }
  if (ns === 'campaign' && field === 'body') {
    const file = job.locale === campaign.data.source_locale ? campaign.file : (campaign.bodies.get(job.locale)?.file ?? campaign.file);
    return `${file} body`;
  }
  // The first locale of the fallback chain that has the key is the one whose file to edit.
  for (const l of table.chain(job.locale)) {
    if (ns === 'campaign') {
      if (!Object.hasOwn(campaign.messages.get(l) ?? {}, field)) continue;
      if (l === campaign.data.source_locale) return `${campaign.file} messages.${field}`;
      return `${path.join('locales', l, `${campaign.id}.json`)} ${field}`;
    }
    return `${path.join('locales', l, 'common.json')} ${field}`;
  }
  return key;
}

/** Replace each data-source key in a rendered body by the file and key it came from. */
export function markSources(html: string, resolve: (key: string, testimony: string | undefined) => string): string {
  return html.replace(
    /data-source="([a-z]+:[a-z_]+)"(\s+data-testimony="([a-z0-9-]+)")?/g,
    (_m, key: string, t: string | undefined, id: string | undefined) =>
      `data-source="${resolve(key, id).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}"${t ?? ''}`,
  );
}
