/** The `rotate` commands' usage errors: exit 2, a message naming what to give, nothing written. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupLockPath } from '../../source/state/setup-lock';
import { stateDirPath } from '../../source/state/state-dir';
import { makeCliSandbox } from '../helpers/run-cli';

describe('nix-cache-wizard rotate', () => {
  it('names its two commands when given none, as a usage error', async () => {
    const sandbox = makeCliSandbox();
    const run = await sandbox.run(['rotate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/credentials[\s\S]*key/);
  });

  it('refuses --force without --drop-old', async () => {
    const run = await makeCliSandbox().run(['rotate', 'key', '--force']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--force goes with --drop-old only');
  });

  it('refuses to rotate a signing key that does not exist yet, naming key.secretFile, and writes nothing', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ backend: 'minio', endpoint: 'https://s3.lan:9000' });
    const before = sandbox.listFiles();
    const run = await sandbox.run(['rotate', 'key', '--json', '--answers', 'answers.json']);
    expect(run.code).toBe(2);
    const json = JSON.parse(run.stdout) as { ok: boolean; error: { field: string; message: string } };
    expect(json).toMatchObject({ ok: false, error: { field: 'key.secretFile' } });
    expect(json.error.message).toContain('run `nix-cache-wizard setup` first');
    expect(sandbox.listFiles()).toEqual(before);
  });

  it('refuses rotate credentials when the answers give the builder secret, which would then be the old one', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ backend: 'minio', endpoint: 'https://s3.lan:9000', admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' }, builder: { secretKey: 'Old+Builder-Secret-1' } });
    const run = await sandbox.run(['rotate', 'credentials', '--yes', '--answers', 'answers.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/builder\.secretKey/);
  });

  it('refuses rotate credentials --reader on a public cache, which has no reader, naming anonymous, and writes nothing', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ backend: 'minio', endpoint: 'https://s3.lan:9000', admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' }, anonymous: 'get' });
    const before = sandbox.listFiles();
    const run = await sandbox.run(['rotate', 'credentials', '--reader', '--yes', '--json', '--answers', 'answers.json']);
    expect(run.code).toBe(2);
    const json = JSON.parse(run.stdout) as { ok: boolean; command: string; error: { field: string; message: string } };
    expect(json).toMatchObject({ ok: false, command: 'rotate credentials --reader', error: { field: 'anonymous' } });
    expect(json.error.message).toContain('no reader user to rotate');
    expect(sandbox.listFiles()).toEqual(before);
  });

  it('refuses rotate credentials --reader when the answers give the reader secret', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ backend: 'minio', endpoint: 'https://s3.lan:9000', admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' }, anonymous: 'none', reader: { secretKey: 'Old+Reader-Secret-1' } });
    const run = await sandbox.run(['rotate', 'credentials', '--reader', '--yes', '--answers', 'answers.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/reader\.secretKey/);
    expect(run.stderr).not.toContain('Old+Reader-Secret-1');
  });

  it('is turned away at once, not queued: while another run holds the setup lock, both rotations stop at step lock, name the holder and change nothing', async () => {
    const sandbox = makeCliSandbox();
    const endpoint = 'https://s3.lan:9000';
    sandbox.writeAnswers({ backend: 'minio', endpoint, admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' }, bucket: 'nix-cache' });
    // a live process (this one) holds the lock of the same endpoint and bucket
    const lock = setupLockPath(stateDirPath(sandbox.effects()), { endpoint, bucket: 'nix-cache' });
    mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-11-30T10:00:00.000Z' }), { mode: 0o600 });
    const before = sandbox.listFiles();
    for (const command of [['rotate', 'credentials'], ['rotate', 'key'], ['rotate', 'credentials', '--reader']]) {
      const run = await sandbox.run([...command, '--yes', '--json', '--answers', 'answers.json']);
      const json = JSON.parse(run.stdout) as { ok: boolean; error: { step?: string; message: string } };
      if (command.includes('--reader')) {
        // a public cache: refused before anything else (no reader), still nothing changed
        expect(run.code).toBe(2);
      } else {
        expect(run.code, run.stdout).toBe(1);
        expect(json).toMatchObject({ ok: false, error: { step: 'lock' } });
        expect(json.error.message).toContain(`process ${process.pid}`);
        expect(json.error.message).toContain('Wait for it to finish and run again');
      }
      expect(sandbox.listFiles()).toEqual(before);
    }
  });
});
