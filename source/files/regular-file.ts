/**
 * Only regular files are read or written (SPEC 10). A path naming a device (`/dev/null`, "don't
 * write this"), a FIFO (reading it would wait forever) or a folder is bad input naming its field;
 * a symlink is followed to its target and the link kept; two names for one file are the same file.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors';

/** What a non-regular file is, in words; undefined for a regular file. */
export function nonRegularKind(info: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function notRegularError(field: string, shown: string, kind: string): UsageError {
  return new UsageError(`${field}: ${shown} is ${kind}; give the path of a regular file (a symlink to one is fine)`, field, [
    { field, message: `${shown} is ${kind}; give the path of a regular file` },
  ]);
}

const missing = (error: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/**
 * A link on the way to a write target that another user could have planted (issue 16): following
 * it would let them choose where root writes a secret, or replace a file in a folder only root may
 * change. `rule` says which protection refused it, in words.
 */
export class PlantedLinkError extends Error {
  override readonly name = 'PlantedLinkError';
  constructor(
    readonly link: string,
    readonly rule: string,
  ) {
    super(`${link} ${rule}`);
  }
}

/** Sticky (`/tmp`) or writable by everyone: anyone may have put a link there. */
const SHARED_FOLDER_BITS = 0o1000 | 0o002;

/** The nearest folder of `path` that exists, with its stats (the root always does). */
async function nearestFolder(path: string): Promise<{ folder: string; info: Stats }> {
  for (let folder = path; ; folder = dirname(folder)) {
    try {
      return { folder, info: await stat(folder) };
    } catch (error) {
      if (!missing(error) || dirname(folder) === folder) throw error;
    }
  }
}

/**
 * The kernel's `protected_symlinks` rule, applied by us because we resolve links ourselves (so the
 * kernel never sees the follow), and extended to where the link leads. A link we own is ours to
 * follow. Another user's link is refused when it sits in a sticky or world-writable folder that
 * user does not own (the kernel's own rule: anyone could have planted it there), or when it leads
 * into a folder that user does not own (they would choose where we write, and, as root, whose
 * owner the new file takes).
 */
async function checkLink(link: string, linkInfo: Stats, target: string): Promise<void> {
  const us = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (us === undefined || linkInfo.uid === us) return;
  const folder = await stat(dirname(link));
  if ((folder.mode & SHARED_FOLDER_BITS) !== 0 && folder.uid !== linkInfo.uid) {
    throw new PlantedLinkError(
      link,
      `is a symlink owned by uid ${linkInfo.uid} in ${dirname(link)}, a folder others can write to (sticky or world-writable) that uid ${folder.uid} owns; such a link may have been planted, so it is not followed (the kernel's protected_symlinks rule)`,
    );
  }
  const into = await nearestFolder(dirname(target));
  if (into.info.uid !== linkInfo.uid) {
    throw new PlantedLinkError(
      link,
      `is a symlink owned by uid ${linkInfo.uid} that leads into ${into.folder}, a folder owned by uid ${into.info.uid}; a link may only lead into its own owner's folders, so it is not followed`,
    );
  }
}

const MAX_LINK_HOPS = 40; // as the kernel's ELOOP limit

/**
 * Resolves `path` one name at a time, as the kernel would, checking every link on the way, a
 * file's or a folder's (checkLink). Missing names are appended as given.
 */
async function resolveChecked(path: string, hops: { count: number }): Promise<string> {
  const rest = path.split(sep).filter((name) => name !== '' && name !== '.');
  let real: string = sep;
  while (rest.length > 0) {
    const name = rest.shift() as string;
    if (name === '..') {
      real = dirname(real);
      continue;
    }
    const candidate = join(real, name);
    let info: Stats;
    try {
      info = await lstat(candidate);
    } catch (error) {
      if (!missing(error)) throw error;
      return join(candidate, ...rest);
    }
    if (!info.isSymbolicLink()) {
      real = candidate;
      continue;
    }
    if (++hops.count > MAX_LINK_HOPS) throw Object.assign(new Error(`too many levels of symbolic links at ${path}`), { code: 'ELOOP' });
    const text = await readlink(candidate);
    // Not resolve(): `..` after a linked folder must climb from where the link leads, as in the kernel.
    const target = await resolveChecked(text.startsWith(sep) ? text : `${real}${sep}${text}`, hops);
    await checkLink(candidate, info, target);
    real = target;
  }
  return real;
}

/**
 * Where writing `path` really lands: symlinks followed (a dangling one to the file it names, so
 * the link is kept and its target created), symlinked folders resolved. Two answers naming one
 * file through different links give the same real target. A link another user may have planted
 * is refused with a PlantedLinkError (checkLink), so neither the place nor, as root, the owner of
 * a new file is ever chosen by someone else.
 */
export async function realTarget(path: string): Promise<string> {
  return resolveChecked(resolve(path), { count: 0 });
}

/** The file's stats when it exists (symlinks followed), undefined when missing. */
export async function statTarget(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}

/** Reads a regular file, or null when missing; anything else is bad input naming `field`. */
export async function readRegularFile(path: string, field: string, shown = path): Promise<string | null> {
  const info = await statTarget(path);
  if (info === undefined) {
    // a dangling symlink reads as missing
    return null;
  }
  const kind = nonRegularKind(info);
  if (kind !== undefined) throw notRegularError(field, shown, kind);
  return readFile(path, 'utf8');
}

/** The same, synchronously, for the answers file and caFile (read while answers are resolved). */
export function readRegularFileSync(path: string, field: string, shown = path): string {
  const info = statSync(path);
  const kind = nonRegularKind(info);
  if (kind !== undefined) throw notRegularError(field, shown, kind);
  return readFileSync(path, 'utf8');
}
