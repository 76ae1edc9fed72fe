/**
 * One error type, one catalog. Every problem a user can cause has a stable code, a message that
 * says what happened, a hint that says what to do, and where it happened (file:line, field).
 */

export const ExitCode = {
  ok: 0,
  internal: 1,
  invalidInput: 2,
  consentRefused: 3,
  renderFailed: 4,
  /** Stopped by SIGINT (the CLI answers SIGTERM with 143, as shells expect). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface Location {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

/** The catalog: code -> exit code class and the default hint. */
export const catalog = {
  usage: { exit: ExitCode.invalidInput, hint: 'Run `campaign-press --help` for the commands and their options.' },
  'path-not-found': { exit: ExitCode.invalidInput, hint: 'Check the path; relative paths start at the current folder.' },
  'path-outside': {
    exit: ExitCode.invalidInput,
    hint: 'Keep every file inside its folder (campaign, templates, locales); symbolic links out of it are refused.',
  },
  'file-too-large': { exit: ExitCode.invalidInput, hint: 'Input files are small text files; check that this is the file you meant.' },
  'text-encoding': {
    exit: ExitCode.invalidInput,
    hint: 'Save the file as UTF-8 (in Notepad: Save as, Encoding UTF-8); another encoding or a damaged file reads as wrong letters.',
  },
  'text-nul': { exit: ExitCode.invalidInput, hint: 'Remove the NUL byte; it is often left by a damaged copy or a UTF-16 export.' },
  'frontmatter-missing': { exit: ExitCode.invalidInput, hint: 'Start the file with a line `---`, the YAML settings, and another `---`.' },
  'frontmatter-language': {
    exit: ExitCode.invalidInput,
    hint: 'Only YAML frontmatter is accepted. Remove the language name after the opening `---`.',
  },
  'yaml-syntax': { exit: ExitCode.invalidInput, hint: 'Fix the YAML syntax at this line (indentation, quotes, a missing colon).' },
  'yaml-duplicate-key': { exit: ExitCode.invalidInput, hint: 'Each key may appear once; remove or rename the duplicate.' },
  'yaml-alias': { exit: ExitCode.invalidInput, hint: 'YAML anchors and aliases (&name, *name) are not accepted; write the value out.' },
  'json-syntax': { exit: ExitCode.invalidInput, hint: 'Fix the JSON syntax; a translation tool may have broken a quote or comma.' },
  'json-duplicate-key': { exit: ExitCode.invalidInput, hint: 'Each key may appear once in a JSON object.' },
  'schema-unknown-field': {
    exit: ExitCode.invalidInput,
    hint: 'Remove the field or fix its spelling; docs/FORMAT.md lists the accepted fields.',
  },
  'schema-missing-field': { exit: ExitCode.invalidInput, hint: 'Add the required field; docs/FORMAT.md section 2 shows an example.' },
  'schema-invalid': { exit: ExitCode.invalidInput, hint: 'Fix the value; docs/FORMAT.md section 2 lists what each field accepts.' },
  'id-mismatch': { exit: ExitCode.invalidInput, hint: 'The id must equal the folder or file name.' },
  'locale-unknown': { exit: ExitCode.invalidInput, hint: 'Use a code listed in locales/locales.json (for example en, ckb, ar, kmr).' },
  'locale-mismatch': {
    exit: ExitCode.invalidInput,
    hint: 'Give the locale the file is for with --as <locale> (locales import).',
  },
  'template-unknown': {
    exit: ExitCode.invalidInput,
    hint: 'Use a template folder that exists under templates/ (poster, leaflet, social-card, testimony-card).',
  },
  'format-unknown': { exit: ExitCode.invalidInput, hint: 'Use a format the template declares in its template.json.' },
  'template-invalid': { exit: ExitCode.invalidInput, hint: 'Fix the template; see templates/README.md for what templates may contain.' },
  'template-unsafe': {
    exit: ExitCode.invalidInput,
    hint: 'Templates may not contain raw HTML output, scripts, event handlers or literal URLs.',
  },
  'translation-missing': {
    exit: ExitCode.invalidInput,
    hint: 'Add the key to the locale file, or run `campaign-press locales check` to list every gap.',
  },
  'translation-placeholder': {
    exit: ExitCode.invalidInput,
    hint: 'Use exactly the {{placeholders}} the source text uses; they are not translated.',
  },
  'translation-stale': {
    exit: ExitCode.invalidInput,
    hint: 'The source text changed after translation. Update the translation, then record the new source with `campaign-press locales stamp`.',
  },
  'image-invalid': {
    exit: ExitCode.invalidInput,
    hint: 'Use a JPEG, PNG or WebP image under 40 megapixels that opens in an image viewer.',
  },
  'markdown-link': { exit: ExitCode.invalidInput, hint: 'Links may only use https:, tel: or mailto:.' },
  'consent-refused': {
    exit: ExitCode.consentRefused,
    hint: 'Build without it (--skip-refused), or re-confirm consent with the person through the protection focal point before publishing it.',
  },
  'denylist-input': {
    exit: ExitCode.invalidInput,
    hint: 'Rename it to something that does not identify the person. The term is not shown, so that it does not reach logs.',
  },
  'photo-misrouted': {
    exit: ExitCode.invalidInput,
    hint: 'Use another image here. A testimony photo appears only on its own testimony assets, as its consent allows.',
  },
  'render-glyph-fallback': {
    exit: ExitCode.renderFailed,
    hint: 'A character is not in the bundled fonts for this locale. Check the text for stray characters, or add a font to the locale in locales.json.',
  },
  'render-blocked-request': {
    exit: ExitCode.renderFailed,
    hint: 'Templates may only load bundled fonts and campaign images; remove the external reference.',
  },
  'render-overflow': {
    exit: ExitCode.renderFailed,
    hint: 'The text is too long for the format. Shorten it, or check the layout with the en-XA pseudo-locale.',
  },
  'render-hidden-text': {
    exit: ExitCode.renderFailed,
    hint: 'A word does not show on the page. Shorten the text so the boxes no longer meet, or fix the template (stacking, overflow, colours); see templates/README.md.',
  },
  'render-safe-area': {
    exit: ExitCode.renderFailed,
    hint: "The platform draws its own UI there (profile bar, reply field). Keep text, logo, QR code and hotline inside the format's safe_area (templates/<name>/template.json).",
  },
  'contrast-low': {
    exit: ExitCode.invalidInput,
    hint: 'Choose a brand colour with more contrast in campaign.md (brand), or accept the safer colour the build used.',
  },
  'render-timeout': {
    exit: ExitCode.renderFailed,
    hint: 'The page did not finish in time. Retry; if it persists, run `campaign-press doctor`.',
  },
  'render-failed': { exit: ExitCode.renderFailed, hint: 'Chromium could not render the page. Run `campaign-press doctor`.' },
  'browser-not-found': {
    exit: ExitCode.renderFailed,
    hint: 'Run `npm run setup` (installs Debian/Ubuntu chromium), or set CAMPAIGN_PRESS_CHROMIUM to a Chrome or Chromium binary.',
  },
  'key-unsafe': {
    exit: ExitCode.invalidInput,
    hint: 'Rename the key: __proto__, prototype and constructor cannot be parts of a translation key.',
  },
  'render-raw-syntax': {
    exit: ExitCode.renderFailed,
    hint: 'Remove the {{…}}, }} or $t( from that text: it is template syntax, not words to print.',
  },
  'output-unsafe': { exit: ExitCode.invalidInput, hint: 'Output paths must stay inside the output folder.' },
  'output-collision': {
    exit: ExitCode.invalidInput,
    hint: 'Two planned assets would be written to one file. Rename a format or a testimony, or remove the repeated output.',
  },
  'manifest-invalid': {
    exit: ExitCode.invalidInput,
    hint: 'The manifest was edited or damaged. Build again into a fresh output folder; never edit manifest.json by hand.',
  },
  'placeholder-contact': {
    exit: ExitCode.invalidInput,
    hint: 'Put the real helpline, address or e-mail here before publishing. Sample and test campaigns may keep example values; --strict refuses them.',
  },
  'browser-unreachable': {
    exit: ExitCode.renderFailed,
    hint: 'Check that the browser at --browser-endpoint (or CAMPAIGN_PRESS_BROWSER_ENDPOINT) runs and that this machine reaches it; leave the option out to start a local Chromium.',
  },
  'brand-unknown': {
    exit: ExitCode.invalidInput,
    hint: 'Name a kit that exists as brands/<id>.yaml at the top of the project, or write the brand inline (primary, accent, logo).',
  },
  'svg-unsafe': {
    exit: ExitCode.invalidInput,
    hint: 'Export the logo again as plain SVG (no scripts, links, embedded images or fonts); or use a PNG at 300 ppi.',
  },
  'image-resolution-low': {
    exit: ExitCode.invalidInput,
    hint: 'Use an SVG logo, or a PNG with more pixels: 300 ppi at the printed size.',
  },
  'hero-contrast': {
    exit: ExitCode.renderFailed,
    hint: 'Use treatment: duotone, or a darker primary colour in the brand; text over the hero image must stay readable.',
  },
  'variant-unknown': { exit: ExitCode.invalidInput, hint: 'Use a variant the template declares in its template.json.' },
  'release-unplanned': {
    exit: ExitCode.invalidInput,
    hint: 'Build the campaign again: a build removes what it no longer plans (a dropped locale, a withdrawn testimony, a renamed format). Never add files to the output folder by hand.',
  },
  interrupted: { exit: ExitCode.interrupted, hint: 'The build was stopped by a signal; run it again to finish.' },
  internal: { exit: ExitCode.internal, hint: 'This is a bug in campaign-press. Please report it with the command you ran.' },
  'testimony-unknown': {
    exit: ExitCode.invalidInput,
    hint: 'List the ids of files in testimonies/ (the file name without .md), each once.',
  },
  'photo-crop': {
    exit: ExitCode.invalidInput,
    hint: 'Set photo_focus (for example "50% 30%") on the point the crop must keep, or use a photo closer to the shape of its slot.',
  },
} as const satisfies Record<string, { exit: ExitCode; hint: string }>;

export type ErrorCode = keyof typeof catalog;

export class CampaignPressError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly location: Location;

  constructor(code: ErrorCode, message: string, location: Location = {}, hint?: string) {
    super(message);
    this.name = 'CampaignPressError';
    this.code = code;
    this.hint = hint ?? catalog[code].hint;
    this.location = location;
  }

  get exitCode(): ExitCode {
    return catalog[this.code].exit;
  }

  toJSON(): Problem {
    return toProblem(this);
  }
}

/** A problem as it appears in reports: errors and warnings share the shape. */
export interface Problem {
  code: string;
  message: string;
  hint: string;
  file?: string;
  line?: number;
  field?: string;
}

export function toProblem(e: CampaignPressError): Problem {
  const p: Problem = { code: e.code, message: e.message, hint: e.hint };
  if (e.location.file !== undefined) p.file = e.location.file;
  if (e.location.line !== undefined) p.line = e.location.line;
  if (e.location.field !== undefined) p.field = e.location.field;
  return p;
}

/** Several errors found in one pass (a validator reports everything, not just the first). */
export class ValidationErrors extends Error {
  readonly errors: CampaignPressError[];
  constructor(errors: CampaignPressError[]) {
    super(errors.map(formatProblemLine).join('\n'));
    this.name = 'ValidationErrors';
    this.errors = errors;
  }
  get exitCode(): ExitCode {
    return Math.max(...this.errors.map((e) => e.exitCode)) as ExitCode;
  }
}

export function formatLocation(loc: Location): string {
  let s = loc.file ?? '';
  if (loc.file && loc.line !== undefined) s += `:${loc.line}`;
  if (loc.field) s += s ? ` ${loc.field}` : loc.field;
  return s;
}

export function formatProblemLine(e: CampaignPressError): string {
  const where = formatLocation(e.location);
  return `${where ? where + ': ' : ''}${e.message}`;
}

/** Collects warnings instead of printing them from deep inside the pipeline. */
export class Diagnostics {
  readonly warnings: CampaignPressError[] = [];
  readonly errors: CampaignPressError[] = [];
  private readonly seen = new Set<string>();

  warn(e: CampaignPressError): void {
    const key = `${e.code}|${formatProblemLine(e)}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.warnings.push(e);
  }

  error(e: CampaignPressError): void {
    this.errors.push(e);
  }

  throwIfErrors(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new ValidationErrors(this.errors);
  }
}

/**
 * The exit class of a set of problems: the highest of their catalog classes (render 4 > consent
 * 3 > input 2), 0 when there are none. The CLI returns it; the pipeline only reports problems.
 */
export function exitCodeFor(problems: readonly { code: string }[]): ExitCode {
  let code: ExitCode = ExitCode.ok;
  for (const p of problems) {
    const entry = (catalog as Record<string, { exit: ExitCode } | undefined>)[p.code];
    code = Math.max(code, entry?.exit ?? ExitCode.internal) as ExitCode;
  }
  return code;
}

/** "Did you mean …?" for a misspelled name among `candidates` (edit distance, or a shared prefix), or undefined. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const x = input.toLowerCase();
  const scored = [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(x, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(1, Math.floor(c.length / 3)) || (x.length >= 3 && c.toLowerCase().startsWith(x)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c, 'en'))
    .slice(0, 3)
    .map(({ c }) => `"${c}"`);
  return scored.length ? `Did you mean ${scored.join(' or ')}?` : undefined;
}

/** Levenshtein distance, for "did you mean" on short names and codes. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

// Private-use characters: never in a message, so they mark where the asset and locale were.
const ASSET_MARK = '\uE000';
const LOCALE_MARK = '\uE001';
const ASSET_PATH = /\b([a-z]{2,3}(?:-[A-Z]{2})?)\/[\w.-]+\.(?:png|jpg|pdf)\b/g;

/**
 * One warning per problem, not per asset: warnings that differ only in the asset they name (and
 * that asset's locale) are merged, listing the locales and how many assets. "testimony t has no
 * ckb translation; it is left out of ckb/card-square-t.png", repeated for 3 locales and 2
 * formats, becomes one warning naming ckb, ar and fa and 6 assets.
 */
export function groupWarnings(warnings: readonly Problem[]): Problem[] {
  const groups = new Map<string, { first: Problem; template: string; locales: string[]; assets: string[] }>();
  const out: (Problem | string)[] = [];
  for (const w of warnings) {
    const assets = [...w.message.matchAll(ASSET_PATH)];
    const locale = assets[0]?.[1];
    if (!locale || assets.some((a) => a[1] !== locale)) {
      out.push(w);
      continue;
    }
    const template = w.message.replace(ASSET_PATH, ASSET_MARK).replace(new RegExp(`\\b${locale}\\b`, 'g'), LOCALE_MARK);
    const key = `${w.code}|${w.file ?? ''}|${w.field ?? ''}|${template}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: w, template, locales: [locale], assets: assets.map((a) => a[0]) });
      out.push(key);
      continue;
    }
    if (!g.locales.includes(locale)) g.locales.push(locale);
    for (const a of assets) if (!g.assets.includes(a[0])) g.assets.push(a[0]);
  }
  return out.map((x) => {
    if (typeof x !== 'string') return x;
    const g = groups.get(x)!;
    if (g.assets.length === 1) return g.first;
    const shown = `${g.assets.length} assets (${g.assets.slice(0, 2).join(', ')}${g.assets.length > 2 ? ', …' : ''})`;
    const message = g.template.split(LOCALE_MARK).join(g.locales.join(', ')).replace(ASSET_MARK, shown).split(ASSET_MARK).join('them');
    return { ...g.first, message };
  });
}
