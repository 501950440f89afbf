import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateAnswersInput } from '../../source/answers/resolve-answers';
import { completeFromDisk } from '../../source/facts/read-facts';
import { UsageError } from '../../source/errors';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { rotationStatePath, trustedPublicKeys, writeRotationState } from '../../source/state/rotation-state';
import { setupFileStem, stateDirPath } from '../../source/state/state-dir';

const random = (n: number) => new Uint8Array(randomBytes(n));

describe('the state folder', () => {
  it('is $XDG_CONFIG_HOME/nix-cache-wizard, else ~/.config/nix-cache-wizard (a relative XDG value is ignored)', () => {
    expect(stateDirPath({ env: { XDG_CONFIG_HOME: '/x/conf' }, home: '/home/u' })).toBe('/x/conf/nix-cache-wizard');
    expect(stateDirPath({ env: {}, home: '/home/u' })).toBe('/home/u/.config/nix-cache-wizard');
    expect(stateDirPath({ env: { XDG_CONFIG_HOME: 'relative' }, home: '/home/u' })).toBe('/home/u/.config/nix-cache-wizard');
  });

  it('names each setup by endpoint and bucket, readably and without clashes', () => {
    expect(setupFileStem({ endpoint: 'https://s3.lan:9000', bucket: 'nix-cache' })).toMatch(/^s3\.lan-9000-nix-cache-[0-9a-f]{12}$/);
    expect(setupFileStem({ endpoint: 'https://s3.lan:9000', bucket: 'nix-cache' })).not.toBe(setupFileStem({ endpoint: 'http://s3.lan:9000', bucket: 'nix-cache' }));
  });
});

describe('the keys a rotation still trusts', () => {
  const home = mkdtempSync(join(tmpdir(), 'ncw-state-'));
  const effects = { env: {}, home, cwd: home };
  const base = { endpoint: 'https://s3.lan:9000', bucket: 'nix-cache', admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' } };
  const old = generateNixSecretKey('s3.lan-1', random).publicKeyText();
  const current = generateNixSecretKey('s3.lan-2', random).publicKeyText();

  it('are none until a rotation remembers them, then every run renders them, until dropped', async () => {
    expect((await completeFromDisk(base, effects)).answers.key.trusted).toEqual([]);
    const path = rotationStatePath(effects, base.endpoint, base.bucket);
    await writeRotationState(path, { trusted: [old] });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.config', 'nix-cache-wizard')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ trusted: [old] });
    expect((await completeFromDisk(base, effects)).answers.key.trusted).toEqual([old]);
    // another bucket is another setup
    expect((await completeFromDisk({ ...base, bucket: 'other' }, effects)).answers.key.trusted).toEqual([]);
    // the answers file wins
    expect((await completeFromDisk({ ...base, key: { trusted: [] } }, effects)).answers.key.trusted).toEqual([]);
    await writeRotationState(path, { trusted: [] });
    expect((await completeFromDisk(base, effects)).answers.key.trusted).toEqual([]);
  });

  it('come after the current key, once each', () => {
    expect(trustedPublicKeys(current, [old, current, old])).toEqual([current, old]);
  });

  it('must be Nix public keys, named in the error', () => {
    const error = (() => {
      try {
        validateAnswersInput({ ...base, key: { trusted: ['s3.lan-1:bm90IGEga2V5'] } });
      } catch (caught) {
        return caught as UsageError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(/key\.trusted\.0: must be a Nix public key/);
    expect(error?.message).toMatch(/holds 9 bytes/);
  });
});

describe('remembered answers and trusted keys', () => {
  it('leave key.trusted to the rotation state, so a rotation after the last setup is not undone by it', async () => {
    const { rememberable } = await import('../../source/state/remembered-answers');
    const home = mkdtempSync(join(tmpdir(), 'ncw-state-'));
    const effects = { env: {}, home, cwd: home };
    const base = { endpoint: 'https://s3.lan:9000', bucket: 'nix-cache', admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' } };
    const kept = rememberable((await completeFromDisk(base, effects)).answers);
    expect(kept.key?.trusted).toBeUndefined();
    const old = generateNixSecretKey('s3.lan-1', random).publicKeyText();
    await writeRotationState(rotationStatePath(effects, base.endpoint, base.bucket), { trusted: [old] });
    expect((await completeFromDisk({ ...kept, admin: base.admin }, effects)).answers.key.trusted).toEqual([old]);
  });
});
