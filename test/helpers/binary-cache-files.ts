/** The files of a `nix copy --to file://DIR` binary cache, to upload as Nix's S3 store would lay them out. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, relative and sorted, but its nix-cache-info (the wizard's stays in the bucket). */
export function binaryCacheFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (relative(dir, full) !== 'nix-cache-info') found.push(relative(dir, full));
    }
  };
  walk(dir);
  return found.sort();
}
