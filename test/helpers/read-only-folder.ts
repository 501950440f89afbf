/**
 * A folder this process cannot write to, like the Nix store a home-manager symlink points into.
 * Root ignores permission bits, so as root it is a read-only tmpfs mount (writes fail with EROFS,
 * as in /nix/store); otherwise a folder with mode 0555.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ReadOnlyFolder {
  readonly path: string;
  remove(): void;
}

/** Makes the folder holding `files` (name → content), then makes it read-only. */
export function makeReadOnlyFolder(files: Readonly<Record<string, string>> = {}): ReadOnlyFolder {
  const path = mkdtempSync(join(tmpdir(), 'ncw-ro-'));
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', path]);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(path, name), content, { mode: 0o644 });
  if (root) execFileSync('mount', ['-o', 'remount,ro', path]);
  else chmodSync(path, 0o555);
  return {
    path,
    remove() {
      if (root) execFileSync('umount', ['-l', path]);
      else chmodSync(path, 0o755);
    },
  };
}
