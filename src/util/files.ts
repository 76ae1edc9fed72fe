import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { CampaignPressError } from '../errors.js';

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

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
