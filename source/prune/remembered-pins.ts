/**
 * The pin files of a setup, remembered once given (issue 19): a state file of their own beside the
 * remembered answers, not an answer field. What is remembered is the files' paths, read again at
 * each run: the list a deploy writes (`nix path-info -r … > pins.txt`) changes with every deploy,
 * and a copy taken once would keep old systems and unpin the new one. A remembered file that is
 * gone is bad input (exit 2), never "no pins": a missing pin list must not delete a deployed
 * system. Kept apart from the answers because the answers describe the setup (and are validated,
 * offered for re-use and shown as a form); pins describe what runs elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { expandUserPath } from '../paths/expand-user-path';
import { readStateJson, writeStateJson } from '../state/state-file';
import { setupFileStem, stateDirPath, type SetupIdentity } from '../state/state-dir';
import { parsePins } from './pins';

export function prunePinsPath(setup: SetupIdentity, effects: Pick<Effects, 'env' | 'home'>): string {
  return join(stateDirPath(effects), 'prune', `${setupFileStem(setup)}.pins.json`);
}

/** Where the keys of a prune run are written before the first delete. */
export function pruneReportPath(setup: SetupIdentity, effects: Pick<Effects, 'env' | 'home' | 'now'>): string {
  const stamp = effects.now().toISOString().replace(/[:.]/g, '-');
  return join(stateDirPath(effects), 'prune', `${setupFileStem(setup)}-${stamp}.keys`);
}

export interface Pins {
  /** the pin files, absolute */
  readonly files: readonly string[];
  /** hash parts of every store path they list */
  readonly hashes: readonly string[];
  /** the files came from an earlier run, not from --pin */
  readonly remembered: boolean;
}

async function readPinFile(path: string, shown: string, remembered: boolean): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(
      remembered
        ? `the pin file ${shown}, remembered from an earlier prune, cannot be read (${code}). Nothing was deleted: give --pin FILE with the paths to keep (an empty file for none).`
        : `--pin ${shown} cannot be read (${code}).`,
      '--pin',
    );
  }
  return parsePins(text, shown);
}

/** The pins: the --pin files given (then remembered), else the remembered ones, else none. */
export async function loadPins(given: readonly string[] | undefined, setup: SetupIdentity, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Promise<Pins> {
  let files: string[];
  let remembered = false;
  if (given !== undefined && given.length > 0) {
    files = given.map((file) => expandUserPath(file, effects));
  } else {
    const kept = (await readStateJson(prunePinsPath(setup, effects))) as { files?: unknown } | undefined;
    files = Array.isArray(kept?.files) ? kept.files.filter((file): file is string => typeof file === 'string') : [];
    remembered = true;
  }
  const hashes = new Set<string>();
  for (const [index, file] of files.entries()) {
    for (const hash of await readPinFile(file, remembered ? file : (given?.[index] ?? file), remembered)) hashes.add(hash);
  }
  return { files, hashes: [...hashes], remembered };
}

/** Remembers the pin files given, for the next runs of this setup. */
export async function rememberPins(pins: Pins, setup: SetupIdentity, effects: Pick<Effects, 'env' | 'home'>): Promise<void> {
  if (pins.remembered) return;
  await writeStateJson(prunePinsPath(setup, effects), { files: pins.files });
}
