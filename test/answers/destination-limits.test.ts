/**
 * Every answer refuses what its destination cannot hold (issue 16): exit 2 naming the field and
 * the rule, nothing written. The builder module's paths pass through nix.conf and systemd; control
 * characters fit nowhere; mc aliases are looked up among the file's own; `~` needs an absolute
 * HOME; an access key must survive SigV4's comma-separated Authorization header.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAnswerField } from '../../source/answers/resolve-answers';
import { completeFromDisk } from '../../source/facts/read-facts';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

const ok = { endpoint: 'https://s3.example.org', admin: { accessKey: 'minioadmin', secretKey: 'minio-admin-secret' } };

interface Case {
  readonly name: string;
  readonly answers: Record<string, unknown>;
  readonly field: string;
  readonly rule: string;
  /** what the sandbox needs first (an mc config, another HOME) */
  readonly given?: (sandbox: CliSandbox) => void;
}

const cases: Case[] = [
  {
    name: 'a signing key path with a space (nix.conf splits secret-key-files there)',
    answers: { ...ok, key: { secretFile: '/srv/nix keys/secret.key' } },
    field: 'key.secretFile',
    rule: 'nix.conf splits values at white space',
  },
  {
    name: 'a signing key path with "#" (nix.conf cuts the rest as a comment)',
    answers: { ...ok, key: { secretFile: '/srv/keys#1/secret.key' } },
    field: 'key.secretFile',
    rule: 'comment',
  },
  {
    name: 'a credentials path with "%" (systemd would expand %h in LoadCredential)',
    answers: { ...ok, files: { awsCredentials: '/srv/%h/credentials' } },
    field: 'files.awsCredentials',
    rule: 'specifier',
  },
  {
    name: 'a NUL in a trusted public key',
    answers: { ...ok, key: { trusted: ['old\u0000-1:' + 'A'.repeat(43) + '='] } },
    field: 'key.trusted.0',
    rule: 'control characters',
  },
  {
    name: 'a tab in a file path',
    answers: { ...ok, files: { nixConf: './nix\tcache.conf' } },
    field: 'files.nixConf',
    rule: 'control characters',
  },
  {
    name: 'an escape character in the store folder',
    answers: { ...ok, cacheInfo: { storeDir: '/nix/\u001b[2Jstore' } },
    field: 'cacheInfo.storeDir',
    rule: 'control characters',
  },
  {
    name: 'admin.mcAlias "constructor" (a name from the JS prototype, not the file)',
    answers: { endpoint: 'https://s3.example.org', admin: { mcAlias: 'constructor' } },
    field: 'admin.mcAlias',
    rule: 'no alias "constructor"',
    given: (sandbox) => {
      mkdirSync(join(sandbox.home, '.mc'));
      writeFileSync(join(sandbox.home, '.mc', 'config.json'), JSON.stringify({ version: '10', aliases: { real: { url: 'https://s3.example.org', accessKey: 'a', secretKey: 'b' } } }));
    },
  },
  {
    name: 'admin.mcAlias "toString" without an mc config',
    answers: { endpoint: 'https://s3.example.org', admin: { mcAlias: 'toString' } },
    field: 'admin.mcAlias',
    rule: 'no alias "toString"',
  },
  {
    name: 'an access key with a comma on Ceph (RGW takes it, then every signed request fails)',
    answers: { ...ok, backend: 'ceph', builder: { accessKey: 'nix,builder' } },
    field: 'builder.accessKey',
    rule: 'must not contain ","',
  },
];

/** The sandbox's CLI with HOME replaced (the effects are what the CLI reads HOME from). */
function withHome(sandbox: CliSandbox, home: string): void {
  const effects = sandbox.effects.bind(sandbox);
  sandbox.effects = () => ({ ...effects(), home });
}

describe('answers their destination cannot hold are refused, exit 2, nothing written', () => {
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const sandbox = makeCliSandbox();
      c.given?.(sandbox);
      writeFileSync(join(sandbox.cwd, 'answers.json'), JSON.stringify(c.answers));
      const before = sandbox.listFiles();

      const result = await sandbox.run(['preview', '--json', '--answers', 'answers.json']);

      expect(result.code).toBe(2);
      const error = (JSON.parse(result.stdout) as { error: { field?: string; message: string } }).error;
      expect(error.field).toBe(c.field);
      expect(error.message).toContain(c.rule);
      expect(sandbox.listFiles()).toEqual(before);
    });
  }

  for (const [what, home] of [
    ['empty', ''],
    ['relative', 'home'],
  ] as const) {
    it(`refuses HOME when it is ${what}, naming it, instead of putting ~/.aws under the working folder`, async () => {
      const sandbox = makeCliSandbox();
      withHome(sandbox, home);
      writeFileSync(join(sandbox.cwd, 'answers.json'), JSON.stringify(ok));
      const before = sandbox.listFiles();

      const result = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json', '--out', 'out']);

      expect(result.code).toBe(2);
      const error = (JSON.parse(result.stdout) as { error: { field?: string; message: string } }).error;
      expect(error.field).toBe('HOME');
      expect(error.message).toContain('HOME');
      expect(sandbox.listFiles()).toEqual(before);
    });
  }
});

describe('IPv6 endpoints (issue 16)', () => {
  const where = { env: {}, home: '/home/u', cwd: '/home/u/work' };
  const admin = { accessKey: 'minioadmin', secretKey: 'Admin-Secret-123' };
  // the key name is given: its default for an IPv6 host is another item of the issue
  const warningsFor = async (endpoint: string) => (await completeFromDisk({ endpoint, admin, key: { name: 'cache-1' } }, where)).warnings;

  it('are valid endpoints, with no punycode look-alike warning however the address is written', async () => {
    for (const endpoint of ['https://[::1]:9000', 'https://[0:0::1]', 'https://[FD00::A]:9000']) {
      expect(validateAnswerField('endpoint', endpoint), endpoint).toBeUndefined();
      expect(await warningsFor(endpoint), endpoint).toEqual([]);
    }
    expect(await warningsFor('http://[::1]:9000')).toEqual([expect.stringMatching(/^endpoint: .*plain http/)]);
  });

  it('a host written in another script is still warned about', async () => {
    expect(await warningsFor('https://c\u0430che.example.org')).toEqual([expect.stringContaining('xn--')]);
  });
});
