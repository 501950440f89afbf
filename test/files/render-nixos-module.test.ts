import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderNixConf } from '../../source/files/render-nix-conf';
import { nixIndentedString, nixString, renderNixosModule } from '../../source/files/render-nixos-module';
import { UsageError } from '../../source/errors';
import { makeNixSandbox, nixUnavailableReason } from '../helpers/nix';

const unavailable = nixUnavailableReason();
const KEY = 'cache.example.org-1:+7jx8mP0lIPaVq0Xx7eKk5Q9a2S7wHc1e1m1bL3K5Ew=';
const URL = 'https://s3.example.org:9000/nix-cache';
const S3_URL = 's3://nix-cache?profile=nixreader&endpoint=https://s3.example.org:9000';
const CREDENTIALS = '/etc/nix/nix-cache-reader.credentials';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake+base64/line\nAAAA==\n-----END CERTIFICATE-----\n';
import { STUB_LIB } from '../helpers/nix-module-stubs';

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
    `(import ./m.nix { config = {}; lib = ${STUB_LIB}; pkgs = {}; })`,
  ]);
  return JSON.parse(json);
}

const settings = (extra: Record<string, unknown> = {}) => ({
  'extra-substituters': [URL],
  'extra-trusted-public-keys': [KEY],
  'connect-timeout': 5,
  ...extra,
});

describe('the NixOS module', () => {
  it('says what it is and how to import it', () => {
    const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY] });
    expect(text).toMatch(/^# NixOS module for the self-hosted Nix binary cache/);
    expect(text).toContain('imports = [ ./nix-cache.nix ];');
    expect(text).toContain('nixos-rebuild switch');
  });

  it('names its own file in the import line, kept on one comment line', () => {
    const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], fileName: 'cache\nx = 1;.nix' });
    expect(text).toContain('#   imports = [ ./cache\\nx = 1;.nix ];\n');
  });

  it('escapes the characters Nix gives a meaning inside a string', () => {
    expect(nixString('a"b\\c${d}$e')).toBe('"a\\"b\\\\c\\${d}$e"');
    expect(nixString('line\nbreak')).toBe('"line\\nbreak"');
  });

  it("explains the connect timeout and lets the machine's own setting win", () => {
    const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], connectTimeout: 5 });
    expect(text).toContain('nix.settings.connect-timeout = lib.mkDefault 5;');
    expect(text).toMatch(/does not stall every\n\s+# build/);
    expect(renderNixosModule({ substituters: [URL], publicKeys: [KEY], connectTimeout: null })).not.toContain('connect-timeout');
  });

  it('inlines the CA as PEM text, never a path on the machine that ran the wizard', () => {
    const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], caPem: CA_PEM });
    expect(text).toContain('security.pki.certificates = [');
    expect(text).toContain('      MIIBfake+base64/line\n');
    expect(text).not.toContain('certificateFiles');
  });

  describe.skipIf(unavailable !== undefined)(`evaluated by real Nix${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    it('sets exactly the substituter, the trusted public key and the connect timeout', () => {
      const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], connectTimeout: 5 });
      expect(evaluateModule(text)).toEqual({ nix: { settings: settings() } });
    });

    it('trusts the private CA by its PEM text, each certificate exactly as in the CA file', () => {
      const other = CA_PEM.replace('fake', 'other');
      const text = renderNixosModule({ substituters: [URL], publicKeys: [KEY], connectTimeout: 5, caPem: `${CA_PEM}junk between\n${other}` });
      expect(evaluateModule(text)).toEqual({ nix: { settings: settings() }, security: { pki: { certificates: [CA_PEM, other] } } });
    });

    it('reads a private cache through s3:// with the reader profile, the daemon given a root-only credentials file', () => {
      const text = renderNixosModule({ substituters: [S3_URL], publicKeys: [KEY], connectTimeout: 5, readerCredentialsPath: CREDENTIALS });
      expect(text).toContain(`sudo install -D -m 0600 -o root -g root nix-cache-reader.credentials ${CREDENTIALS}`);
      expect(evaluateModule(text)).toEqual({
        nix: { settings: settings({ 'extra-substituters': [S3_URL] }) },
        systemd: { services: { 'nix-daemon': { environment: { AWS_SHARED_CREDENTIALS_FILE: CREDENTIALS } } } },
      });
    });

    it('trusts both keys while a rotated key is phased in', () => {
      const next = 'cache.example.org-2:QnN0dXZ3eHl6MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=';
      const text = renderNixosModule({ substituters: [URL], publicKeys: [next, KEY], connectTimeout: 5 });
      expect(evaluateModule(text)).toEqual({ nix: { settings: settings({ 'extra-trusted-public-keys': [next, KEY] }) } });
    });

    it('keeps values that need escaping exactly as they are', () => {
      const oddKey = 'we"ird\\name${builtins.abort "x"}$${y}-1:AAAA';
      const text = renderNixosModule({ substituters: [URL], publicKeys: [oddKey], connectTimeout: 5 });
      expect(evaluateModule(text)).toEqual({ nix: { settings: settings({ 'extra-trusted-public-keys': [oddKey] }) } });
    });

    it('writes any text as an indented string that Nix reads back unchanged', () => {
      const texts = ["a'${b}'\n", "'''\n''${x}\n", "it's ${HOME} and $x ''\\n\n", '\n  indented\n\nlast', "'\n", "x''", "echo '${x}'\n"];
      const sandbox = makeNixSandbox();
      writeFileSync(join(sandbox.dir, 's.nix'), `[\n${texts.map((t) => `  ${nixIndentedString(t, 4)}`).join('\n')}\n]\n`);
      const json = sandbox.run('nix', ['eval', '--json', '--impure', '--store', sandbox.store, '--expr', 'import ./s.nix']);
      expect(JSON.parse(json)).toEqual(texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)));
    });
  });
});

describe('the nix.conf snippet', () => {
  it('holds the settings as space-separated lists under a comment header', () => {
    const text = renderNixConf({ substituters: [URL], publicKeys: [KEY, 'other-2:BBBB'], connectTimeout: 5 });
    expect(text).toMatch(/^# nix\.conf lines/);
    expect(text.split('\n').filter((line) => !line.startsWith('#'))).toEqual([
      `extra-substituters = ${URL}`,
      `extra-trusted-public-keys = ${KEY} other-2:BBBB`,
      'connect-timeout = 5',
      '',
    ]);
  });

  it('says how to add the private CA to the system trust store, since ssl-cert-file would replace the whole bundle', () => {
    const text = renderNixConf({ substituters: [URL], publicKeys: [KEY], caFile: '/etc/ssl/private-ca.pem' });
    expect(text).toContain('sudo cp /etc/ssl/private-ca.pem /usr/local/share/ca-certificates/nix-cache-ca.crt && sudo update-ca-certificates');
    expect(text).toContain('security add-trusted-cert');
    expect(text).not.toMatch(/^ssl-cert-file/m);
  });

  it('quotes the CA path in all four trust-store commands, and keeps a newline in it inside the comment', () => {
    const caFile = '/tmp/lan ca $(id)\nextra-substituters = https://evil.example.pem';
    const text = renderNixConf({ substituters: [URL], publicKeys: [KEY], caFile });
    const trust = text.split('\n').filter((line) => /^#\s+(Debian|Fedora|Arch|macOS)/.test(line));
    expect(trust).toHaveLength(4);
    const quoted = "$'/tmp/lan ca $(id)\\nextra-substituters = https://evil.example.pem'";
    for (const line of trust) expect(line).toContain(quoted);
    // Nothing but our settings outside the comments.
    expect(text.split('\n').filter((line) => !line.startsWith('#') && line !== '')).toEqual([`extra-substituters = ${URL}`, `extra-trusted-public-keys = ${KEY}`]);
    const bash = execFileSync('bash', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });
    expect(bash).toBe(caFile);
  });

  it('says how to give the daemon the reader credentials of a private cache', () => {
    const text = renderNixConf({ substituters: [S3_URL], publicKeys: [KEY], readerCredentialsPath: CREDENTIALS });
    expect(text).toContain(`Environment=AWS_SHARED_CREDENTIALS_FILE=${CREDENTIALS}`);
    expect(text).toContain(`extra-substituters = ${S3_URL}\n`);
  });

  it('refuses a value nix.conf cannot hold rather than writing a broken line', () => {
    expect(() => renderNixConf({ substituters: [URL], publicKeys: ['bad#name:AAAA'] })).toThrow(UsageError);
    expect(() => renderNixConf({ substituters: [URL], publicKeys: ['bad name:AAAA'] })).toThrow(/cannot be written to nix.conf/);
  });

  it.skipIf(unavailable !== undefined)('is applied by real Nix: the cache, its key and the connect timeout', () => {
    const sandbox = makeNixSandbox();
    const file = join(sandbox.dir, 'nix-cache.conf');
    writeFileSync(file, renderNixConf({ substituters: [S3_URL], publicKeys: [KEY], caFile: '/etc/ssl/ca.pem', connectTimeout: 5, readerCredentialsPath: CREDENTIALS }));
    const json = execFileSync('nix', ['show-config', '--json'], {
      env: { ...sandbox.env, NIX_USER_CONF_FILES: file },
      encoding: 'utf8',
    });
    const config = JSON.parse(json) as Record<string, { value: unknown }>;
    expect(config['substituters']?.value).toEqual([S3_URL]);
    expect(config['trusted-public-keys']?.value).toContain(KEY);
    expect(config['trusted-public-keys']?.value).toContain('cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=');
    expect(config['connect-timeout']?.value).toBe(5);
  });
});
