import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Effects } from '../effects';
import { StepError } from '../errors';
import type { FileAction, FileReport, PlannedFile } from './planned-file';
import { outFilePath } from './resolve-file-path';

/** Points where a test can make the write fail, as a crash or a full disk would. */
export interface WriteFsHooks {
  /** called after the temporary file is written and synced, before it replaces the target */
  beforeRename?(tempPath: string, targetPath: string): void | Promise<void>;
}

export interface WritePlannedFilesOptions {
  /** `--out DIR`: write under DIR instead of the real places (SPEC 4) */
  readonly outDir?: string | undefined;
  /** report would-create / would-update / unchanged and write nothing */
  readonly dryRun: boolean;
  readonly effects: Pick<Effects, 'home' | 'cwd' | 'now'>;
  readonly fsHooks?: WriteFsHooks | undefined;
}

/** Folders the wizard creates hold secrets or sit next to them: only the owner may enter (SPEC 10). */
const FOLDER_MODE = 0o700;

interface Decision {
  readonly file: PlannedFile;
  /** where the bytes go: the real path, or its place under --out */
  readonly target: string;
  /** undefined: nothing to write */
  readonly content: string | undefined;
  readonly action: FileAction;
  /** the path reported */
  readonly reportPath: string;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw writeError(error, path, 'read');
  }
}

async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function writeError(error: unknown, path: string, verb: string): StepError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? (error as Error).message);
  return new StepError(`Could not ${verb} ${path}: ${why}.`, 'files', 'Check the path and its permissions, or choose another path (or --out DIR), then run again.');
}

/** `20261125T101500Z`: sorts by time and is valid in every file system. */
export function backupTimestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** Without `outPath`: under the working directory stays relative, then home, else absolute. */
function deriveOutPath(path: string, effects: Pick<Effects, 'home' | 'cwd'>): string {
  const inside = (root: string): string | undefined => {
    const rest = relative(resolve(root), path);
    return rest !== '' && !rest.startsWith('..') && !isAbsolute(rest) ? rest : undefined;
  };
  const underCwd = inside(effects.cwd);
  if (underCwd !== undefined) return underCwd;
  const underHome = inside(effects.home);
  if (underHome !== undefined) return join('home', underHome);
  return relative(sep, path);
}

/** A symlinked file (say ~/.aws/credentials into a dotfiles repo) is written through the link. */
async function followLink(path: string): Promise<string> {
  try {
    const info = await lstat(path);
    return info.isSymbolicLink() ? await realpath(path) : path;
  } catch {
    return path;
  }
}

async function decide(file: PlannedFile, options: WritePlannedFilesOptions): Promise<Decision> {
  const { effects, outDir } = options;
  const realPath = outDir === undefined ? await followLink(file.path) : file.path;
  // The merge base is always the real file: with --out, the result is what would be written there.
  const base = await readIfExists(realPath);
  if (file.keepExisting && base !== null) {
    // Nothing would be written at the real path, so nothing is written under --out either; the
    // report names the real file, the one in use.
    return { file, target: realPath, content: undefined, action: 'unchanged', reportPath: realPath };
  }
  const content = file.render(base);
  const target =
    outDir === undefined ? realPath : await followLink(outFilePath(outDir, file.outPath ?? deriveOutPath(file.path, effects), effects));
  const current = outDir === undefined ? base : await readIfExists(target);
  if (file.keepExisting && current !== null) {
    return { file, target, content: undefined, action: 'unchanged', reportPath: target };
  }
  if (current === content) return { file, target, content: undefined, action: 'unchanged', reportPath: target };
  const created = current === null;
  const action: FileAction = options.dryRun ? (created ? 'would-create' : 'would-update') : created ? 'created' : 'updated';
  return { file, target, content, action, reportPath: target };
}

/** Creates each missing folder level with mode 0700, whatever the umask. */
async function makeParents(folder: string): Promise<void> {
  const missing: string[] = [];
  let current = folder;
  while (!(await statIfExists(current))) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) {
    try {
      await mkdir(level, { mode: FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      continue;
    }
    await chmod(level, FOLDER_MODE);
  }
}

async function backup(target: string, stamp: string, secret: boolean, mode: number): Promise<void> {
  for (let n = 1; ; n++) {
    const name = `${target}.bak-${stamp}${n === 1 ? '' : `-${n}`}`;
    try {
      await copyFile(target, name, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    // The backup keeps the file's mode; a secret's backup is never readable by others.
    await chmod(name, secret ? mode & 0o600 : mode & 0o7777);
    return;
  }
}

export async function syncFolder(folder: string): Promise<void> {
  // Makes the rename durable; some file systems refuse to open or fsync a folder, and the write
  // has already happened, so a failure here is ignored.
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function writeAtomically(decision: Decision, options: WritePlannedFilesOptions, stamp: string): Promise<void> {
  const { file, target } = decision;
  const content = decision.content as string;
  const folder = dirname(target);
  await makeParents(folder);
  const existing = await statIfExists(target);
  if (existing?.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  // An existing file keeps its mode (someone may have chosen 0640), a secret one tightened to 0600
  // at most; a new file gets the planned mode.
  const mode = existing ? (file.secret ? existing.mode & 0o600 : existing.mode & 0o7777) : file.mode;
  if (existing) await backup(target, stamp, file.secret, existing.mode);

  const temp = join(folder, `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // the umask applies to open's mode
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.fsHooks?.beforeRename?.(temp, target);
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/**
 * The one safe writer (SPEC 4, 10). Every file is rendered first, so an unparsable existing file
 * (`FileParseError`) stops the run before anything is written. Then each changed file is written
 * atomically: a temporary file in the same folder with the final mode, fsync, rename, fsync of the
 * folder. An existing file that changes is first copied to `FILE.bak-<UTC timestamp>`; an
 * unchanged one is not touched; a `keepExisting` file is never overwritten. New folders are 0700.
 * With `dryRun` nothing is written and the actions say what would happen.
 */
export async function writePlannedFiles(files: readonly PlannedFile[], options: WritePlannedFilesOptions): Promise<FileReport[]> {
  const decisions: Decision[] = [];
  for (const file of files) decisions.push(await decide(file, options));
  if (options.dryRun) return decisions.map((d) => ({ path: d.reportPath, action: d.action }));

  const stamp = backupTimestamp(options.effects.now());
  const reports: FileReport[] = [];
  for (const decision of decisions) {
    try {
      if (decision.content !== undefined) {
        await writeAtomically(decision, options, stamp);
      } else if (decision.file.secret && decision.action === 'unchanged') {
        // An unchanged secret file that others can read is tightened; chmod leaves its mtime alone.
        const info = await statIfExists(decision.target);
        if (info && (info.mode & 0o077) !== 0) await chmod(decision.target, info.mode & 0o600);
      }
    } catch (error) {
      if (error instanceof StepError) throw error;
      throw writeError(error, decision.target, 'write');
    }
    reports.push({ path: decision.reportPath, action: decision.action });
  }
  return reports;
}
