import { readFileSync } from 'node:fs';

/** The package version; part of every content key, so a new renderer re-renders everything. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** Bump when rendering changes in a way the package version does not capture. */
export const RENDERER_REVISION = 1;
