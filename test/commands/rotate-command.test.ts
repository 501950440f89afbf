/** The `rotate` commands' usage errors: exit 2, a message naming what to give, nothing written. */
import { describe, expect, it } from 'vitest';
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
});
