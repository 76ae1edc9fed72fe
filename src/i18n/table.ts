import path from 'node:path';
import { z } from 'zod';
import { CampaignPressError, editDistance, type Location, ValidationErrors } from '../errors.js';
import { validate } from '../util/structured.js';
import { parseJsonStrict } from '../util/structured.js';
import { readTextInside } from '../util/files.js';

/**
 * The language table (locales/locales.json). Direction, script, digits, fallbacks, fonts and
 * plural rules come from here, never from ICU's or i18next's guesses (LOCALES.md).
 */

const code = z.string().regex(/^[a-z]{2,3}(?:-[A-Z]{2})?$/, 'use a bare code such as ckb; region tags are rewritten by i18next');

export const localeEntrySchema = z.strictObject({
  name: z.string().min(1),
  english: z.string().min(1),
  dir: z.enum(['ltr', 'rtl']),
  script: z.string().regex(/^[A-Z][a-z]{3}$/, 'use an ISO 15924 script code such as Arab, Latn, Cyrl'),
  numbering: z.enum(['latn', 'arab', 'arabext']),
  fallback: z.array(code),
  fonts: z.array(z.string().min(1)).min(1),
  /** Headline fonts, when they differ from the text fonts (one display family for Arabic-script locales). */
  display_fonts: z.array(z.string().min(1)).min(1).optional(),
  plural_rules_from: code.nullable(),
  status: z.enum(['stable', 'reviewed', 'machine-drafted', 'pseudo']),
  /** Minimum CSS line-height for the script (Nastaliq needs 2 or it clips). */
  line_height: z.number().min(1).max(3).optional(),
  /** Type size relative to other scripts: Nastaliq at line-height 2.2 is set smaller than Naskh. */
  type_scale: z.number().min(0.5).max(1.5).optional(),
  note: z.string().optional(),
  /** BCP 47 tags that translation tools write for this language (fa-AF for Dari, ckb-IQ, ku-Arab…). */
  tags: z.array(z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'use a BCP 47 tag such as fa-AF')).optional(),
});
export type LocaleEntry = z.infer<typeof localeEntrySchema> & { code: string };

export const localeTableSchema = z.record(code, localeEntrySchema);

export class LocaleTable {
  constructor(
    readonly entries: ReadonlyMap<string, LocaleEntry>,
    readonly file: string,
  ) {}

  get codes(): string[] {
    return [...this.entries.keys()];
  }

  has(c: string): boolean {
    return this.entries.has(c);
  }

  get(c: string): LocaleEntry {
    const e = this.entries.get(c);
    if (!e) throw new CampaignPressError('locale-unknown', `unknown locale "${c}"`, { file: this.file });
    return e;
  }

  /**
   * The project locale a BCP 47 tag from a CAT tool means: the code itself, a tag listed in
   * locales.json (`fa-AF` is Dari, prs, not Persian), or a tag whose language subtag is a code
   * and that no entry claims (`ar-IQ` is ar). Undefined when nothing matches.
   */
  resolveTag(tag: string): string | undefined {
    const t = tag.trim().replace(/_/g, '-').toLowerCase();
    for (const e of this.entries.values()) if (e.code.toLowerCase() === t) return e.code;
    for (const e of this.entries.values()) if (e.tags?.some((x) => x.toLowerCase() === t)) return e.code;
    const lang = t.split('-')[0]!;
    const base = [...this.entries.values()].find((e) => e.code === lang && e.status !== 'pseudo');
    return base?.code;
  }

  /** "Did you mean" for an unknown code: close codes, tags and language names, with their names. */
  suggest(input: string): string | undefined {
    const x = input.trim().toLowerCase();
    if (!x) return undefined;
    const scored: { code: string; score: number }[] = [];
    for (const e of this.entries.values()) {
      if (e.status === 'pseudo') continue;
      const names = [e.code, ...(e.tags ?? []), e.english, e.name].map((n) => n.toLowerCase());
      let best = Math.min(...names.map((n) => editDistance(x, n)));
      if (x.length >= 3 && names.some((n) => n.startsWith(x) || n.split(/[\s(),/-]+/).includes(x))) best = 0;
      if (best <= Math.max(1, Math.floor(x.length / 4))) scored.push({ code: e.code, score: best });
    }
    scored.sort((a, b) => a.score - b.score || a.code.localeCompare(b.code));
    const picks = scored.slice(0, 3).map((s) => `${s.code} (${this.get(s.code).english})`);
    return picks.length ? `Did you mean ${picks.join(' or ')}?` : undefined;
  }

  /** The error for a code this table does not know, with a "did you mean" when one is close. */
  unknownLocale(input: string, where: Location, what = 'locale'): CampaignPressError {
    const tagged = this.resolveTag(input);
    const hint =
      tagged && tagged !== input
        ? `"${input}" is a language tag; this project calls it ${tagged} (${this.get(tagged).english}).`
        : this.suggest(input);
    return new CampaignPressError('locale-unknown', `unknown ${what} "${input}"${hint ? `. ${hint}` : ''}`, where);
  }

  /** The code whose CLDR plural rules apply (Tajik has none in CLDR: it borrows Persian's). */
  pluralCode(c: string): string {
    return this.get(c).plural_rules_from ?? c;
  }

  /** Fallback chain for a locale, without repeats (the locale itself first). */
  chain(c: string): string[] {
    const out: string[] = [];
    const visit = (x: string) => {
      if (out.includes(x)) return;
      out.push(x);
      for (const f of this.entries.get(x)?.fallback ?? []) visit(f);
    };
    visit(c);
    return out;
  }
}

export function loadLocaleTable(localesDir: string): LocaleTable {
  const file = path.join(localesDir, 'locales.json');
  let text: string;
  try {
    text = readTextInside(localesDir, file, { rootName: 'the locales folder' }).text;
  } catch (e) {
    if (!(e instanceof CampaignPressError && e.code === 'path-not-found')) throw e;
    throw new CampaignPressError(
      'path-not-found',
      `no language table at ${file}`,
      { file },
      'Run campaign-press in the project folder (the one with locales/), or pass --root.',
    );
  }
  const parsed = parseJsonStrict(text, file);
  const { value, errors } = validate(localeTableSchema, parsed);
  if (!value) throw new ValidationErrors(errors);
  const entries = new Map<string, LocaleEntry>();
  const problems: CampaignPressError[] = [];
  for (const [c, e] of Object.entries(value)) {
    entries.set(c, { ...e, code: c });
  }
  for (const [c, e] of entries) {
    for (const f of e.fallback) {
      if (!entries.has(f))
        problems.push(
          new CampaignPressError('locale-unknown', `fallback "${f}" of ${c} is not in the table`, { file, field: `${c}.fallback` }),
        );
    }
    const pluralFrom = e.plural_rules_from ?? c;
    if (Intl.PluralRules.supportedLocalesOf([pluralFrom]).length === 0) {
      problems.push(
        new CampaignPressError(
          'schema-invalid',
          `ICU has no plural rules for "${pluralFrom}" (it would silently use the machine's locale)`,
          { file, field: `${c}.plural_rules_from` },
          'Set plural_rules_from to a language with the same plural rules (Tajik uses "fa").',
        ),
      );
    }
  }
  if (problems.length) throw new ValidationErrors(problems);
  return new LocaleTable(entries, file);
}

/** CLDR plural categories of a locale, in CLDR order, from the same rules the build uses. */
const ORDER = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
export function pluralCategories(table: LocaleTable, c: string): string[] {
  const cats = new Intl.PluralRules(table.pluralCode(c)).resolvedOptions().pluralCategories as string[];
  return ORDER.filter((x) => cats.includes(x));
}

export function selectPlural(table: LocaleTable, c: string, n: number): string {
  return new Intl.PluralRules(table.pluralCode(c)).select(n);
}

/** A BCP 47 tag carrying the locale's numbering system, for Intl formatters. */
export function intlTag(entry: LocaleEntry): string {
  const base =
    entry.plural_rules_from && Intl.NumberFormat.supportedLocalesOf([entry.code]).length === 0 ? entry.plural_rules_from : entry.code;
  return `${base}-u-nu-${entry.numbering}`;
}

export function formatNumber(entry: LocaleEntry, n: number): string {
  return new Intl.NumberFormat(intlTag(entry), { useGrouping: true }).format(n);
}

export function formatDate(entry: LocaleEntry, isoDate: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  return new Intl.DateTimeFormat(intlTag(entry), {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
    calendar: 'gregory',
  }).format(d);
}
