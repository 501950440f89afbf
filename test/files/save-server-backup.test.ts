/**
 * SPEC 5: before someone else's bucket policy or lifecycle rules are replaced, the whole document
 * is saved to a local backup file, 0600, never over an earlier one.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverBackupSaver } from '../../source/files/save-server-backup';

describe('a server backup', () => {
  const effects = (cwd: string) => ({ cwd, now: () => new Date('2026-11-25T10:15:00.123Z') });

  it('is written complete, mode 0600, named with the time, beside the generated files', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ncw-backup-'));
    const save = serverBackupSaver(effects(cwd), undefined);
    const path = await save('nix-cache.bucket-policy.json', '{"Statement":[]}');
    expect(path).toBe(join(cwd, 'nix-cache.bucket-policy.bak-20261125T101500Z.json'));
    expect(readFileSync(path, 'utf8')).toBe('{"Statement":[]}');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // a second one in the same second gets its own name; no temporary file is left
    const second = await save('nix-cache.bucket-policy.json', 'two');
    expect(second).toBe(join(cwd, 'nix-cache.bucket-policy.bak-20261125T101500Z-2.json'));
    expect(readFileSync(path, 'utf8')).toBe('{"Statement":[]}');
    expect(readdirSync(cwd).sort()).toEqual(['nix-cache.bucket-policy.bak-20261125T101500Z-2.json', 'nix-cache.bucket-policy.bak-20261125T101500Z.json']);
  });

  it('goes under --out DIR when one is given, made 0700 if missing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ncw-backup-'));
    const path = await serverBackupSaver(effects(cwd), 'out')('b.lifecycle.xml', '<x/>');
    expect(path).toBe(join(cwd, 'out', 'b.lifecycle.bak-20261125T101500Z.xml'));
    expect(statSync(join(cwd, 'out')).mode & 0o777).toBe(0o700);
  });

  it('fails, writing nothing, where the folder cannot be written', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ncw-backup-'));
    writeFileSync(join(cwd, 'a-file'), '');
    await expect(serverBackupSaver(effects(cwd), 'a-file/out')('b.lifecycle.xml', '<x/>')).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(readdirSync(cwd)).toEqual(['a-file']);
  });
});
