/**
 * The machine's nix.conf as the Nix daemon reads it: where it is, and the lines it holds with
 * every included file inlined, bounded in depth and size.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSystemNixConf, systemNixConfPath } from '../../source/nix/system-nix-conf';

const scratch = mkdtempSync(join(tmpdir(), 'ncw-nix-conf-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function confDir(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

describe("where the machine's nix.conf is", () => {
  it('is $NIX_CONF_DIR/nix.conf when NIX_CONF_DIR is set, else /etc/nix/nix.conf (an empty NIX_CONF_DIR counts as unset)', () => {
    expect(systemNixConfPath({ NIX_CONF_DIR: '/opt/nix-conf' })).toBe('/opt/nix-conf/nix.conf');
    expect(systemNixConfPath({})).toBe('/etc/nix/nix.conf');
    expect(systemNixConfPath({ NIX_CONF_DIR: '' })).toBe('/etc/nix/nix.conf');
  });
});

describe("reading the machine's nix.conf", () => {
  it('gives its lines as written when it includes nothing', async () => {
    const dir = confDir('plain', { 'nix.conf': 'substituters = https://cache.nixos.org\ntrusted-public-keys = cache.nixos.org-1:6NCH…\n' });
    expect(await readSystemNixConf({ NIX_CONF_DIR: dir })).toBe('substituters = https://cache.nixos.org\ntrusted-public-keys = cache.nixos.org-1:6NCH…\n');
  });

  it('inlines an include by absolute path and one followed by a comment, right after the include line', async () => {
    const other = confDir('other', { 'cache.conf': 'extra-substituters = https://s3.example.org/nix-cache' });
    const dir = confDir('includes', { 'nix.conf': `include ${join(other, 'cache.conf')}\n!include local.conf # machine-specific\nmax-jobs = 4\n`, 'local.conf': 'cores = 2' });
    expect(await readSystemNixConf({ NIX_CONF_DIR: dir })).toBe(
      `include ${join(other, 'cache.conf')}\nextra-substituters = https://s3.example.org/nix-cache\n!include local.conf # machine-specific\ncores = 2\nmax-jobs = 4\n`,
    );
  });

  it('a commented-out include is not followed', async () => {
    const dir = confDir('commented', { 'nix.conf': '# include secret.conf\n', 'secret.conf': 'should not appear' });
    expect(await readSystemNixConf({ NIX_CONF_DIR: dir })).toBe('# include secret.conf\n');
  });

  it('follows includes of includes 8 deep and no deeper: a longer chain is cut, not followed forever', async () => {
    const files: Record<string, string> = { 'nix.conf': 'level = 0\ninclude 1.conf' };
    for (let level = 1; level <= 12; level++) files[`${level}.conf`] = `level = ${level}\ninclude ${level + 1}.conf`;
    const text = (await readSystemNixConf({ NIX_CONF_DIR: confDir('chain', files) })) ?? '';
    expect(text).toContain('level = 8');
    expect(text).not.toContain('level = 9');
  });

  it('reads at most 1 MiB of a file: a huge nix.conf does not fill the memory', async () => {
    const dir = confDir('huge', { 'nix.conf': Buffer.alloc(3 * 1024 * 1024, 'a') });
    const text = await readSystemNixConf({ NIX_CONF_DIR: dir });
    expect(text?.length).toBe(1024 * 1024);
  });

  it('is null when there is no nix.conf or it cannot be read (a folder in its place)', async () => {
    expect(await readSystemNixConf({ NIX_CONF_DIR: join(scratch, 'absent') })).toBeNull();
    const dir = confDir('folder', {});
    mkdirSync(join(dir, 'nix.conf'));
    expect(await readSystemNixConf({ NIX_CONF_DIR: dir })).toBeNull();
  });
});
