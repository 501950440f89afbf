import { describe, expect, it } from 'vitest';
import { outFilePath, outRelativePath, resolveFilePath } from '../../source/files/resolve-file-path';

const base = { home: '/home/ada', cwd: '/home/ada/infra' };

describe('file paths', () => {
  it.each([
    ['~/.mc/config.json', '/home/ada/.mc/config.json'],
    ['~', '/home/ada'],
    ['./nix-cache.nix', '/home/ada/infra/nix-cache.nix'],
    ['nix/cache.conf', '/home/ada/infra/nix/cache.conf'],
    ['../common/policy.json', '/home/ada/common/policy.json'],
    ['/etc/nix/nix-cache.conf', '/etc/nix/nix-cache.conf'],
    ['~user/x', '/home/ada/infra/~user/x'],
  ])('resolves %s to %s', (given, expected) => {
    expect(resolveFilePath(given, base)).toBe(expected);
  });

  it.each([
    ['~/.mc/config.json', 'home/.mc/config.json'],
    ['./nix-cache.nix', 'nix-cache.nix'],
    ['nix/cache.conf', 'nix/cache.conf'],
    ['/etc/nix/nix-cache.conf', 'etc/nix/nix-cache.conf'],
    ['../common/policy.json', 'home/ada/common/policy.json'],
    ['~/../bob/x', 'home/bob/x'],
  ])('places %s at %s under --out, never outside it', (given, expected) => {
    expect(outRelativePath(given, base)).toBe(expected);
  });

  it('resolves a relative --out folder against the working directory', () => {
    expect(outFilePath('out', 'home/.aws/credentials', base)).toBe('/home/ada/infra/out/home/.aws/credentials');
    expect(outFilePath('/tmp/o', 'x', base)).toBe('/tmp/o/x');
  });
});
