import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { listInside, readTextInside } from '../util/files.js';
import { cacheDir, cacheKey, writePrivate } from '../util/private-cache.js';
import { countEvent } from '../util/profile.js';
import { toolFingerprint } from '../version.js';

/**
 * A cache of parsed and validated testimony files (issue 13: a no-op rebuild of 1,000 files spent
 * most of its time in YAML and zod). An entry is found by the file's sha256 and holds what parsing
 * and validating those bytes gave: a file whose bytes changed is parsed again, and nothing that
 * depends on anything else is stored (the consent gate, the deny-list scan, the locale table, the
 * file name checks all run on every build, on the cached value as on a fresh one).
 *
 * Where it lives and who can write it: `CAMPAIGN_PRESS_CACHE_DIR`, else `$XDG_CACHE_HOME/campaign-press`,
 * else `~/.cache/campaign-press` (like Puppeteer's browser cache), outside the project and the
 * output folder, so an output folder copied from elsewhere (a CI shard, a shared drive) brings no
 * parse results with it. The folder must belong to the user and not be writable by group or
 * others. Each entry is signed (HMAC-SHA256) with a random key kept there (mode 0600) and bound to
 * the tool's code fingerprint (src/version.ts): an entry that was edited, copied from another
 * machine, or written by another version of the tool is ignored and the file is parsed again.
 * Whoever can write that folder can also change the installed tool, so it trusts no one new.
 */

const FORMAT = 1;
/** A pack above this is ignored (about 600 bytes an entry: far more than any campaign has files). */
const MAX_PACK_BYTES = 256 * 1024 * 1024;

export interface ParseCache {
  /** The value stored for this kind of file and these bytes, if its signature holds. */
  get<T>(kind: string, fileSha256: string): T | undefined;
  set(kind: string, fileSha256: string, value: unknown): void;
  /**
   * Write the entries back, if anything changed: only those this load used (hits and new ones)
   * when it read every file (`complete`), else the old ones too (a load stopped by an error in
   * campaign.md has not looked at the testimonies yet). Errors are ignored.
   */
  save(complete: boolean): void;
}

interface Pack {
  format: number;
  tool: string;
  entries: Record<string, { mac: string; value: string }>;
}

/**
 * The parse cache of one campaign folder. Any problem with the cache folder (missing and not
 * creatable, another owner, writable by others, a damaged key) gives a cache that never hits and
 * never writes: the build parses every file, as without a cache.
 */
export function openParseCache(campaignDir: string, dir = cacheDir()): ParseCache {
  const key = dir ? cacheKey(dir) : undefined;
  if (!dir || !key) return noCache;
  const tool = toolFingerprint();
  const pack = path.join(dir, `parse-${createHash('sha256').update(realOrResolved(campaignDir)).digest('hex').slice(0, 24)}.json`);
  const old = readPack(pack, tool);
  const used: Pack['entries'] = {};
  let changed = false;
  const mac = (id: string, value: string) => createHmac('sha256', key).update(`${tool}\u0000${id}\u0000`).update(value).digest();
  return {
    get<T>(kind: string, fileSha256: string): T | undefined {
      const id = `${kind}:${fileSha256}`;
      const e = old && Object.hasOwn(old.entries, id) ? old.entries[id] : undefined;
      if (!e || typeof e.value !== 'string' || typeof e.mac !== 'string' || !/^[0-9a-f]{64}$/.test(e.mac)) return undefined;
      if (!timingSafeEqual(Buffer.from(e.mac, 'hex'), mac(id, e.value))) {
        countEvent('parse cache: entry refused');
        return undefined;
      }
      let value: T;
      try {
        value = JSON.parse(e.value) as T;
      } catch {
        return undefined;
      }
      used[id] = e;
      return value;
    },
    set(kind: string, fileSha256: string, value: unknown): void {
      const id = `${kind}:${fileSha256}`;
      const text = JSON.stringify(value);
      used[id] = { mac: mac(id, text).toString('hex'), value: text };
      changed = true;
    },
    save(complete: boolean): void {
      const pruned = complete && old !== undefined && Object.keys(used).length !== Object.keys(old.entries).length;
      if (!changed && !pruned) return;
      const entries = complete ? used : { ...old?.entries, ...used };
      writePrivate(pack, `${JSON.stringify({ format: FORMAT, tool, entries } satisfies Pack)}\n`);
      pruneStalePacks(dir);
    },
  };
}

const noCache: ParseCache = { get: () => undefined, set: () => undefined, save: () => undefined };

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** A pack of this tool, or undefined (absent, damaged, another format or tool version). */
function readPack(file: string, tool: string): Pack | undefined {
  try {
    const p = JSON.parse(readTextInside(path.dirname(file), file, { maxBytes: MAX_PACK_BYTES }).text) as Partial<Pack> | null;
    if (!p || p.format !== FORMAT || p.tool !== tool || typeof p.entries !== 'object' || p.entries === null) return undefined;
    return p as Pack;
  } catch {
    return undefined;
  }
}

/** A pack not written for this long belongs to a campaign folder no longer built (a deleted checkout, a test's temp folder). */
const STALE_PACK_MS = 30 * 24 * 3600 * 1000;

/** Remove stale packs, so that the cache folder does not grow with every folder ever built. */
function pruneStalePacks(dir: string): void {
  try {
    const now = Date.now();
    for (const e of listInside(dir, '.')) {
      if (!e.isFile() || !/^parse-[0-9a-f]{24}\.json$/.test(e.name)) continue;
      const file = path.join(dir, e.name);
      if (now - statSync(file).mtimeMs > STALE_PACK_MS) rmSync(file, { force: true });
    }
  } catch {
    // Pruning is housekeeping: a failure costs disk space, never a wrong result.
  }
}
