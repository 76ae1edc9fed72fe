import path from 'node:path';
import type { Resource } from 'i18next';
import { type Campaign, loadCampaign } from '../../campaign/load.js';
import { openParseCache } from '../../campaign/parse-cache.js';
import { resolveGateDates } from '../../consent/dates.js';
import { CampaignPressError, didYouMean, ValidationErrors } from '../../errors.js';
import { LABEL_SOURCE } from '../../i18n/keys.js';
import { isPseudo, type PseudoLocale, pseudoMarkdown, pseudoResources, pseudoText } from '../../i18n/pseudo.js';
import { type LocaleTable, loadLocaleTable } from '../../i18n/table.js';
import { listTemplates, loadTemplate, type Template } from '../../templates/engine.js';
import { renderMarkdown } from '../../templates/markdown.js';
import { displayPath, readTextInside, sha256 } from '../../util/files.js';
import { parseJsonStrict } from '../../util/structured.js';

/**
 * The load step: read the project, check the options against it, and fix the build's scope
 * (locales, regions, --only, the date). Nothing here renders or touches the output folder.
 */

export interface LoadedProject {
  table: LocaleTable;
  campaign: Campaign;
  templates: Map<string, Template>;
}

export interface Shard {
  index: number;
  count: number;
}

/** What one build covers, after the options were checked against the campaign. */
export interface BuildScope {
  /** Gate date for expires_on and review_by; without --as-of, the latest date anywhere (FORMAT.md 4.1). */
  asOf: string;
  /** Gate date for granted_on; without --as-of, the earliest date anywhere. */
  asOfEarliest: string;
  locales: string[];
  regions: string[];
  only: { template: string; format?: string }[];
  shard?: Shard;
}

/**
 * Which shard an asset belongs to: by a hash of its path, so that shards are disjoint, cover
 * everything, and an asset stays in its shard when the plan around it changes.
 */
export function inShard(relPath: string, shard: Shard): boolean {
  return Number.parseInt(sha256(relPath).slice(0, 8), 16) % shard.count === shard.index - 1;
}

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new CampaignPressError(
      'usage',
      `--shard ${s} is not K/N with 1 <= K <= N`,
      { field: '--shard' },
      'For a matrix of 3 machines use --shard 1/3, --shard 2/3 and --shard 3/3.',
    );
  return { index, count };
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Load and cross-check everything a build needs; throws ValidationErrors listing every problem.
 * `parseCache`: reuse the parsed and validated testimony files of earlier builds (campaign/parse-cache.ts).
 */
export function loadProject(root: string, campaignDir: string, opts: { parseCache?: boolean } = {}): LoadedProject {
  const localesDir = path.join(root, 'locales');
  const table = loadLocaleTable(localesDir);
  const cache = opts.parseCache ? openParseCache(campaignDir) : undefined;
  let campaign: Campaign;
  let complete = false;
  try {
    campaign = loadCampaign(campaignDir, table, localesDir, { cache });
    complete = true;
  } finally {
    // Also after an error: the files that parsed need not be parsed again once it is fixed.
    cache?.save(complete);
  }
  const templates = new Map<string, Template>();
  const errors: CampaignPressError[] = [];
  campaign.data.outputs.forEach((o, i) => {
    try {
      const t =
        templates.get(o.template) ??
        loadTemplate(path.join(root, 'templates'), o.template, {
          file: campaign.file,
          line: campaign.lineOf(['outputs', i, 'template']),
          field: `outputs[${i}].template`,
        });
      templates.set(o.template, t);
      (o.formats ?? []).forEach((f, j) => {
        if (!t.formats.has(f)) {
          errors.push(
            new CampaignPressError(
              'format-unknown',
              `template "${t.name}" has no format "${f}"`,
              { file: campaign.file, line: campaign.lineOf(['outputs', i, 'formats', j]), field: `outputs[${i}].formats[${j}]` },
              `Use one of: ${[...t.formats.keys()].join(', ')}.`,
            ),
          );
        }
      });
      if (o.variant !== undefined && !t.variants.includes(o.variant)) {
        errors.push(
          new CampaignPressError(
            'variant-unknown',
            `template "${t.name}" has no variant "${o.variant}"`,
            { file: campaign.file, line: campaign.lineOf(['outputs', i, 'variant']), field: `outputs[${i}].variant` },
            [
              didYouMean(o.variant, t.variants),
              t.variants.length ? `Use one of: ${t.variants.join(', ')}.` : `"${t.name}" has one layout; remove variant.`,
            ]
              .filter(Boolean)
              .join(' '),
          ),
        );
      }
      if (o.for_each === 'testimony' && t.testimonies !== 'each') {
        errors.push(
          new CampaignPressError(
            'schema-invalid',
            `template "${t.name}" does not make one asset per testimony`,
            { file: campaign.file, line: campaign.lineOf(['outputs', i, 'for_each']), field: `outputs[${i}].for_each` },
            'Remove for_each, or use testimony-card.',
          ),
        );
      }
      errors.push(...checkTestimonyList(campaign, o.testimonies, t, i));
    } catch (e) {
      if (e instanceof ValidationErrors) errors.push(...e.errors);
      else if (e instanceof CampaignPressError && e.code === 'template-unknown') errors.push(withTemplateGuess(e, o.template, root));
      else if (e instanceof CampaignPressError) errors.push(e);
      else throw e;
    }
  });
  // Markdown bodies: links and images are checked here, where the file is known.
  const md: [string, string, number | undefined][] = [[campaign.body, campaign.file, campaign.bodyLine]];
  for (const b of campaign.bodies.values()) md.push([b.body, b.file, b.bodyLine]);
  for (const t of campaign.testimonies) {
    md.push([t.body, t.file, t.bodyLine]);
    for (const tr of t.translations.values()) md.push([tr.body, tr.file, tr.bodyLine]);
  }
  for (const [src, file, line] of md) {
    const r = renderMarkdown(src);
    r.problems.forEach((p, i) => {
      errors.push(
        new CampaignPressError('markdown-link', p, { file, line: line === undefined ? undefined : line + r.lines[i]!, field: 'body' }),
      );
    });
  }
  if (errors.length) throw new ValidationErrors(errors);
  return { table, campaign, templates };
}

/**
 * `outputs[i].testimonies`: ids of testimony files, each once, on a template that shows testimonies.
 * An id that names no file (a story removed after a withdrawal, a typo) stops the build: the output
 * would silently show other stories than the ones its author chose.
 */
function checkTestimonyList(campaign: Campaign, list: readonly string[] | undefined, t: Template, i: number): CampaignPressError[] {
  if (list === undefined) return [];
  const at = (j?: number) => ({
    file: campaign.file,
    line: campaign.lineOf(j === undefined ? ['outputs', i, 'testimonies'] : ['outputs', i, 'testimonies', j]),
    field: j === undefined ? `outputs[${i}].testimonies` : `outputs[${i}].testimonies[${j}]`,
  });
  if (t.testimonies === 'none')
    return [
      new CampaignPressError(
        'testimony-unknown',
        `template "${t.name}" shows no testimonies`,
        at(),
        'Remove testimonies from this output, or use leaflet or testimony-card.',
      ),
    ];
  const known = campaign.testimonies.map((x) => x.id);
  const errors: CampaignPressError[] = [];
  list.forEach((id, j) => {
    if (!known.includes(id)) {
      const guess = didYouMean(id, known);
      errors.push(
        new CampaignPressError(
          'testimony-unknown',
          `no testimony "${id}" in testimonies/`,
          at(j),
          [
            guess,
            known.length
              ? `Testimonies: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}.`
              : 'The campaign has no testimonies.',
          ]
            .filter(Boolean)
            .join(' '),
        ),
      );
    } else if (list.indexOf(id) !== j) {
      errors.push(new CampaignPressError('testimony-unknown', `testimony "${id}" is listed twice`, at(j), 'List each testimony once.'));
    }
  });
  return errors;
}

/** "unknown template "postr"" gets "Did you mean "poster"?" in front of its list of templates. */
function withTemplateGuess(e: CampaignPressError, name: string, root: string): CampaignPressError {
  const guess = didYouMean(name, listTemplates(path.join(root, 'templates')));
  if (!guess) return e;
  return new CampaignPressError(
    e.code,
    `${e.message}; ${guess.charAt(0).toLowerCase()}${guess.slice(1)}`,
    e.location,
    `${guess} ${e.hint}`,
  );
}

/** Give the loaded campaign pseudo-translations (description and testimonies) for a pseudo-locale. */
function addPseudoLocale(campaign: Campaign, l: PseudoLocale): void {
  campaign.bodies.set(l, { body: pseudoMarkdown(l, campaign.body), file: campaign.file, status: 'draft', stale: false });
  for (const t of campaign.testimonies) {
    const d = t.data;
    t.translations.set(l, {
      translation_of: t.id,
      source_sha256: t.sha256,
      status: 'draft',
      title: pseudoText(l, d.title),
      quote: d.quote === undefined ? undefined : pseudoText(l, d.quote),
      paraphrase: d.paraphrase === undefined ? undefined : pseudoText(l, d.paraphrase),
      body: pseudoMarkdown(l, t.body),
      file: t.file,
      stale: false,
    });
  }
}

export function loadResources(root: string, table: LocaleTable, campaign: Campaign, locales: string[]): Resource {
  const resources: Resource = {};
  const needed = new Set(locales.flatMap((l) => table.chain(l)));
  for (const l of needed) {
    if (isPseudo(l)) {
      const en = parseJsonStrict(
        readTextInside(path.join(root, 'locales'), path.join(LABEL_SOURCE, 'common.json')).text,
        `locales/${LABEL_SOURCE}/common.json`,
      ).data;
      resources[l] = pseudoResources(table, l, en, campaign.messages.get(campaign.data.source_locale) ?? {});
      continue;
    }
    const file = path.join(root, 'locales', l, 'common.json');
    let common: Record<string, unknown> = {};
    try {
      common = parseJsonStrict(readTextInside(path.join(root, 'locales'), file).text, displayPath(file)).data as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof CampaignPressError)) throw e;
      if (e.code !== 'path-not-found') throw e;
    }
    resources[l] = { common, campaign: (campaign.messages.get(l) ?? {}) as Record<string, string> };
  }
  return resources;
}

/** "Did you mean x? Use one of: …" */
function withSuggestion(input: string, choices: string[]): string {
  const guess = didYouMean(input, choices);
  return `${guess ? `${guess} ` : ''}Use one of: ${choices.join(', ')}.`;
}

/** A build date: YYYY-MM-DD and a real day (2026-02-30 is not). */
export function parseAsOf(asOf: string): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? new Date(`${asOf}T00:00:00Z`) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== asOf)
    throw new CampaignPressError(
      'usage',
      `--as-of "${asOf}" is not a date in the form YYYY-MM-DD`,
      { field: '--as-of' },
      'Write the date as year-month-day, for example 2026-06-01 for 1 June 2026.',
    );
  return asOf;
}

function parseOnly(only: string[], templates: ReadonlyMap<string, Template>): { template: string; format?: string }[] {
  return only.map((o) => {
    const [template, format] = o.split(':') as [string, string | undefined];
    const t = templates.get(template);
    if (!t)
      throw new CampaignPressError(
        'template-unknown',
        `--only ${o}: the campaign has no output with template "${template}"`,
        { field: '--only' },
        withSuggestion(template, [...templates.keys()]),
      );
    if (format !== undefined && !t.formats.has(format))
      throw new CampaignPressError(
        'format-unknown',
        `--only ${o}: template "${template}" has no format "${format}"`,
        { field: '--only' },
        withSuggestion(format, [...t.formats.keys()]),
      );
    return format === undefined ? { template } : { template, format };
  });
}

export interface ScopeOptions {
  asOf?: string;
  locales?: string[];
  region?: string;
  only?: string[];
  shard?: Shard;
}

/**
 * Check the options against the campaign and fix the build's scope. Adds the pseudo-locales'
 * computed text to the campaign, so it mutates `project.campaign`.
 */
export function resolveScope(project: LoadedProject, opts: ScopeOptions): BuildScope {
  const { campaign, table, templates } = project;
  const { asOf, asOfEarliest } = resolveGateDates(opts.asOf === undefined ? undefined : parseAsOf(opts.asOf));
  const locales = opts.locales?.length ? opts.locales : campaign.data.locales;
  for (const l of locales) {
    // Pseudo-locales (en-XA, ar-XB) build any campaign: they are computed from its source text.
    if (isPseudo(l) && table.has(l)) {
      addPseudoLocale(campaign, l);
      continue;
    }
    if (!campaign.data.locales.includes(l)) {
      if (!table.has(l)) {
        const e = table.unknownLocale(l, { field: '--locale' });
        throw new CampaignPressError(
          'locale-unknown',
          `--locale ${l}: ${e.message}`,
          e.location,
          `${e.hint} The campaign is published in ${campaign.data.locales.join(', ')}.`,
        );
      }
      throw new CampaignPressError(
        'locale-unknown',
        `--locale ${l}: the campaign is not published in "${l}" (${table.get(l).english})`,
        { file: campaign.file, line: campaign.lineOf(['locales']), field: '--locale' },
        `Use one of: ${campaign.data.locales.join(', ')}, or add it to locales in campaign.md.`,
      );
    }
  }
  const regions = opts.region ? [opts.region] : campaign.data.distribution.regions;
  if (opts.region && !campaign.data.distribution.regions.includes(opts.region)) {
    throw new CampaignPressError(
      'usage',
      `--region ${opts.region} is not a distribution region of the campaign`,
      { field: '--region' },
      withSuggestion(opts.region, campaign.data.distribution.regions),
    );
  }
  const only = parseOnly(opts.only ?? [], templates);
  return { asOf, asOfEarliest, locales, regions, only, ...(opts.shard ? { shard: opts.shard } : {}) };
}
