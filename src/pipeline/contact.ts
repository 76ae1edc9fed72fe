import path from 'node:path';
import type { Campaign } from '../campaign/load.js';
import { asciiDigits } from '../campaign/phone.js';
import { CampaignPressError } from '../errors.js';
import { readTextInside } from '../util/files.js';
import { lineOfPath, type ParsedYaml, parseJsonStrict } from '../util/structured.js';

/**
 * Placeholder contact details: the template's `+000 000 000 000`, a hotline ending in seven
 * zeros, and the reserved example domains (RFC 2606: example.org/.com/.net, .example, .invalid,
 * .test, .localhost). A poster printed with one sends a person in danger nowhere, so each is a
 * warning naming file, line and field, and an error with --strict.
 */

/** A number with only zeros (`000`, `+000 000 000 000`), or whose last seven digits are zeros (`+964 750 000 0000`). */
export function isPlaceholderPhone(s: string): boolean {
  const digits = s.replace(/\D/g, '');
  return digits.length >= 3 && (/^0+$/.test(digits) || /0{7}$/.test(digits));
}

const RESERVED_HOST = /(^|\.)(example\.(org|com|net)|example|invalid|test|localhost)$/i;

export function isPlaceholderHost(host: string): boolean {
  return RESERVED_HOST.test(host.replace(/\.$/, ''));
}

/** Links, bare domains after a scheme, and e-mail addresses in free text whose host is reserved for examples. */
const URL_IN_TEXT = /\b(?:https?:\/\/|www\.)([\p{L}\p{N}.-]+)/giu;
const EMAIL_IN_TEXT = /[\p{L}\p{N}._%+-]+@([\p{L}\p{N}.-]+\.[\p{L}]{2,})/gu;
/** Phone-like runs: an optional +, then digits, spaces and hyphens, at least 6 digits. */
const PHONE_IN_TEXT = /\+?\d[\d \u00A0-]{4,}\d/g;

/** What in a piece of free text is a placeholder contact (the value as written), in order. */
export function placeholdersIn(raw: string): string[] {
  // Persian or Arabic-Indic zeros are zeros too; direction marks sit between digit groups.
  const text = asciiDigits(raw);
  const found: string[] = [];
  for (const m of text.matchAll(URL_IN_TEXT)) if (isPlaceholderHost(m[1]!)) found.push(m[0]);
  for (const m of text.matchAll(EMAIL_IN_TEXT)) if (isPlaceholderHost(m[1]!)) found.push(m[0]);
  for (const m of text.matchAll(PHONE_IN_TEXT)) {
    const digits = m[0].replace(/\D/g, '');
    // In running text only a number of zeros alone is clearly a placeholder (10 000 000 dinars is an amount).
    if (digits.length >= 6 && /^0+$/.test(digits)) found.push(m[0].trim());
  }
  return found;
}

function warning(value: string, where: { file: string; line?: number; field: string }): CampaignPressError {
  return new CampaignPressError('placeholder-contact', `${where.field} holds the placeholder "${value}"`, where);
}

/** Every placeholder contact in the campaign: contact fields, messages of each locale, Markdown bodies. */
export function placeholderContacts(campaign: Campaign, root: string, locales: readonly string[]): CampaignPressError[] {
  const out: CampaignPressError[] = [];
  const { hotline, url } = campaign.data.contact;
  if (isPlaceholderPhone(hotline))
    out.push(warning(hotline, { file: campaign.file, line: campaign.lineOf(['contact', 'hotline']), field: 'contact.hotline' }));
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  if (isPlaceholderHost(host))
    out.push(warning(url, { file: campaign.file, line: campaign.lineOf(['contact', 'url']), field: 'contact.url' }));
  for (const [key, text] of Object.entries(campaign.data.messages))
    for (const v of placeholdersIn(text))
      out.push(warning(v, { file: campaign.file, line: campaign.lineOf(['messages', key]), field: `messages.${key}` }));
  for (const l of locales) {
    if (l === campaign.data.source_locale) continue;
    out.push(...inLocaleFile(campaign, root, l));
  }
  const bodies: [string, string, number | undefined][] = [[campaign.body, campaign.file, campaign.bodyLine]];
  for (const [l, b] of campaign.bodies) if (locales.includes(l)) bodies.push([b.body, b.file, b.bodyLine]);
  for (const t of campaign.testimonies) {
    bodies.push([t.body, t.file, t.bodyLine]);
    for (const [l, tr] of t.translations) if (locales.includes(l)) bodies.push([tr.body, tr.file, tr.bodyLine]);
  }
  for (const [body, file, first] of bodies)
    body.split('\n').forEach((line, i) => {
      for (const v of placeholdersIn(line))
        out.push(warning(v, { file, line: first === undefined ? undefined : first + i, field: 'body' }));
    });
  return out;
}

/** locales/<l>/<campaign>.json, read again for the line of each string (the loaded messages keep no positions). */
function inLocaleFile(campaign: Campaign, root: string, locale: string): CampaignPressError[] {
  const messages = campaign.messages.get(locale);
  const file = campaign.messageFiles.get(locale);
  if (!messages || !file) return [];
  let parsed: ParsedYaml | undefined;
  try {
    const localesDir = path.join(root, 'locales');
    parsed = parseJsonStrict(readTextInside(localesDir, path.join(localesDir, locale, `${campaign.id}.json`)).text, file);
  } catch {
    // It parsed at load; if it changed since, the line is left out rather than the warning.
  }
  const out: CampaignPressError[] = [];
  const walk = (v: unknown, at: string[]) => {
    if (typeof v === 'string') {
      for (const p of placeholdersIn(v))
        out.push(warning(p, { file, line: parsed ? lineOfPath(parsed, at) : undefined, field: at.join('.') }));
    } else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(messages, []);
  return out;
}
