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
