/**
 * Whether a file can be written where the safe writer will write it, asked BEFORE a server change
 * whose result must land in it (SPEC 10): the file itself when it exists (through a symlink, its
 * target), and its folder (the temporary file and the rename happen there), or the nearest folder
 * that exists when the file and its folders are still to be made.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** undefined when writable, else why not in a few words. */
export async function whyNotWritable(path: string): Promise<string | undefined> {
  let target = path;
  try {
    target = await realpath(path);
  } catch {
    // missing (or a dangling link): the folders decide
  }
  try {
    const info = await stat(target);
    if (!info.isFile()) return 'it is not a regular file';
    await access(target, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' : `it cannot be checked (${code})`;
  }
  let folder = dirname(target);
  for (;;) {
    try {
      const info = await stat(folder);
      if (!info.isDirectory()) return `${folder} is not a folder`;
      await access(folder, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return `its folder ${folder} is not writable`;
      const parent = dirname(folder);
      if (parent === folder) return 'no folder on its path exists';
      folder = parent;
    }
  }
}
