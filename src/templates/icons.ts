import path from 'node:path';
import { z } from 'zod';
import { CampaignPressError, ValidationErrors } from '../errors.js';
import { displayPath, isDirInside, listInside, readTextInside, sha256 } from '../util/files.js';
import { parseJsonStrict, validate } from '../util/structured.js';
import { SvgRefused, sanitizeSvg } from '../util/svg.js';

/**
 * Icons for templates (`{{icon "phone"}}`): the SVG files of templates/_shared/icons, rebuilt by
 * the SVG allow-list and inlined, so they take the text colour (currentColor) and stay vectors in
 * PDFs. icons.json says which ones show a direction: those are mirrored in right-to-left pages
 * (an arrow that points onward), the others never are (a phone handset is not read in a direction).
 */

export interface IconSet {
  /** name -> inline <svg> markup. */
  icons: ReadonlyMap<string, string>;
  /** Hash of every icon file (part of each template's fingerprint). */
  fingerprint: string;
}

const manifestSchema = z.record(z.string().regex(/^[a-z0-9-]+$/), z.strictObject({ directional: z.boolean(), use: z.string().optional() }));

const IN_TEMPLATES = { rootName: 'the templates folder' };

export function loadIcons(templatesDir: string): IconSet {
  const dir = path.join(templatesDir, '_shared', 'icons');
  if (!isDirInside(templatesDir, path.join('_shared', 'icons'), IN_TEMPLATES)) return { icons: new Map(), fingerprint: '' };
  const manifestFile = path.join(dir, 'icons.json');
  const parsed = parseJsonStrict(readTextInside(templatesDir, manifestFile, IN_TEMPLATES).text, displayPath(manifestFile));
  const { value: manifest, errors } = validate(manifestSchema, parsed);
  if (!manifest) throw new ValidationErrors(errors);
  const icons = new Map<string, string>();
  const texts: string[] = [JSON.stringify(manifest)];
  const files = new Set(listInside(templatesDir, dir, IN_TEMPLATES).map((e) => e.name));
  for (const [name, info] of Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    const file = path.join(dir, `${name}.svg`);
    if (!files.has(`${name}.svg`))
      throw new CampaignPressError('template-invalid', `icons.json lists "${name}" but there is no ${name}.svg`, {
        file: displayPath(manifestFile),
      });
    const text = readTextInside(templatesDir, file, IN_TEMPLATES).text;
    texts.push(text);
    let svg: string;
    try {
      svg = sanitizeSvg(text).svg;
    } catch (e) {
      if (!(e instanceof SvgRefused)) throw e;
      throw new CampaignPressError('svg-unsafe', `icon ${name}.svg: ${e.message}`, { file: displayPath(file), line: e.problems[0]?.line });
    }
    const cls = `icon icon-${name}${info.directional ? ' mirror' : ''}`;
    // Line icons say fill="none"; the shared .icon rule (fill: currentColor) would fill them solid.
    const line = /^<svg [^>]*\bfill="none"/.test(svg) ? ' style="fill: none"' : '';
    icons.set(name, svg.replace(/^<svg /, `<svg class="${cls}" aria-hidden="true"${line} `));
  }
  return { icons, fingerprint: sha256(texts.join('\u0000')) };
}
