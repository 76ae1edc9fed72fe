import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

/** The package version; part of every content key, so a new renderer re-renders everything. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
/** Bump when rendering changes in a way the package version does not capture. */
export const RENDERER_REVISION = 1;

let rendererFingerprint: string | undefined;
/**
 * Hash of the code that turns a page string into bytes (render/ and the PDF finishing), so that
 * a changed renderer never reuses cached outputs, even between releases.
 */
export function rendererCodeFingerprint(): string {
  if (rendererFingerprint) return rendererFingerprint;
  const h = createHash('sha256').update(`${VERSION}|${RENDERER_REVISION}`);
  const dir = new URL('./render/', import.meta.url);
  for (const name of readdirSync(dir)
    .filter((n) => /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts'))
    .sort()) {
    h.update(name).update(readFileSync(new URL(name, dir)));
  }
  rendererFingerprint = h.digest('hex');
  return rendererFingerprint;
}

let tool: string | undefined;
/**
 * The tool itself: its version and every file of its code (any change to how a page is written,
 * checked or rendered renders everything again, also between releases), and the versions of the
 * libraries that write and render pages.
 */
export function toolFingerprint(): string {
  if (tool) return tool;
  const h = createHash('sha256').update(`campaign-press ${VERSION}\u0000`);
  const codeRoot = new URL('./', import.meta.url);
  const walk = (dir: URL, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (/\.(js|ts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.map'))
        h.update(`${rel}${e.name}\u0000`)
          .update(readFileSync(new URL(e.name, dir)))
          .update('\u0000');
    }
  };
  walk(codeRoot, '');
  for (const dep of ['handlebars', 'i18next', 'markdown-it', 'sharp', 'puppeteer-core', 'pdf-lib', 'parse5', 'css-tree', 'qrcode']) {
    h.update(`${dep}@${dependencyVersion(dep)}\u0000`);
  }
  tool = h.digest('hex');
  return tool;
}

function dependencyVersion(name: string): string {
  try {
    const pkg = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    // Not installed next to the tool (a bundled install): its version is the tool's.
    return '?';
  }
}
