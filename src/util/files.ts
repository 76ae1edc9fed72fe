import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { CampaignPressError } from '../errors.js';
import { jsonErrorOffset } from './json-position.js';
import type { ParsedYaml } from '../campaign/frontmatter.js';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Path relative to a base, with forward slashes, for messages and manifests. */
export function displayPath(p: string, base = process.cwd()): string {
  const rel = path.relative(base, p);
  return (rel && !rel.startsWith('..') ? rel : p).split(path.sep).join('/');
}

export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolve a user-given path inside a root folder. Both the lexical path and the real path (after
 * symbolic links) must stay inside the root's real path.
 */
export function resolveInside(root: string, relative: string, where: { file: string; line?: number; field: string }): string {
  const lexical = path.resolve(root, relative);
  if (!isInside(root, lexical)) {
    throw new CampaignPressError('path-outside', `${relative} is outside the campaign folder`, where);
  }
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    throw new CampaignPressError('path-not-found', `${relative} does not exist`, where);
  }
  if (!isInside(realpathSync(root), real)) {
    throw new CampaignPressError('path-outside', `${relative} resolves (through a link) outside the campaign folder`, where);
  }
  return real;
}

/** Write a file atomically: a temp file in the same folder, then a rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Read a JSON file strictly: syntax errors and duplicate keys are errors with a line number.
 * JSON is a subset of YAML 1.2, so the yaml parser gives duplicate-key detection and line numbers.
 */
export function parseJsonStrict(text: string, file: string): ParsedYaml {
  const src = text.replace(/^\uFEFF/, '');
  try {
    JSON.parse(src);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!;
    const m = /position (\d+)/.exec(msg);
    const offset = m ? Number(m[1]) : jsonErrorOffset(src);
    const line = offset >= 0 ? src.slice(0, offset).split('\n').length : undefined;
    throw new CampaignPressError('json-syntax', `invalid JSON: ${msg.replace(/, ".*$/, '')}`, { file, line });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(src, { uniqueKeys: true, lineCounter, schema: 'json' });
  const dup = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (dup) {
    const line = lineCounter.linePos(dup.pos[0]).line;
    throw new CampaignPressError('json-duplicate-key', `duplicate key: ${dup.message.split('\n')[0]}`, { file, line });
  }
  // Other YAML-only complaints about valid JSON are irrelevant: the data comes from JSON.parse.
  return { data: JSON.parse(src), doc, lineCounter, firstLine: 1, file };
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
