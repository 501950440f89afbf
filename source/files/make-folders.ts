/**
 * Creates the missing levels of a folder (SPEC 4, 10): each new level 0700 whatever the umask, and,
 * when the wizard runs as root for someone else (sudo with HOME kept), owned like the folder it
 * is made in, so the user's home never fills with folders only root can change.
 */
import type { Stats } from 'node:fs';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Folders the wizard creates hold secrets or sit next to them: only the owner may enter. */
export const FOLDER_MODE = 0o700;

export async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Root may give a file away; anyone else keeps what the kernel gives them. */
export function runsAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Gives `path` the owner and group of `like` when running as root and they differ. Others
 * cannot change owners, so for them this does nothing.
 */
export async function takeOwnerOf(path: string, like: Pick<Stats, 'uid' | 'gid'>): Promise<void> {
  if (!runsAsRoot()) return;
  const current = await stat(path);
  if (current.uid !== like.uid || current.gid !== like.gid) await chown(path, like.uid, like.gid);
}

export async function makeFolders(folder: string): Promise<void> {
  const missing: string[] = [];
  let current = folder;
  let existing: Stats | undefined;
  while (!(existing = await statIfExists(current))) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  let owner = existing;
  for (const level of missing) {
    try {
      await mkdir(level, { mode: FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      owner = await stat(level);
      continue;
    }
    await chmod(level, FOLDER_MODE);
    if (owner) await takeOwnerOf(level, owner);
  }
}
