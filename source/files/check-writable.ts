/**
 * Whether a file can be written where the safe writer will write it, asked BEFORE a server change
 * whose result must land in it (SPEC 10), in a few words for the caller's message: the same probe
 * as proveWritable (a file with the longest name the write makes, in the file's folder or the
 * nearest that exists; an existing file opened for writing).
 */
import { stat } from 'node:fs/promises';
import { realTarget } from './regular-file';
import { probeWrite } from './write-planned-files';

/** undefined when writable, else why not in a few words. */
export async function whyNotWritable(path: string): Promise<string | undefined> {
  let target: string;
  try {
    target = await realTarget(path);
    const info = await stat(target).catch(() => undefined);
    if (info !== undefined && !info.isFile()) return 'it is not a regular file';
    await probeWrite(target);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG') return 'its name is too long for the temporary and backup files written beside it';
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'it or its folder is not writable';
    if (code === 'ENOTDIR') return 'a part of its path is not a folder';
    return `it cannot be checked (${code ?? (error as Error).message})`;
  }
}
