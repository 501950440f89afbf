/**
 * One run per setup at a time (SPEC 10): two runs on the same endpoint and bucket would both find
 * "no user yet", both set a secret, and leave a profile whose secret the server no longer holds.
 * The lock is a file in the state folder saying who holds it (pid, host, start time), made whole:
 * written under a name of its own, then linked to the lock's name, which fails when the lock exists
 * (O_EXCL where the filesystem has no hard links). So a run that finds the lock always learns who
 * holds it, even when it started in the same instant (before, it could read the lock empty). A lock left by a process that no longer exists on this host is taken over; one held by a
 * live process (or by another host, which we cannot check) stops the run, saying who holds it.
 */
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import type { Effects } from '../effects';
import { StepError } from '../errors';
import { processIsAlive } from '../processes/process-alive';
import { ensureStateDir, setupFileStem, type SetupIdentity } from './state-dir';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder started */
  readonly started: string;
}

export interface SetupLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockProcess {
  readonly pid: number;
  readonly host: string;
  /** false when no process with this pid exists on this host */
  isAlive(pid: number): boolean;
}


const thisProcess = (): LockProcess => ({ pid: process.pid, host: osHostname(), isAlive: processIsAlive });

/** A lock file whose writer died between creating and filling it is stale after this long. */
const UNREADABLE_STALE_MS = 60_000;

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.started === 'string') {
      return { pid: value.pid, host: value.host, started: value.started };
    }
  } catch {
    // a half-written lock
  }
  return undefined;
}

export function setupLockPath(stateDir: string, setup: SetupIdentity): string {
  return join(stateDir, `${setupFileStem(setup)}.lock`);
}

export async function acquireSetupLock(
  setup: SetupIdentity,
  effects: Pick<Effects, 'env' | 'home' | 'now'>,
  me: LockProcess = thisProcess(),
): Promise<SetupLock> {
  const path = setupLockPath(await ensureStateDir(effects), setup);
  const holder: LockHolder = { pid: me.pid, host: me.host, started: effects.now().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await createWhole(path, `${JSON.stringify(holder)}\n`);
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          // Only our own lock is removed: one taken over after a very long pause is someone else's.
          const now = parseHolder(await readFile(path, 'utf8').catch(() => ''));
          if (now?.pid === holder.pid && now.host === holder.host && now.started === holder.started) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StepError(`Could not create the lock ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'lock', 'Check that the state folder is writable.');
      }
    }
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text === null) continue; // released meanwhile: try again
    const other = parseHolder(text);
    if (other === undefined) {
      const age = Date.now() - (await stat(path).then((s) => s.mtimeMs).catch(() => Date.now()));
      if (age < UNREADABLE_STALE_MS) throw busy(path, undefined);
    } else if (other.host !== me.host || me.isAlive(other.pid)) {
      throw busy(path, other);
    }
    // Stale: its process is gone. Remove it and try again (O_EXCL decides between two takers).
    await unlink(path).catch(() => undefined);
  }
  throw busy(path, undefined);
}

/** Writes `path` with `text`, failing with EEXIST when it exists; it never exists empty or half-written. */
async function createWhole(path: string, text: string): Promise<void> {
  const written = `${path}.${randomBytes(6).toString('hex')}.new`;
  await writeNew(written, text);
  try {
    await link(written, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    // no hard links here: O_EXCL, then the text (another run may see it empty for an instant)
    await writeNew(path, text);
  } finally {
    await unlink(written).catch(() => undefined);
  }
}

/** Creates `path` (O_EXCL, 0600) with `text`, synced. */
async function writeNew(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function busy(path: string, holder: LockHolder | undefined): StepError {
  const who = holder ? `process ${holder.pid} on ${holder.host}, started ${holder.started}` : 'another run that is starting';
  return new StepError(
    `Another run is working on this setup (${who}); two runs at once could both set the builder secret.`,
    'lock',
    `Wait for it to finish and run again. If that process is gone for good, delete ${path}.`,
  );
}
