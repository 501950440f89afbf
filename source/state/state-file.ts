/**
 * Reading and writing the small JSON files of the state folder (state-dir.ts): atomic (temporary
 * file, fsync, rename, fsync of the folder), mode 0600 in a 0700 folder, because some of them hold
 * a secret for a moment (a pending builder secret). No backups: a state file is ours alone, and a
 * `.bak` copy of a pending secret would outlive the rotation it belongs to.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StepError } from '../errors';
import { syncFolder } from '../files/write-planned-files';

function stateError(error: unknown, path: string, verb: string): StepError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new StepError(`Could not ${verb} the state file ${path}: ${code}.`, 'state', `Check that ${dirname(path)} is a folder you can write.`);
}

/** The parsed JSON of a state file, or undefined when it does not exist. */
export async function readStateJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateError(error, path, 'read');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // never quote the content: it may hold a secret
    throw new StepError(`The state file ${path} is not valid JSON.`, 'state', 'Move it away and run again (the wizard then starts that part afresh).');
  }
}

export async function writeStateJson(path: string, value: unknown): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw stateError(error, path, 'write');
  }
  await chmod(folder, 0o700).catch(() => undefined);
  await syncFolder(folder);
}

export async function removeStateFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw stateError(error, path, 'remove');
  }
  await syncFolder(dirname(path));
}
