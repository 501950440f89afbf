/** Where a path the user answered lands on disk (SPEC 4): `~` is HOME, anything relative is the working folder's. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../source/errors';
import { expandUserPath, homeFolder } from '../../source/paths/expand-user-path';

const where = { home: '/home/alice', cwd: '/srv/work' };

describe('expanding a path the user answered', () => {
  it('~ alone is the home folder, and ~/x is under it', () => {
    expect(expandUserPath('~', where)).toBe('/home/alice');
    expect(expandUserPath('~/.aws/credentials', where)).toBe('/home/alice/.aws/credentials');
  });

  it('a home folder given with a trailing slash or dots still gives one clean path', () => {
    expect(expandUserPath('~/.config/nix/secret.key', { ...where, home: '/home/alice/' })).toBe('/home/alice/.config/nix/secret.key');
    expect(expandUserPath('~/x', { ...where, home: '/home/./alice/../alice' })).toBe('/home/alice/x');
  });

  it('a relative path is relative to the working folder, ./ and ../ included', () => {
    expect(expandUserPath('nix-cache.nix', where)).toBe('/srv/work/nix-cache.nix');
    expect(expandUserPath('./out/nix.conf', where)).toBe('/srv/work/out/nix.conf');
    expect(expandUserPath('../common/policy.json', where)).toBe('/srv/common/policy.json');
  });

  it('an absolute path is kept (normalised), whatever HOME is', () => {
    expect(expandUserPath('/etc/nix/nix.conf', where)).toBe('/etc/nix/nix.conf');
    expect(expandUserPath('/etc//nix/./nix.conf', { ...where, home: '' })).toBe('/etc/nix/nix.conf');
  });

  it('only a leading ~/ is the home folder: ~user, a ~ inside a name and $HOME are taken literally', () => {
    expect(expandUserPath('~bob/x', where)).toBe('/srv/work/~bob/x');
    expect(expandUserPath('keys/~/x', where)).toBe('/srv/work/keys/~/x');
    // the wizard expands no environment variables: $HOME is a folder named "$HOME"
    expect(expandUserPath('$HOME/.aws/credentials', where)).toBe('/srv/work/$HOME/.aws/credentials');
  });

  it('an empty HOME refuses ~ with a usage error naming HOME, instead of writing under the working folder', () => {
    const error = (() => {
      try {
        expandUserPath('~/.aws/credentials', { ...where, home: '' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ field: 'HOME', exitCode: 2 });
    expect((error as Error).message).toContain('HOME is empty');
    expect((error as Error).message).toContain('absolute path');
  });

  it('a relative HOME (HOME=.) refuses ~, quoting what HOME was', () => {
    expect(() => expandUserPath('~', { ...where, home: '.' })).toThrow('HOME is the relative path "."');
    expect(() => homeFolder('home/alice')).toThrow(UsageError);
  });

  it('a relative path needs no HOME at all', () => {
    expect(expandUserPath('nix-cache.nix', { ...where, home: '' })).toBe('/srv/work/nix-cache.nix');
  });
});
