import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { Effects } from '../effects';

/** The path of the machine's nix.conf, as Nix finds it (`$NIX_CONF_DIR/nix.conf`, else /etc/nix/nix.conf). */
export function systemNixConfPath(env: Effects['env']): string {
  return join(env['NIX_CONF_DIR'] || '/etc/nix', 'nix.conf');
}

/** Nix follows includes of includes; a loop or a deep chain is cut here rather than followed forever. */
const MAX_INCLUDE_DEPTH = 8;
/** A nix.conf is a few lines; anything bigger is not read whole (memory stays bounded). */
const MAX_NIX_CONF_BYTES = 1024 * 1024;

async function readWithIncludes(path: string, depth: number): Promise<string | null> {
  let text: string;
  try {
    const bytes = await readFile(path);
    text = bytes.subarray(0, MAX_NIX_CONF_BYTES).toString('utf8');
  } catch {
    return null;
  }
  if (depth >= MAX_INCLUDE_DEPTH) return text;
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    lines.push(line);
    // `include PATH` and `!include PATH` (the latter ignores a missing file), relative to this file's folder.
    const include = /^\s*!?include\s+(\S+)\s*(#.*)?$/.exec(line);
    if (include) {
      const target = include[1]!;
      const included = await readWithIncludes(isAbsolute(target) ? target : join(dirname(path), target), depth + 1);
      if (included !== null) lines.push(included);
    }
  }
  return lines.join('\n');
}

/**
 * The machine's nix.conf with the files it includes inlined, as the daemon reads it; null when it
 * is missing or unreadable (then nothing is known to be there).
 */
export async function readSystemNixConf(env: Effects['env']): Promise<string | null> {
  return readWithIncludes(systemNixConfPath(env), 0);
}
