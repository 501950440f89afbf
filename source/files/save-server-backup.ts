/**
 * Local backups of server documents the wizard replaces (SPEC 5, "Settings that contradict the
 * answers"): before a bucket policy or lifecycle configuration with someone else's settings is
 * rewritten, the whole previous document is saved here, so nothing anyone set is lost.
 *
 * The file goes into the working directory (or `--out DIR`), beside the files the wizard writes,
 * as `NAME.bak-<UTC timestamp>.EXT`, mode 0600 (a policy names users and grants). It is written
 * to a temporary file, synced, then linked into place, so it is complete or absent and never
 * overwrites an earlier backup.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Effects } from '../effects';
import { backupTimestamp } from './write-planned-files';

/** Saves `content` as a backup named after `name` (e.g. `nix-cache.bucket-policy.json`); returns its path. */
export type SaveBackup = (name: string, content: string) => Promise<string>;

export function serverBackupSaver(effects: Pick<Effects, 'cwd' | 'now'>, outDir: string | undefined): SaveBackup {
  return async (name, content) => {
    const folder = outDir === undefined ? effects.cwd : resolve(effects.cwd, outDir);
    const extension = extname(name);
    const stem = name.slice(0, name.length - extension.length);
    const stamp = backupTimestamp(effects.now());
    // `--out DIR` may not exist yet: the files are written after the server steps.
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temp = join(folder, `.${stem}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // the umask applies to open's mode
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      for (let n = 1; ; n++) {
        const path = join(folder, `${stem}.bak-${stamp}${n === 1 ? '' : `-${n}`}${extension}`);
        try {
          await link(temp, path);
          return path;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  };
}
