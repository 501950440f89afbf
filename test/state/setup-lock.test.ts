import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepError } from '../../source/errors';
import { acquireSetupLock, setupLockPath } from '../../source/state/setup-lock';
import { setupFileStem, stateDirPath } from '../../source/state/state-dir';

const setup = { endpoint: 'https://s3.example.org:9000', bucket: 'nix-cache' };

function effects() {
  const home = mkdtempSync(join(tmpdir(), 'ncw-lock-'));
  return { env: {}, home, now: () => new Date('2026-11-25T10:15:00Z') };
}

const me = (pid: number, alive: readonly number[] = []) => ({ pid, host: 'builder-1', isAlive: (p: number) => alive.includes(p) });

describe('the state folder', () => {
  it('is $XDG_CONFIG_HOME/nix-cache-wizard, else ~/.config/nix-cache-wizard (a relative XDG_CONFIG_HOME is ignored)', () => {
    expect(stateDirPath({ env: { XDG_CONFIG_HOME: '/x/conf' }, home: '/home/ada' })).toBe('/x/conf/nix-cache-wizard');
    expect(stateDirPath({ env: {}, home: '/home/ada' })).toBe('/home/ada/.config/nix-cache-wizard');
    expect(stateDirPath({ env: { XDG_CONFIG_HOME: 'conf' }, home: '/home/ada' })).toBe('/home/ada/.config/nix-cache-wizard');
  });

  it('names each setup by host, port and bucket, and tells http from https', () => {
    expect(setupFileStem(setup)).toMatch(/^s3\.example\.org-9000-nix-cache-[0-9a-f]{12}$/);
    expect(setupFileStem({ ...setup, endpoint: 'http://s3.example.org:9000' })).not.toBe(setupFileStem(setup));
  });
});

describe('the setup lock', () => {
  it('is a 0600 file in a 0700 state folder saying who holds it, removed on release', async () => {
    const fx = effects();
    const lock = await acquireSetupLock(setup, fx, me(100));
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toEqual({ pid: 100, host: 'builder-1', started: '2026-11-25T10:15:00.000Z' });
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(statSync(stateDirPath(fx)).mode & 0o777).toBe(0o700);
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('turns a second run away while the first runs, naming pid, host and start time', async () => {
    const fx = effects();
    await acquireSetupLock(setup, fx, me(100, [100]));
    const error = await acquireSetupLock(setup, fx, me(200, [100, 200])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).step).toBe('lock');
    expect((error as StepError).message).toContain('process 100 on builder-1, started 2026-11-25T10:15:00.000Z');
    expect((error as StepError).hint).toContain(setupLockPath(stateDirPath(fx), setup));
  });

  it('runs started in the same instant: one holds the lock, every other names it (the lock is never seen empty), and no file is left but the lock', async () => {
    // Before the lock was made whole, a run started in the same instant by another process could
    // read it empty (secret-never-lost on Ceph, clean-clone run V of issue 20); in one process the
    // window is too narrow to meet, so this shows the outcome, and that no written file is left.
    for (let round = 0; round < 10; round++) {
      const fx = effects();
      const pids = Array.from({ length: 24 }, (_, i) => 100 + i);
      const results = await Promise.all(pids.map((pid) => acquireSetupLock(setup, fx, me(pid, pids)).catch((e: unknown) => e as StepError)));
      expect(results.filter((result) => !(result instanceof StepError))).toHaveLength(1);
      for (const result of results.filter((result) => result instanceof StepError)) expect(result.message).toMatch(/process 1\d\d on builder-1, started 2026-/);
      expect(readdirSync(stateDirPath(fx))).toEqual([setupLockPath(stateDirPath(fx), setup).split('/').pop()]);
    }
  });

  it('takes over the lock of a process that no longer exists on this host', async () => {
    const fx = effects();
    await acquireSetupLock(setup, fx, me(100, [100]));
    const lock = await acquireSetupLock(setup, fx, me(200, [200]));
    expect((JSON.parse(readFileSync(lock.path, 'utf8')) as { pid: number }).pid).toBe(200);
  });

  it('never takes over a lock held from another host (its process cannot be checked from here)', async () => {
    const fx = effects();
    await acquireSetupLock(setup, fx, { pid: 100, host: 'builder-2', isAlive: () => false });
    await expect(acquireSetupLock(setup, fx, me(200))).rejects.toThrow(/process 100 on builder-2/);
  });

  it('a release after a take-over leaves the new holder\'s lock alone', async () => {
    const fx = effects();
    const old = await acquireSetupLock(setup, fx, me(100, [100]));
    const taken = await acquireSetupLock(setup, fx, me(200, [200]));
    await old.release();
    expect(existsSync(taken.path)).toBe(true);
  });

  it('a half-written lock (a run killed while making it) is respected for a minute', async () => {
    const fx = effects();
    const lock = await acquireSetupLock(setup, fx, me(100));
    writeFileSync(lock.path, '');
    await expect(acquireSetupLock(setup, fx, me(200))).rejects.toThrow(/another run that is starting/);
  });
});
