import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, Dirent, fstatSync, promises as fs, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { CampaignPressError, type Location } from '../errors.js';
import { normalizeNewlines } from './structured.js';

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

/**
 * The one way input is read. Project, campaign, template, locale, shard and import files come
 * from many hands (partners, translators, other CI jobs), so every read:
 *  - keeps the lexical path inside its root, and the real path (after every symbolic link)
 *    inside the root's real path: `template.hbs -> /etc/passwd` is refused, not printed;
 *  - opens the real path with O_NOFOLLOW, so a link swapped in after the check is not followed;
 *  - refuses anything but a regular file, and anything over a size limit (before reading it);
 *  - for text: refuses invalid UTF-8 and NUL bytes with file:line (they would print as U+FFFD or
 *    cut strings short), drops a BOM and turns CRLF and CR into LF, so that files saved by any
 *    editor parse the same and every line number still points at the line the editor shows.
 */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;

export interface ReadOptions {
  /** What the root is, for messages ("the campaign folder"). */
  rootName?: string;
  maxBytes?: number;
  /** Where the path came from (the field that named it), for messages. */
  where?: Location;
  /** Refuse a symbolic link anywhere below the root, even one that stays inside (preview serves out/ so). */
  noLinks?: boolean;
}

export interface TextFile {
  /** Normalized text: no BOM, LF line ends. */
  text: string;
  /** The bytes as stored (hashes that users reproduce with sha256sum use these). */
  bytes: Buffer;
  /** The real path that was read. */
  real: string;
  /** The path for messages. */
  shown: string;
}

function containedReal(root: string, file: string, opts: ReadOptions): { real: string; shown: string } {
  const lexicalRoot = path.resolve(root);
  const lexical = path.resolve(lexicalRoot, file);
  const shown = displayPath(lexical);
  const where: Location = opts.where ?? { file: shown };
  const rootName = opts.rootName ?? displayPath(lexicalRoot);
  if (!isInside(lexicalRoot, lexical)) throw new CampaignPressError('path-outside', `${shown} is outside ${rootName}`, where);
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(lexicalRoot);
    real = realpathSync(lexical);
  } catch {
    throw new CampaignPressError('path-not-found', `${shown} does not exist`, where);
  }
  if (!isInside(realRoot, real)) {
    throw new CampaignPressError('path-outside', `${shown} resolves (through a symbolic link) outside ${rootName}`, where);
  }
  if (opts.noLinks && real !== path.join(realRoot, path.relative(lexicalRoot, lexical))) {
    throw new CampaignPressError('path-outside', `${shown} is reached through a symbolic link`, where);
  }
  return { real, shown };
}

/**
 * Files an operation is about to write, read in their place while it validates: `locales import`
 * checks the project as it would be after the import, then writes only if that passes, so a
 * refused import never touches a file (not even for a moment). Synchronous use only.
 */
let staged: ReadonlyMap<string, string> | undefined;
export function withStagedFiles<T>(files: ReadonlyMap<string, string>, fn: () => T): T {
  const saved = staged;
  staged = new Map([...files].map(([f, text]) => [path.resolve(f), text]));
  try {
    return fn();
  } finally {
    staged = saved;
  }
}

function stagedRead(root: string, file: string, opts: ReadOptions): { bytes: Buffer; real: string; shown: string } | undefined {
  const lexical = path.resolve(path.resolve(root), file);
  const text = staged?.get(lexical);
  if (text === undefined) return undefined;
  const shown = displayPath(lexical);
  if (!isInside(path.resolve(root), lexical))
    throw new CampaignPressError(
      'path-outside',
      `${shown} is outside ${opts.rootName ?? displayPath(path.resolve(root))}`,
      opts.where ?? { file: shown },
    );
  return { bytes: Buffer.from(text, 'utf8'), real: lexical, shown };
}

/** Read a file's bytes inside a root (see above). */
export function readBytesInside(root: string, file: string, opts: ReadOptions = {}): { bytes: Buffer; real: string; shown: string } {
  const pending = stagedRead(root, file, opts);
  if (pending) return pending;
  const { real, shown } = containedReal(root, file, opts);
  const where: Location = opts.where ?? { file: shown };
  const max = opts.maxBytes ?? MAX_TEXT_BYTES;
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    throw new CampaignPressError('path-not-found', `cannot read ${shown}`, where);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CampaignPressError('path-not-found', `${shown} is not a file`, where);
    if (st.size > max) {
      throw new CampaignPressError('file-too-large', `${shown} is ${formatBytes(st.size)}; the limit is ${formatBytes(max)}`, where);
    }
    // Read at most max+1 bytes whatever fstat said: a file that grows while read is still bounded.
    const buf = Buffer.alloc(Math.min(st.size, max) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > max) throw new CampaignPressError('file-too-large', `${shown} is over the limit of ${formatBytes(max)}`, where);
    return { bytes: buf.subarray(0, n), real, shown };
  } finally {
    closeSync(fd);
  }
}

/** Read a UTF-8 text file inside a root (see above). */
export function readTextInside(root: string, file: string, opts: ReadOptions = {}): TextFile {
  const { bytes, real, shown } = readBytesInside(root, file, opts);
  return { text: decodeText(bytes, opts.where?.file ?? shown), bytes, real, shown };
}

/** Validate and normalize text bytes; `file` names them in errors. */
export function decodeText(bytes: Uint8Array, file: string): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buf)) {
    const at = firstInvalidUtf8(buf);
    throw new CampaignPressError(
      'text-encoding',
      `invalid UTF-8 (byte 0x${(buf[at] ?? 0).toString(16).padStart(2, '0')} at line ${lineAtByte(buf, at)})`,
      { file, line: lineAtByte(buf, at) },
    );
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) throw new CampaignPressError('text-nul', 'a NUL byte (U+0000) is in the text', { file, line: lineAtByte(buf, nul) });
  return normalizeNewlines(buf.toString('utf8'));
}

/** Line (1-based) of a byte offset, counting LF, CRLF and lone CR as one line break each. */
function lineAtByte(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < buf.length; i++) {
    if (buf[i] === 0x0a) line++;
    else if (buf[i] === 0x0d && buf[i + 1] !== 0x0a) line++;
  }
  return line;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence. */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let n = 0;
    let min = 0;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    if (n > 0 && i + n >= buf.length) return i;
    let cp = n === 0 ? b : b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (n && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) return i;
    i += n + 1;
  }
  return buf.length;
}

function formatBytes(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/**
 * Entries of a folder inside a root, sorted by name; [] when it does not exist. The folder's
 * real path must stay inside the root too (a `testimonies -> /home/x` link lists nothing of it).
 */
export function listInside(root: string, dir: string, opts: ReadOptions = {}): Dirent[] {
  const entries = listed(root, dir, opts);
  const folder = path.resolve(path.resolve(root), dir);
  for (const f of staged?.keys() ?? []) {
    const name = path.basename(f);
    if (path.dirname(f) === folder && !entries.some((e) => e.name === name)) entries.push(stagedEntry(name, folder));
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function listed(root: string, dir: string, opts: ReadOptions): Dirent[] {
  let real: string;
  try {
    real = containedReal(root, dir, opts).real;
  } catch (e) {
    if (e instanceof CampaignPressError && e.code === 'path-not-found') return [];
    throw e;
  }
  try {
    return readdirSync(real, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** A staged file not written yet, listed as the regular file it will be. */
function stagedEntry(name: string, parentPath: string): Dirent {
  const no = () => false;
  return Object.assign(Object.create(Dirent.prototype) as Dirent, {
    name,
    parentPath,
    isFile: () => true,
    isDirectory: no,
    isSymbolicLink: no,
    isBlockDevice: no,
    isCharacterDevice: no,
    isFIFO: no,
    isSocket: no,
  });
}

/** Whether a path inside a root is a folder (links out of the root are refused). */
export function isDirInside(root: string, dir: string, opts: ReadOptions = {}): boolean {
  try {
    return statSync(containedReal(root, dir, opts).real).isDirectory();
  } catch (e) {
    if (e instanceof CampaignPressError && e.code === 'path-not-found') return false;
    throw e;
  }
}

/** Campaign ids and path segments that come from manifests or shards: one lower-case name, no separators. */
export const SAFE_ID = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Join an output root and a relative path taken from a manifest or shard, refusing anything
 * that is not plain names (`../victim`, `/etc`, `a\\b`, empty segments) or that leaves the root.
 * `idField` segments (the campaign id) must match SAFE_ID.
 */
export function outputPathInside(outRoot: string, campaignId: string, relative: string, where: Location = {}): string {
  if (!SAFE_ID.test(campaignId)) {
    throw new CampaignPressError('output-unsafe', `campaign id "${campaignId}" is not a plain name ([a-z0-9-])`, where);
  }
  const segments = relative.split('/');
  if (!relative || segments.some((seg) => !seg || seg === '.' || seg === '..' || /[\\\0:]/.test(seg))) {
    throw new CampaignPressError('output-unsafe', `asset path "${relative}" is not a plain relative path`, where);
  }
  const root = path.resolve(outRoot);
  const full = path.resolve(root, campaignId, ...segments);
  if (!isInside(path.join(root, campaignId), full)) {
    throw new CampaignPressError('output-unsafe', `asset path "${relative}" leaves the output folder`, where);
  }
  return full;
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

export async function removeFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
