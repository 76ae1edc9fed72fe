import path from 'node:path';
import { CampaignPressError, didYouMean, ValidationErrors, type Location } from '../errors.js';
import { displayPath, isDirInside, listInside, readTextInside, resolveInside } from '../util/files.js';
import { lineOfPath, parseYaml, validate } from '../util/structured.js';
import { brandKitSchema, type CampaignFrontmatter, type Hero } from './schema.js';

/**
 * The brand a campaign prints with: the inline `brand:` block of campaign.md, or a kit in
 * brands/<id>.yaml that several campaigns share (FORMAT.md section 6). Both resolve to one shape,
 * so templates and the image step never ask where a colour or a logo came from.
 */

/** An image a template may show: a logo, a partner logo or the hero. */
export interface BrandImage {
  /** The name templates give `{{asset}}`: a campaign-relative path, or `brand:<path in brands/>`. */
  ref: string;
  /** Real path, checked to be inside `root`. */
  abs: string;
  /** The folder it is read inside (the campaign folder, or brands/). */
  root: string;
  where: Location;
  svg: boolean;
}

export interface ResolvedBrand {
  /** The kit id, or null for an inline brand. */
  id: string | null;
  primary: string;
  accent: string;
  /** Where each colour is written, for contrast warnings. */
  colourAt: (role: 'primary' | 'accent') => Location;
  logo?: BrandImage;
  /** The organization's name per locale (kits only). */
  name: Readonly<Record<string, string>> | null;
  social: { platform: string; handle: string }[];
  partners: { label: Readonly<Record<string, string>> | null; logos: (BrandImage & { name: string })[] } | null;
  /** Where the kit's name and "Funded by" label are written (kits only), for missing-translation warnings. */
  textAt?: { name: Location; label: Location };
}

/**
 * A kit's name or "Funded by" label missing in a campaign locale: the fallback language is
 * printed (marked as such), and the build says so, as for any missing translation.
 */
export function brandTranslationWarnings(brand: ResolvedBrand, locales: readonly string[]): CampaignPressError[] {
  if (!brand.textAt) return [];
  const out: CampaignPressError[] = [];
  const check = (map: Readonly<Record<string, string>> | null | undefined, what: string, at: Location) => {
    if (!map) return;
    const missing = locales.filter((l) => !Object.hasOwn(map, l));
    if (missing.length)
      out.push(
        new CampaignPressError(
          'translation-missing',
          `brand kit ${brand.id}: no ${what} in ${missing.join(', ')}; the nearest fallback language is printed`,
          at,
          `Add ${missing.map((l) => `${l}:`).join(', ')} under ${at.field} in the kit.`,
        ),
      );
  };
  check(brand.name, 'name', brand.textAt.name);
  check(brand.partners?.label, '"Funded by" label', brand.textAt.label);
  return out;
}

export type HeroImage = BrandImage & Pick<Hero, 'licence' | 'focus' | 'treatment'>;

const IN_BRANDS = { rootName: 'the brands folder' };

export function isSvgPath(p: string): boolean {
  return /\.svg$/i.test(p);
}

/** The kit ids in brands/ (for "did you mean"). */
function kitIds(brandsDir: string): string[] {
  if (!isDirInside(path.dirname(brandsDir), path.basename(brandsDir))) return [];
  return listInside(brandsDir, '.', IN_BRANDS)
    .map((e) => /^([a-z0-9-]+)\.yaml$/.exec(e.name)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

export function resolveBrand(
  data: CampaignFrontmatter,
  campaignDir: string,
  campaignFile: string,
  lineOf: (p: (string | number)[]) => number | undefined,
  brandsDir: string,
): ResolvedBrand {
  const b = data.brand;
  if (typeof b !== 'string') {
    const where = { file: campaignFile, line: lineOf(['brand', 'logo']), field: 'brand.logo' };
    return {
      id: null,
      primary: b.primary,
      accent: b.accent,
      colourAt: (role) => ({ file: campaignFile, line: lineOf(['brand', role]), field: `brand.${role}` }),
      logo: b.logo ? image(campaignDir, b.logo, b.logo, where) : undefined,
      name: null,
      social: [],
      partners: null,
    };
  }
  return loadKit(b, brandsDir, { file: campaignFile, line: lineOf(['brand']), field: 'brand' });
}

function loadKit(kitId: string, brandsDir: string, from: Location): ResolvedBrand {
  const file = path.join(brandsDir, `${kitId}.yaml`);
  const known = kitIds(brandsDir);
  if (!known.includes(kitId)) {
    throw new CampaignPressError(
      'brand-unknown',
      `no brand kit "${kitId}" (brands/${kitId}.yaml)`,
      from,
      [
        didYouMean(kitId, known),
        known.length ? `Kits in brands/: ${known.join(', ')}.` : 'There is no brands/ folder with a kit in this project.',
      ]
        .filter(Boolean)
        .join(' '),
    );
  }
  const shown = displayPath(file);
  const y = parseYaml(readTextInside(brandsDir, file, IN_BRANDS).text, shown);
  const { value: kit, errors } = validate(brandKitSchema, y);
  if (!kit) throw new ValidationErrors(errors);
  const at = (p: (string | number)[], field: string): Location => ({ file: shown, line: lineOfPath(y, p), field });
  const problems: CampaignPressError[] = [];
  const img = (rel: string, p: (string | number)[], field: string): BrandImage | undefined => {
    try {
      return image(brandsDir, rel, `brand:${rel}`, at(p, field));
    } catch (e) {
      if (!(e instanceof CampaignPressError)) throw e;
      problems.push(e);
      return undefined;
    }
  };
  const logo = kit.logo ? img(kit.logo, ['logo'], 'logo') : undefined;
  const partners = kit.partners
    ? {
        label: kit.partners.label ?? null,
        logos: kit.partners.logos.flatMap((p, i) => {
          const found = img(p.logo, ['partners', 'logos', i, 'logo'], `partners.logos[${i}].logo`);
          return found ? [{ ...found, name: p.name }] : [];
        }),
      }
    : null;
  if (problems.length) throw new ValidationErrors(problems);
  return {
    id: kitId,
    primary: kit.colours.primary,
    accent: kit.colours.accent,
    colourAt: (role) => at(['colours', role], `colours.${role}`),
    logo,
    name: kit.name,
    social: kit.social,
    partners,
    textAt: { name: at(['name'], 'name'), label: at(['partners', 'label'], 'partners.label') },
  };
}

function image(root: string, rel: string, ref: string, where: Location): BrandImage {
  const at = { file: where.file ?? '', line: where.line, field: where.field ?? '' };
  return { ref, abs: resolveInside(root, rel, at), root, where, svg: isSvgPath(rel) };
}

/** The hero image of campaign.md, resolved inside the campaign folder. */
export function resolveHero(
  data: CampaignFrontmatter,
  campaignDir: string,
  campaignFile: string,
  lineOf: (p: (string | number)[]) => number | undefined,
): HeroImage | undefined {
  const h = data.hero;
  if (!h) return undefined;
  const where = { file: campaignFile, line: lineOf(['hero', 'image']), field: 'hero.image' };
  return { ...image(campaignDir, h.image, h.image, where), licence: h.licence, focus: h.focus, treatment: h.treatment };
}

/** Text of a per-locale map in `locale` or the first of its fallbacks that has one, with the language it is in. */
export function pickLocalized(
  map: Readonly<Record<string, string>> | null | undefined,
  chain: readonly string[],
): { text: string; lang: string } | null {
  if (!map) return null;
  for (const l of chain) if (Object.hasOwn(map, l)) return { text: map[l]!, lang: l };
  return null;
}
