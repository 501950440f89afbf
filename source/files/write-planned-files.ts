import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { access, chmod, copyFile, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Effects } from '../effects';
import { FileParseError, StepError, UsageError } from '../errors';
import { processIsAlive } from '../processes/process-alive';
import { makeFolders, runsAsRoot, statIfExists, takeOwnerOf } from './make-folders';
import { type FileAction, type FileReport, type PlannedFile, fileField } from './planned-file';
import { nonRegularKind, notRegularError, PlantedLinkError, realTarget, statTarget } from './regular-file';
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

interface Decision {
  readonly file: PlannedFile;
  /** where the bytes go: the real path (symlinks followed), or its place under --out */
  readonly target: string;
  /** undefined: nothing to write */
  readonly content: string | undefined;
  readonly action: FileAction;
  /** the path reported */
  readonly reportPath: string;
  /** the real file the answer names (symlinks followed), whatever --out says */
  readonly realPath: string;
}

/** Reads a target that must be a regular file if it exists (never a FIFO: that would hang). */
async function readTarget(path: string, file: PlannedFile): Promise<string | null> {
  let info: Stats | undefined;
  try {
    info = await statTarget(path);
  } catch (error) {
    throw writeError(error, path, 'read');
  }
  if (info === undefined) return null;
  const kind = nonRegularKind(info);
  if (kind !== undefined) throw notRegularError(fileField(file.id), path, kind);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw writeError(error, path, 'read');
  }
  // Decoding leniently would turn bytes that are not UTF-8 into U+FFFD, and the merge would write
  // those back: someone else's bytes changed. botocore and mc refuse such a file too.
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const field = fileField(file.id);
    throw new UsageError(`${field}: ${path} holds bytes that are not UTF-8 text; it was left as it was. Fix or move it, then run again.`, field, [
      { field, message: 'the existing file is not UTF-8 text' },
    ]);
  }
}

function writeError(error: unknown, path: string, verb: string): StepError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'it is on a read-only file system'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (code ?? (error as Error).message);
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

/** realTarget, a planted link being bad input naming the field (exit 2, before any server change). */
async function fieldTarget(path: string, file: PlannedFile): Promise<string> {
  try {
    return await realTarget(path);
  } catch (error) {
    if (!(error instanceof PlantedLinkError)) throw error;
    const field = fileField(file.id);
    throw new UsageError(`${field}: ${error.message}. Remove the link or give ${field} another path; nothing was changed.`, field, [{ field, message: error.message }]);
  }
}

/**
 * An existing file that cannot be parsed is bad input naming its field (exit 2): the user must mend
 * it, and it is found while the files are planned, before any server change or write.
 */
function renderOrRefuse(file: PlannedFile, base: string | null): string {
  try {
    return file.render(base);
  } catch (error) {
    if (!(error instanceof FileParseError)) throw error;
    const field = fileField(file.id);
    throw new UsageError(`${field}: ${error.message}`, field, [{ field, message: error.message }]);
  }
}

async function decide(file: PlannedFile, options: WritePlannedFilesOptions): Promise<Decision> {
  const { effects, outDir } = options;
  // A symlinked file (say ~/.aws/credentials into a dotfiles repo) is written through the link.
  const realPath = await fieldTarget(file.path, file);
  // The merge base is always the real file: with --out, the result is what would be written there.
  const base = await readTarget(realPath, file);
  if (file.keepExisting && base !== null) {
    // Nothing would be written at the real path, so nothing is written under --out either; the
    // report names the real file, the one in use.
    return { file, target: realPath, content: undefined, action: 'unchanged', reportPath: realPath, realPath };
  }
  const content = renderOrRefuse(file, base);
  const target = outDir === undefined ? realPath : await fieldTarget(outFilePath(outDir, file.outPath ?? deriveOutPath(file.path, effects), effects), file);
  const current = outDir === undefined ? base : await readTarget(target, file);
  if (file.keepExisting && current !== null) {
    return { file, target, content: undefined, action: 'unchanged', reportPath: target, realPath };
  }
  if (current === content) return { file, target, content: undefined, action: 'unchanged', reportPath: target, realPath };
  const created = current === null;
  const action: FileAction = options.dryRun ? (created ? 'would-create' : 'would-update') : created ? 'created' : 'updated';
  return { file, target, content, action, reportPath: target, realPath };
}

/** `--out` must be a folder (or missing). */
async function checkOutDir(outDir: string, effects: Pick<Effects, 'cwd'>): Promise<void> {
  const full = resolve(effects.cwd, outDir);
  const info = await statTarget(full);
  if (info && !info.isDirectory()) {
    throw new UsageError(`--out: ${outDir} is ${nonRegularKind(info) ?? 'a file'}, not a folder; give a folder to write the files under`, '--out');
  }
}

/** Two answers that land on one file (through a symlink, or under --out) would overwrite each other. */
function refuseCollisions(decisions: readonly Decision[], outDir: string | undefined): void {
  const targets = new Map<string, Decision>();
  const reals = new Map<string, Decision>();
  for (const decision of decisions) {
    const field = fileField(decision.file.id);
    const sameReal = reals.get(decision.realPath);
    if (sameReal) {
      throw new UsageError(`${field}: names the same file as ${fileField(sameReal.file.id)} (${decision.realPath}, symlinks followed); give each file its own path`, field);
    }
    const sameTarget = targets.get(decision.target);
    if (sameTarget) {
      const where = outDir === undefined ? '' : ` under --out ${outDir}`;
      throw new UsageError(`${field}: lands on the same file as ${fileField(sameTarget.file.id)}${where} (${decision.target}); give each file its own path`, field);
    }
    targets.set(decision.target, decision);
    reals.set(decision.realPath, decision);
  }
}

/** `.NAME.tmp-PID-HEX`: the temporary files of this writer, named so a later run can find them. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * Removes temporary files a killed run left beside `target` (they may hold secrets): only ours
 * (the name pattern above) and only those whose process is gone.
 */
async function removeLeftovers(target: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || match[1] !== basename(target)) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processIsAlive(pid)) continue;
    await unlink(join(dirname(target), name)).catch(() => undefined);
  }
}

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** `FILE.bak-<stamp>` or, when that is taken, `FILE.bak-<stamp>-N`. */
function backupPathFor(target: string, stamp: string, n: number): string {
  return `${target}.bak-${stamp}${n === 1 ? '' : `-${n}`}`;
}

/**
 * A probe for proveWritable, beside `target`, whose name is as long (in bytes, as the file system
 * counts) as the longest name the write will make there: the temporary file, and the backup when
 * the file exists (with a `-N` of one digit). A name that fits the probe fits the write; a file
 * name the file system takes but not with `.tmp-…` or `.bak-…` added is found before any server
 * change. It has the temporary files' pattern (the process id padded with zeros), so a killed
 * run's probe is removed by the next run like any leftover.
 */
function probePathFor(target: string, folder: string, exists: boolean): string {
  const temp = basename(tempPathFor(target));
  const backup = basename(backupPathFor(target, backupTimestamp(new Date(0)), 2));
  const longest = Math.max(Buffer.byteLength(temp), exists ? Buffer.byteLength(backup) : 0);
  const pid = String(process.pid).padStart(String(process.pid).length + longest - Buffer.byteLength(temp), '0');
  return join(folder, `.${basename(target)}.tmp-${pid}-${randomBytes(4).toString('hex')}`);
}

async function backup(target: string, stamp: string, secret: boolean, original: Stats): Promise<void> {
  const mode = original.mode;
  for (let n = 1; ; n++) {
    const name = backupPathFor(target, stamp, n);
    try {
      await copyFile(target, name, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    // The backup keeps the file's mode; a secret's backup is never readable by others.
    await chmod(name, secret ? mode & 0o600 : mode & 0o7777);
    await takeOwnerOf(name, original);
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

/** Temporary file with `mode` and the owner it should have, fsync, rename, fsync of the folder. */
async function replaceAtomically(
  target: string,
  content: string,
  mode: number,
  owner: Pick<Stats, 'uid' | 'gid'> | undefined,
  hooks: WriteFsHooks | undefined,
): Promise<void> {
  const folder = dirname(target);
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // the umask applies to open's mode
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (owner) await takeOwnerOf(temp, owner);
    await hooks?.beforeRename?.(temp, target);
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

async function writeAtomically(decision: Decision, options: WritePlannedFilesOptions, stamp: string): Promise<void> {
  const { file, target } = decision;
  const content = decision.content as string;
  const folder = dirname(target);
  await makeFolders(folder);
  const existing = await statIfExists(target);
  if (existing?.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  // An existing file keeps its mode (someone may have chosen 0640), a secret one tightened to 0600
  // at most; a new file gets the planned mode.
  const mode = existing ? (file.secret ? existing.mode & 0o600 : existing.mode & 0o7777) : file.mode;
  if (existing) await backup(target, stamp, file.secret, existing);
  // An existing file keeps its owner and group; a new one is owned like its folder (run as root
  // for another user, the user's files stay the user's).
  await replaceAtomically(target, content, mode, existing ?? (runsAsRoot() ? await stat(folder) : undefined), options.fsHooks);
}

/** A small secret file of the wizard's own (the state folder): 0600, atomic, no backup. */
export async function writeSecretFileAtomically(path: string, content: string): Promise<void> {
  await makeFolders(dirname(path));
  await removeLeftovers(path);
  await replaceAtomically(path, content, 0o600, runsAsRoot() ? await stat(dirname(path)) : undefined, undefined);
}

/**
 * Writes and removes, where `target` will be written (its folder, or the nearest that exists), a
 * file with the longest name the write makes there (probePathFor), then opens an existing target
 * for writing. Throws the file system's error, with `probe` set to the probe's path.
 */
export async function probeWrite(target: string): Promise<string> {
  let folder = dirname(target);
  while (!(await statIfExists(folder))) folder = dirname(folder);
  const exists = (await statIfExists(target)) !== undefined;
  const probe = probePathFor(target, folder, exists);
  try {
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
    await unlink(probe);
    if (exists) {
      await access(target, constants.W_OK);
      const handle = await open(target, 'r+');
      await handle.close();
    }
  } catch (error) {
    await unlink(probe).catch(() => undefined);
    throw Object.assign(error as Error, { probe });
  }
  return probe;
}

/**
 * Proves, before the first server change (SPEC 10), that every file that will be written can be:
 * its real folder (or the nearest one that exists) takes a new file, and an existing file can be
 * opened for writing. A symlink into a read-only place (home-manager), a folder that is not
 * writable, a read-only file system: each is found here, while nothing has changed yet.
 */
export async function proveWritable(files: readonly PlannedFile[], options: Omit<WritePlannedFilesOptions, 'dryRun'>): Promise<void> {
  const decisions: Decision[] = [];
  for (const file of files) decisions.push(await decide(file, { ...options, dryRun: true }));
  for (const decision of decisions) {
    if (decision.content === undefined && !decision.file.secret) continue;
    const { target } = decision;
    const field = fileField(decision.file.id);
    try {
      await probeWrite(target);
    } catch (error) {
      const probe = (error as { probe?: string }).probe ?? target;
      if ((error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') {
        throw new UsageError(
          `${field}: the file name ${basename(target)} is too long to write safely: the temporary and backup files beside it (${Buffer.byteLength(basename(probe))} bytes) exceed what the file system allows; nothing was changed on the server.`,
          field,
          [{ field, message: 'the file name is too long for its temporary and backup files' }],
        );
      }
      const folder = dirname(probe);
      const failure = writeError(error, (await statIfExists(target)) ? target : folder, 'write to');
      throw new StepError(
        `${field}: ${failure.message} Nothing was changed on the server.`,
        'files',
        `Make ${target} writable (a symlink into a read-only place, such as one made by home-manager, cannot be written through), or give ${field} another path, then run again.`,
      );
    }
  }
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
  if (options.outDir !== undefined) await checkOutDir(options.outDir, options.effects);
  const decisions: Decision[] = [];
  for (const file of files) decisions.push(await decide(file, options));
  refuseCollisions(decisions, options.outDir);
  if (options.dryRun) return decisions.map((d) => ({ path: d.reportPath, action: d.action }));

  const stamp = backupTimestamp(options.effects.now());
  const reports: FileReport[] = [];
  for (const decision of decisions) {
    try {
      await removeLeftovers(decision.target);
      if (decision.content !== undefined) {
        await writeAtomically(decision, options, stamp);
      } else if (decision.file.secret && decision.action === 'unchanged') {
        // An unchanged secret file that others can read is tightened; chmod leaves its mtime alone.
        const info = await statIfExists(decision.target);
        if (info && (info.mode & 0o077) !== 0) await chmod(decision.target, info.mode & 0o600);
      }
    } catch (error) {
      if (error instanceof StepError || error instanceof UsageError) throw error;
      throw writeError(error, decision.target, 'write');
    }
    reports.push({ path: decision.reportPath, action: decision.action });
  }
  return reports;
}
