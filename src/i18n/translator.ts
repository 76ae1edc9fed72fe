import i18next, { type i18n as I18n, type Resource } from 'i18next';
import { CampaignPressError, type Diagnostics } from '../errors.js';
import { escapeHtml } from '../util/html.js';
import { RAW_SYNTAX_RE } from './keys.js';
import { formatNumber, selectPlural, type LocaleTable } from './table.js';

/**
 * Labels and campaign messages, resolved by a fresh i18next instance per build.
 *
 * i18next finds the string (namespaces, nested keys, empty strings treated as missing). We pick the
 * plural suffix ourselves from locales.json's plural rules (Tajik borrows Persian's; ICU has none
 * for it and i18next would silently use the machine's locale), and interpolate ourselves so that
 * the text is HTML-escaped, every value is bidi-isolated, numbers use the locale's digits, and a
 * misspelled {{placeholder}} or a missing $t() target is an error rather than ink on a poster.
 */

export type Values = Record<string, string | number>;

export interface TranslateOptions {
  count?: number;
  values?: Values;
}

// Any {{…}} whatever its letters (see PLACEHOLDER_RE); one capture group, the name.
const PLACEHOLDER = /\{\{\s*-?\s*([^{}\s,][^{},]*?)\s*(?:,[^{}]*)?\}\}/g;
const MISSING = '\u0000campaign-press:missing\u0000';
const NESTING = /\$t\(\s*([A-Za-z0-9_.:-]+)\s*\)/g;

export class Translator {
  private readonly i18n: I18n;

  constructor(
    readonly table: LocaleTable,
    resources: Resource,
    private readonly diagnostics: Diagnostics,
  ) {
    this.i18n = i18next.createInstance();
    void this.i18n.init({
      resources,
      lng: 'en',
      fallbackLng: false,
      ns: Object.keys(Object.values(resources)[0] ?? { common: {} }),
      defaultNS: 'common',
      returnEmptyString: false,
      returnNull: false,
      load: 'currentOnly',
      initAsync: false,
      interpolation: { escapeValue: false },
    });
  }

  /** The raw translated string of `ns:key` in exactly this locale, or undefined. */
  raw(lng: string, key: string, count?: number): string | undefined {
    const [ns, k] = splitKey(key);
    const full = count === undefined ? k : `${k}_${selectPlural(this.table, lng, count)}`;
    // A sentinel default tells "missing" (or empty: returnEmptyString is false) apart from a
    // translation, without ever mistaking the key i18next returns for text.
    const res = this.i18n.t(full, {
      lng,
      ns,
      fallbackLng: false,
      skipInterpolation: true,
      returnObjects: false,
      defaultValue: MISSING,
    } as never) as unknown;
    return typeof res === 'string' && res !== MISSING && res.length > 0 ? res : undefined;
  }

  /** Resolve through the locale's fallback chain; reports fallbacks as warnings, absence as an error. */
  resolve(lng: string, key: string, count?: number): { text: string; lng: string } | undefined {
    for (const l of this.table.chain(lng)) {
      const text = this.raw(l, key, count);
      if (text !== undefined) {
        if (l !== lng) {
          this.diagnostics.warn(
            new CampaignPressError('translation-missing', `"${key}" has no ${lng} translation; the ${l} text is used`, {
              file: localeFile(lng, key),
              field: key,
            }),
          );
        }
        return { text, lng: l };
      }
    }
    this.diagnostics.error(
      new CampaignPressError('translation-missing', `"${key}" is missing in ${lng} and in all its fallbacks`, {
        file: localeFile(lng, key),
        field: key,
      }),
    );
    return undefined;
  }

  /** HTML for a label: escaped, values isolated, digits localized, foreign-language fallbacks marked. */
  html(lng: string, key: string, opts: TranslateOptions = {}, depth = 0): string {
    const found = this.resolve(lng, key, opts.count);
    if (!found) return '';
    const values: Values = { ...(opts.values ?? {}) };
    if (opts.count !== undefined) values.count = opts.count;
    const out = this.interpolate(found.lng, key, found.text, values, depth);
    if (found.lng !== lng) {
      const e = this.table.get(found.lng);
      return `<span lang="${found.lng}" dir="${e.dir}" class="fallback-text">${out}</span>`;
    }
    return out;
  }

  /** Plain text (no markup) for places like alt text and PDF metadata. */
  text(lng: string, key: string, opts: TranslateOptions = {}): string {
    const found = this.resolve(lng, key, opts.count);
    if (!found) return '';
    const entry = this.table.get(lng);
    const out = found.text.replace(NESTING, '').replace(PLACEHOLDER, (_m, name: string) => {
      const v = name === 'count' ? opts.count : opts.values && Object.hasOwn(opts.values, name) ? opts.values[name] : undefined;
      if (v === undefined) this.unknownPlaceholder(found.lng, key, name);
      return v === undefined ? '' : typeof v === 'number' ? formatNumber(entry, v) : v;
    });
    this.refuseRawSyntax(found.lng, key, out);
    return out;
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

  private interpolate(lng: string, key: string, text: string, values: Values, depth: number): string {
    const entry = this.table.get(lng);
    const parts: string[] = [];
    let last = 0;
    const re = new RegExp(`${NESTING.source}|${PLACEHOLDER.source}`, 'g');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      parts.push(escapeHtml(text.slice(last, m.index)));
      last = m.index + m[0].length;
      const nested = m[1];
      const name = m[2];
      if (nested !== undefined) {
        if (depth > 4) {
          this.diagnostics.error(
            new CampaignPressError('translation-placeholder', `$t() nesting is too deep at "${key}"`, {
              file: localeFile(lng, key),
              field: key,
            }),
          );
          continue;
        }
        const target = nested.includes(':') ? nested : `${splitKey(key)[0]}:${nested}`;
        parts.push(this.html(lng, target, {}, depth + 1));
      } else if (name !== undefined) {
        const v = Object.hasOwn(values, name) ? values[name] : undefined;
        if (v === undefined) {
          this.unknownPlaceholder(lng, key, name);
          continue;
        }
        const shown = typeof v === 'number' ? formatNumber(entry, v) : v;
        parts.push(`<bdi>${escapeHtml(shown)}</bdi>`);
      }
    }
    parts.push(escapeHtml(text.slice(last)));
    const out = parts.join('');
    this.refuseRawSyntax(lng, key, out.replace(/<[^>]*>/g, ''));
    return out;
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return i < 0 ? ['common', key] : [key.slice(0, i), key.slice(i + 1)];
}

function localeFile(lng: string, key: string): string {
  const [ns] = splitKey(key);
  return `locales/${lng}/${ns === 'campaign' ? '<campaign>' : ns}.json`;
}
