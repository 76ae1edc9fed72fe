import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTextInside } from './files.js';

/**
 * The user's private cache folder and its signing key, shared by the parse cache
 * (campaign/parse-cache.ts) and the font coverage store (fonts/fonts.ts). Whatever is kept there is
 * signed with the key, so an entry that was edited or copied from elsewhere is not used.
 */

/** The cache folder, or undefined when none can be placed (no home folder). */
export function cacheDir(): string | undefined {
  const env = process.env.CAMPAIGN_PRESS_CACHE_DIR;
  if (env) return path.resolve(env);
  const xdg = process.env.XDG_CACHE_HOME;
  const home = os.homedir();
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'campaign-press');
  return home ? path.join(home, '.cache', 'campaign-press') : undefined;
}

/** The folder is ours and private: owned by this user, not writable by group or others. */
function privateFolder(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    return st.isDirectory() && ownedByMe(st.uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function ownedByMe(uid: number): boolean {
  return typeof process.getuid !== 'function' || process.getuid() === uid;
}

/** The signing key (32 random bytes, hex, mode 0600), made on first use. */
export function cacheKey(dir: string): Buffer | undefined {
  if (!privateFolder(dir)) return undefined;
  const file = path.join(dir, 'key');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const st = lstatSync(file);
      if (!st.isFile() || !ownedByMe(st.uid) || (st.mode & 0o077) !== 0) return undefined;
      const hex = readTextInside(dir, file).text.trim();
      return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    try {
      // wx: two builds starting together make one key; the loser reads the winner's.
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  }
  return undefined;
}

/** Write a file only this user can read, whole or not at all; errors are ignored (a cache that cannot be written costs a recomputation). */
export function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs the next build a parse.
    rmSync(tmp, { force: true });
  }
}
