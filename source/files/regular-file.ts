/**
 * Only regular files are read or written (SPEC 10). A path naming a device (`/dev/null`, "don't
 * write this"), a FIFO (reading it would wait forever) or a folder is bad input naming its field;
 * a symlink is followed to its target and the link kept; two names for one file are the same file.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { lstat, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
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

/** The real path of a folder, as far as it exists; the missing rest appended as given. */
async function realFolder(folder: string): Promise<string> {
  try {
    return await realpath(folder);
  } catch (error) {
    if (!missing(error)) throw error;
    const parent = dirname(folder);
    return parent === folder ? folder : join(await realFolder(parent), basename(folder));
  }
}

/**
 * Where writing `path` really lands: symlinks followed (a dangling one to the file it names, so
 * the link is kept and its target created), symlinked folders resolved. Two answers naming one
 * file through different links give the same real target.
 */
export async function realTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let info: Stats;
    try {
      info = await lstat(current);
    } catch (error) {
      if (!missing(error)) throw error;
      return join(await realFolder(dirname(current)), basename(current));
    }
    if (!info.isSymbolicLink()) return join(await realFolder(dirname(current)), basename(current));
    current = resolve(dirname(current), await readlink(current));
  }
  throw Object.assign(new Error(`too many levels of symbolic links at ${path}`), { code: 'ELOOP' });
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
