import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Effects } from '../effects';

/** The path of the machine's nix.conf, as Nix finds it (`$NIX_CONF_DIR/nix.conf`, else /etc/nix/nix.conf). */
export function systemNixConfPath(env: Effects['env']): string {
  return join(env['NIX_CONF_DIR'] || '/etc/nix', 'nix.conf');
}

/** The machine's nix.conf, or null when it is missing or unreadable (then nothing is known to be there). */
export async function readSystemNixConf(env: Effects['env']): Promise<string | null> {
  try {
    return await readFile(systemNixConfPath(env), 'utf8');
  } catch {
    return null;
  }
}
