import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderNixConf } from '../../source/files/render-nix-conf';
import { nixString, renderNixosModule } from '../../source/files/render-nixos-module';
import { UsageError } from '../../source/errors';
import { makeNixSandbox, nixUnavailableReason } from '../helpers/nix';

const unavailable = nixUnavailableReason();
const KEY = 'cache.example.org-1:+7jx8mP0lIPaVq0Xx7eKk5Q9a2S7wHc1e1m1bL3K5Ew=';
const URL = 'https://s3.example.org:9000/nix-cache';

/** What NixOS would see: the attribute set the module returns, as JSON, by real Nix. */
function evaluateModule(text: string): unknown {
  const sandbox = makeNixSandbox();
  writeFileSync(join(sandbox.dir, 'm.nix'), text);
  sandbox.run('nix-instantiate', ['--parse', 'm.nix']);
  const json = sandbox.run('nix', [
    'eval',
    '--json',
    '--impure',
    '--store',
    sandbox.store,
    '--expr',
    '(import ./m.nix { config = {}; lib = {}; pkgs = {}; })',
  ]);
  return JSON.parse(json);
}

describe('the NixOS module', () => {
  it('says what it is and how to import it', () => {
    const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY] });
    expect(text).toMatch(/^# NixOS module for the self-hosted Nix binary cache/);
    expect(text).toContain('imports = [ ./nix-cache.nix ];');
    expect(text).toContain('nixos-rebuild switch');
  });

  it('names its own file in the import line, kept on one comment line', () => {
    const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], fileName: 'cache\nx = 1;.nix' });
    expect(text).toContain('#   imports = [ ./cache?x = 1;.nix ];\n');
  });

  it('escapes the characters Nix gives a meaning inside a string', () => {
    expect(nixString('a"b\\c${d}$e')).toBe('"a\\"b\\\\c\\${d}$e"');
    expect(nixString('line\nbreak')).toBe('"line\\nbreak"');
  });

  describe.skipIf(unavailable !== undefined)(`evaluated by real Nix${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    it('sets exactly the substituter and the trusted public key', () => {
      const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY] });
      expect(evaluateModule(text)).toEqual({
        nix: { settings: { 'extra-substituters': [URL], 'extra-trusted-public-keys': [KEY] } },
      });
    });

    it('also trusts the private CA when a CA file is given', () => {
      const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], caFile: '/etc/ssl/my ca/root.pem' });
      expect(evaluateModule(text)).toEqual({
        nix: { settings: { 'extra-substituters': [URL], 'extra-trusted-public-keys': [KEY] } },
        security: { pki: { certificateFiles: ['/etc/ssl/my ca/root.pem'] } },
      });
    });

    it('trusts both keys while a rotated key is phased in', () => {
      const next = 'cache.example.org-2:QnN0dXZ3eHl6MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=';
      const text = renderNixosModule({ substituters: [URL], publicKeys: [next, KEY] });
      expect(evaluateModule(text)).toEqual({
        nix: { settings: { 'extra-substituters': [URL], 'extra-trusted-public-keys': [next, KEY] } },
      });
    });

    it('keeps values that need escaping exactly as they are', () => {
      const oddKey = 'we"ird\\name${builtins.abort "x"}$${y}-1:AAAA';
      const oddCa = '/tmp/"quoted"\\${HOME}/ca.pem';
      const text = renderNixosModule({ substituters: [URL], publicKeys: [oddKey], caFile: oddCa });
      expect(evaluateModule(text)).toEqual({
        nix: { settings: { 'extra-substituters': [URL], 'extra-trusted-public-keys': [oddKey] } },
        security: { pki: { certificateFiles: [oddCa] } },
      });
    });
  });
});

describe('the nix.conf snippet', () => {
  it('holds the two settings as space-separated lists under a comment header', () => {
    const text = renderNixConf({ substituters: [URL], publicKeys: [KEY, 'other-2:BBBB'] });
    expect(text).toMatch(/^# nix\.conf lines/);
    expect(text.split('\n').filter((line) => !line.startsWith('#'))).toEqual([
      `extra-substituters = ${URL}`,
      `extra-trusted-public-keys = ${KEY} other-2:BBBB`,
      '',
    ]);
  });

  it('points to the private CA in a comment, since ssl-cert-file would replace the whole bundle', () => {
    const text = renderNixConf({ substituters: [URL], publicKeys: [KEY], caFile: '/etc/ssl/private-ca.pem' });
    expect(text).toContain('# The endpoint\'s certificate is signed by the private CA in /etc/ssl/private-ca.pem:\n');
    expect(text).not.toContain('ssl-cert-file');
  });

  it('refuses a value nix.conf cannot hold rather than writing a broken line', () => {
    expect(() => renderNixConf({ substituters: [URL], publicKeys: ['bad#name:AAAA'] })).toThrow(UsageError);
    expect(() => renderNixConf({ substituters: [URL], publicKeys: ['bad name:AAAA'] })).toThrow(/cannot be written to nix.conf/);
  });

  it.skipIf(unavailable !== undefined)('is applied by real Nix: the cache and its key are trusted', () => {
    const sandbox = makeNixSandbox();
    const file = join(sandbox.dir, 'nix-cache.conf');
    writeFileSync(file, renderNixConf({ substituters: [URL], publicKeys: [KEY], caFile: '/etc/ssl/ca.pem' }));
    const json = execFileSync('nix', ['show-config', '--json'], {
      env: { ...sandbox.env, NIX_USER_CONF_FILES: file },
      encoding: 'utf8',
    });
    const config = JSON.parse(json) as Record<string, { value: unknown }>;
    expect(config['substituters']?.value).toEqual([URL]);
    expect(config['trusted-public-keys']?.value).toContain(KEY);
    expect(config['trusted-public-keys']?.value).toContain('cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=');
  });
});
