import i18next, { type i18n as I18n, type Resource, type ResourceLanguage } from 'i18next';
import { CampaignPressError, type Diagnostics } from '../errors.js';
import { escapeHtml } from '../util/html.js';
import { RAW_SYNTAX_RE } from './keys.js';
import { formatNumber, type LocaleTable } from './table.js';

/**
 * Labels and campaign messages through i18next: lookup, namespaces, plural forms, `$t()` nesting,
 * fallback chains and interpolation are i18next's, configured once here:
 * - plural rules come from locales.json (`plural_rules_from`: Tajik borrows Persian's, because ICU
 *   has none for it and would silently use the machine's locale);
 * - fallbacks follow each locale's `fallback` chain, and a fallback is a warning, marked in the page
 *   with its own language and direction;
 * - the HTML instance holds the strings HTML-escaped, and isolates every value in `<bdi>`, with
 *   numbers in the locale's digits;
 * - a missing key, a missing `$t()` target or an unknown `{{placeholder}}` (in any letters) is an
 *   error, never ink on a poster; `{{- raw}}` gets no special meaning, so nothing is unescaped.
 */

export type Values = Record<string, string | number>;

export interface TranslateOptions {
  count?: number;
  values?: Values;
}

/** What i18next returns for a key it does not have (parseMissingKeyHandler), also inside nesting. */
const MISSING = '\u0000campaign-press:missing\u0000';
/** An unescape prefix that no text contains: every value is escaped and isolated. */
const NO_UNESCAPE = '\u0000campaign-press:no-unescape\u0000';

interface Lookup {
  text: string;
  lng: string;
}

export class Translator {
  private readonly markup: I18n;
  private readonly plain: I18n;
  /** The string being resolved, for messages raised from inside i18next's callbacks. */
  private current: { lng: string; key: string } = { lng: '', key: '' };

  constructor(
    readonly table: LocaleTable,
    resources: Resource,
    private readonly diagnostics: Diagnostics,
  ) {
    this.markup = this.instance(mapStrings(resources, escapeHtml) as Resource, (v) => `<bdi>${escapeHtml(v)}</bdi>`);
    this.plain = this.instance(resources, (v) => v);
  }

  private instance(resources: Resource, isolate: (v: string) => string): I18n {
    const inst = i18next.createInstance();
    const first = Object.values(resources)[0] ?? { common: {} };
    void inst.init({
      resources,
      lng: Object.keys(resources)[0] ?? 'en',
      fallbackLng: (code: string) => this.table.chain(code).slice(1),
      ns: Object.keys(first),
      defaultNS: 'common',
      load: 'currentOnly',
      initAsync: false,
      returnEmptyString: false,
      returnNull: false,
      returnObjects: false,
      parseMissingKeyHandler: () => MISSING,
      missingInterpolationHandler: (_text: string, match: RegExpExecArray) => {
        this.unknownPlaceholder(this.current.lng, this.current.key, (match[1] ?? '').trim());
        return '';
      },
      interpolation: {
        escapeValue: true,
        escape: isolate,
        unescapePrefix: NO_UNESCAPE,
      },
    });
    // i18next asks Intl.PluralRules for the code it is given; give it the code whose rules apply.
    const resolver = inst.services.pluralResolver as { getRule: (code: string, options?: object) => unknown };
    const getRule = resolver.getRule.bind(resolver);
    resolver.getRule = (code, options) => getRule(this.table.has(code) ? this.table.pluralCode(code) : code, options);
    return inst;
  }

  /** HTML for a label: escaped, values isolated, digits localized, foreign-language fallbacks marked. */
  html(lng: string, key: string, opts: TranslateOptions = {}): string {
    const found = this.lookup(this.markup, lng, key, opts);
    if (!found) return '';
    if (found.lng !== lng) {
      const e = this.table.get(found.lng);
      return `<span lang="${found.lng}" dir="${e.dir}" class="fallback-text">${found.text}</span>`;
    }
    return found.text;
  }

  /** Plain text (no markup) for places like alt text and PDF metadata. */
  text(lng: string, key: string, opts: TranslateOptions = {}): string {
    return this.lookup(this.plain, lng, key, opts)?.text ?? '';
  }

  private lookup(inst: I18n, lng: string, key: string, opts: TranslateOptions): Lookup | undefined {
    const [ns, k] = splitKey(key);
    // Values live on an object without a prototype ({{constructor}} must not find Object's), and
    // numbers are written in the locale's digits before i18next sees them; `count` stays a number
    // in the options, where it picks the plural form.
    const entry = this.table.get(lng);
    const replace: Record<string, string> = Object.create(null);
    for (const [name, v] of Object.entries(opts.values ?? {})) replace[name] = typeof v === 'number' ? formatNumber(entry, v) : v;
    if (opts.count !== undefined) replace.count = formatNumber(entry, opts.count);
    this.current = { lng, key };
    const details = inst.t(k, {
      lng,
      ns,
      replace,
      ...(opts.count !== undefined ? { count: opts.count } : {}),
      returnDetails: true,
    } as never) as unknown as { res: unknown; usedLng?: string };
    const res = details.res;
    if (typeof res !== 'string' || res === MISSING) {
      this.diagnostics.error(
        new CampaignPressError('translation-missing', `"${key}" is missing in ${lng} and in all its fallbacks`, {
          file: localeFile(lng, key),
          field: key,
        }),
      );
      return undefined;
    }
    let text = res;
    if (text.includes(MISSING)) {
      this.diagnostics.error(
        new CampaignPressError('translation-missing', `"${key}" in ${lng} nests a $t() key that exists in no fallback`, {
          file: localeFile(lng, key),
          field: key,
        }),
      );
      text = text.split(MISSING).join('');
    }
    const used = details.usedLng && this.table.has(details.usedLng) ? details.usedLng : lng;
    if (used !== lng) {
      this.diagnostics.warn(
        new CampaignPressError('translation-missing', `"${key}" has no ${lng} translation; the ${used} text is used`, {
          file: localeFile(lng, key),
          field: key,
        }),
      );
    }
    this.refuseRawSyntax(used, key, text.replace(/<[^>]*>/g, ''));
    return { text, lng: used };
  }

  private unknownPlaceholder(lng: string, key: string, name: string): void {
    this.diagnostics.error(
      new CampaignPressError(
        'translation-placeholder',
        `unknown placeholder {{${name}}} in ${lng} "${key}"`,
        { file: localeFile(lng, key), field: key },
        'Placeholders are not translated: copy {{count}}, {{name}}… from the source text exactly, in Latin letters.',
      ),
    );
  }

  /** Braces or $t( left after interpolation (a broken or half-translated placeholder) never print. */
  private refuseRawSyntax(lng: string, key: string, out: string): void {
    if (!RAW_SYNTAX_RE.test(out)) return;
    this.diagnostics.error(
      new CampaignPressError(
        'translation-placeholder',
        `${lng} "${key}" would print template syntax ("${out.slice(0, 60)}")`,
        { file: localeFile(lng, key), field: key },
        'Write placeholders exactly as the source does ({{count}}), with both braces, and $t(key) only as the source does.',
      ),
    );
  }
}

/** A copy of i18next resources with every string passed through `f`, on prototype-free objects. */
function mapStrings(node: unknown, f: (s: string) => string): unknown {
  if (typeof node === 'string') return f(node);
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(node as ResourceLanguage)) out[k] = mapStrings(v, f);
  return out;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return i < 0 ? ['common', key] : [key.slice(0, i), key.slice(i + 1)];
}

function localeFile(lng: string, key: string): string {
  const [ns] = splitKey(key);
  return `locales/${lng}/${ns === 'campaign' ? '<campaign>' : ns}.json`;
}
