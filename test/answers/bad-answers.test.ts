/**
 * SPEC 2 and 1: bad input gets a clear message naming the field and the rule, exit code 2, and
 * nothing written. Each case runs the real command line in-process without a terminal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCliSandbox } from '../helpers/run-cli';

const ok = { endpoint: 'https://s3.example.org', admin: { accessKey: 'minioadmin', secretKey: 'minio-admin-secret' } };

interface BadCase {
  readonly name: string;
  readonly answers: unknown;
  readonly field: string;
  readonly rule: string | RegExp;
  readonly env?: Record<string, string>;
  readonly raw?: string;
}

const cases: BadCase[] = [
  { name: 'a bucket name shorter than 3 characters', answers: { ...ok, bucket: 'ab' }, field: 'bucket', rule: '3–63 characters' },
  { name: 'a bucket name longer than 63 characters', answers: { ...ok, bucket: 'a'.repeat(64) }, field: 'bucket', rule: '3–63 characters' },
  { name: 'a bucket name with capitals', answers: { ...ok, bucket: 'Nix-Cache' }, field: 'bucket', rule: 'lowercase letters' },
  { name: 'a bucket name with an underscore', answers: { ...ok, bucket: 'nix_cache' }, field: 'bucket', rule: 'lowercase letters' },
  { name: 'a bucket name starting with a hyphen', answers: { ...ok, bucket: '-nixcache' }, field: 'bucket', rule: 'begin and end' },
  { name: 'a bucket name ending with a hyphen', answers: { ...ok, bucket: 'nixcache-' }, field: 'bucket', rule: 'begin and end' },
  { name: 'a bucket name with two dots in a row', answers: { ...ok, bucket: 'nix..cache' }, field: 'bucket', rule: 'two dots' },
  { name: 'a bucket name that is an IP address', answers: { ...ok, bucket: '192.168.1.10' }, field: 'bucket', rule: 'IP address' },
  { name: 'a bucket name with the xn-- prefix', answers: { ...ok, bucket: 'xn--nixcache' }, field: 'bucket', rule: 'xn--' },
  { name: 'an endpoint without a scheme', answers: { ...ok, endpoint: 's3.example.org' }, field: 'endpoint', rule: 'http(s)://host[:port]' },
  { name: 'an endpoint with another scheme', answers: { ...ok, endpoint: 'ftp://s3.example.org' }, field: 'endpoint', rule: 'http:// or https://' },
  { name: 'an endpoint with a path', answers: { ...ok, endpoint: 'https://s3.example.org/nix-cache' }, field: 'endpoint', rule: 'no path' },
  { name: 'an endpoint with a query', answers: { ...ok, endpoint: 'https://s3.example.org?x=1' }, field: 'endpoint', rule: 'no query' },
  { name: 'an endpoint with a fragment', answers: { ...ok, endpoint: 'https://s3.example.org#top' }, field: 'endpoint', rule: 'no fragment' },
  { name: 'an endpoint with credentials in it', answers: { ...ok, endpoint: 'https://u:p@s3.example.org' }, field: 'endpoint', rule: 'must not hold credentials' },
  { name: 'an unknown backend', answers: { ...ok, backend: 'aws' }, field: 'backend', rule: '"minio", "ceph" or "s3"' },
  { name: 'an unknown anonymous mode', answers: { ...ok, anonymous: 'public' }, field: 'anonymous', rule: '"get", "download" or "none"' },
  { name: 'an unknown adminVia', answers: { ...ok, adminVia: 'ssh' }, field: 'adminVia', rule: '"api" or "mc"' },
  { name: 'a reader that is the builder on a private cache', answers: { ...ok, anonymous: 'none', reader: { accessKey: 'nixbuilder' } }, field: 'reader.accessKey', rule: 'must differ from builder.accessKey' },
  { name: 'a reader secret with a character that does not survive', answers: { ...ok, anonymous: 'none', reader: { secretKey: 'abc"defgh12' } }, field: 'reader.secretKey', rule: 'holds the character' },
  { name: 'an unknown reader key', answers: { ...ok, reader: { user: 'x' } }, field: 'reader.user', rule: 'not a known answer' },
  { name: 'a connect timeout of 0', answers: { ...ok, connectTimeout: 0 }, field: 'connectTimeout', rule: '1..600 seconds' },
  { name: 'a connect timeout that is not a whole number', answers: { ...ok, connectTimeout: 2.5 }, field: 'connectTimeout', rule: 'whole number of seconds' },
  { name: 'a private plain-S3 cache without the reader keys', answers: { endpoint: 'https://s3.example.org', backend: 's3', anonymous: 'none', builder: { accessKey: 'nixbuilder', secretKey: 'Xa3+bc,de-fg.hj=km_np4qr7stuvWxy' } }, field: 'reader.accessKey', rule: 'is required' },
  { name: 'adminVia mc on a Ceph backend', answers: { ...ok, backend: 'ceph', adminVia: 'mc' }, field: 'adminVia', rule: 'applies only to backend "minio"' },
  { name: 'a misspelt top-level key', answers: { ...ok, bukcet: 'nix-cache' }, field: 'bukcet', rule: 'not a known answer' },
  { name: 'a misspelt nested key', answers: { ...ok, builder: { secret: 'abcdefgh1' } }, field: 'builder.secret', rule: 'not a known answer' },
  { name: 'a builder secret shorter than 8 characters', answers: { ...ok, builder: { secretKey: 'Ab3-xyz' } }, field: 'builder.secretKey', rule: '8–40 characters' },
  { name: 'a builder secret longer than 40 characters', answers: { ...ok, builder: { secretKey: 'A'.repeat(41) } }, field: 'builder.secretKey', rule: '8–40 characters' },
  { name: 'a builder secret with an @', answers: { ...ok, builder: { secretKey: 'abcd@efgh123' } }, field: 'builder.secretKey', rule: 'the character "@"' },
  { name: 'a builder secret with a space', answers: { ...ok, builder: { secretKey: 'abcd efgh123' } }, field: 'builder.secretKey', rule: 'the character " "' },
  { name: 'a builder secret with a dollar sign', answers: { ...ok, builder: { secretKey: 'abcd$efgh123' } }, field: 'builder.secretKey', rule: 'the character "$"' },
  { name: 'an admin secret with a slash', answers: { ...ok, admin: { accessKey: 'minioadmin', secretKey: 'abc/defgh123' } }, field: 'admin.secretKey', rule: 'the character "/"' },
  { name: 'a builder access key of 2 characters', answers: { ...ok, builder: { accessKey: 'nb' } }, field: 'builder.accessKey', rule: '3–64 characters' },
  { name: 'a builder access key with a space', answers: { ...ok, builder: { accessKey: 'nix builder' } }, field: 'builder.accessKey', rule: 'only letters, digits' },
  { name: 'a key name with a colon', answers: { ...ok, key: { name: 'cache:1' } }, field: 'key.name', rule: 'must not contain ":"' },
  { name: 'a key name with white space', answers: { ...ok, key: { name: 'my cache-1' } }, field: 'key.name', rule: 'white space' },
  { name: 'a key name with a hash sign', answers: { ...ok, key: { name: 'cache#1' } }, field: 'key.name', rule: 'must not contain "#"' },
  { name: 'two files at one path', answers: { ...ok, files: { nixConf: './same', nixosModule: './same' } }, field: 'files.nixConf', rule: 'names the same file as files.nixosModule' },
  { name: 'an empty key name', answers: { ...ok, key: { name: '' } }, field: 'key.name', rule: 'must not be empty' },
  { name: 'an alias starting with a digit', answers: { ...ok, alias: '1cache' }, field: 'alias', rule: 'a letter followed by' },
  { name: 'an alias with a dot', answers: { ...ok, alias: 'my.cache' }, field: 'alias', rule: 'a letter followed by' },
  { name: 'a priority above 1000', answers: { ...ok, cacheInfo: { priority: 1001 } }, field: 'cacheInfo.priority', rule: '0..1000' },
  { name: 'a fractional priority', answers: { ...ok, cacheInfo: { priority: 2.5 } }, field: 'cacheInfo.priority', rule: 'whole number' },
  { name: 'a priority given as a string', answers: { ...ok, cacheInfo: { priority: '30' } }, field: 'cacheInfo.priority', rule: 'must be a number' },
  { name: 'expireDays of 0', answers: { ...ok, expireDays: 0 }, field: 'expireDays', rule: '1..36500' },
  { name: 'expireDays above 36500', answers: { ...ok, expireDays: 36501 }, field: 'expireDays', rule: '1..36500' },
  { name: 'fractional expireDays', answers: { ...ok, expireDays: 1.5 }, field: 'expireDays', rule: 'whole number' },
  { name: 'insecure given as a string', answers: { ...ok, insecure: 'yes' }, field: 'insecure', rule: 'true or false' },
  { name: 'an empty region', answers: { ...ok, region: '' }, field: 'region', rule: 'must not be empty' },
  { name: 'a relative store dir', answers: { ...ok, cacheInfo: { storeDir: 'nix/store' } }, field: 'cacheInfo.storeDir', rule: 'absolute path' },
  { name: 'an empty file path', answers: { ...ok, files: { nixosModule: '' } }, field: 'files.nixosModule', rule: 'must not be empty' },
  { name: 'a builder given as a string', answers: { ...ok, builder: 'nixbuilder' }, field: 'builder', rule: 'must be an object' },
  { name: 'a caFile that does not exist', answers: { ...ok, caFile: './no-such-ca.pem' }, field: 'caFile', rule: 'cannot read' },
  { name: 'an mc alias that is not in the mc config', answers: { endpoint: 'https://s3.example.org', admin: { mcAlias: 'nope' } }, field: 'admin.mcAlias', rule: 'no alias "nope"' },
  { name: 'answers that are a JSON array', answers: [], field: 'answers.json', rule: 'must be a JSON object' },
  { name: 'an answers file that is not JSON', answers: null, raw: '{ "endpoint": ', field: '--answers', rule: 'not valid JSON' },
  { name: 'a missing endpoint with --yes', answers: { admin: ok.admin }, field: 'endpoint', rule: 'is required' },
  { name: 'missing admin keys with --yes', answers: { endpoint: 'https://s3.example.org' }, field: 'admin.accessKey', rule: 'NIX_CACHE_ADMIN_ACCESS_KEY' },
  { name: 'missing builder keys on plain S3', answers: { endpoint: 'https://s3.example.org', backend: 's3' }, field: 'builder.secretKey', rule: 'required for backend "s3"' },
  // issue 8: found by trying the wizard as an attacker and as an unlucky user would
  { name: 'an endpoint with port 0', answers: { ...ok, endpoint: 'http://s3.example.org:0' }, field: 'endpoint', rule: 'port must be 1–65535' },
  { name: 'an endpoint with an empty port', answers: { ...ok, endpoint: 'http://s3.example.org:' }, field: 'endpoint', rule: 'no port after it' },
  { name: 'an endpoint with white space around it', answers: { ...ok, endpoint: ' https://s3.example.org' }, field: 'endpoint', rule: 'white space' },
  { name: 'an endpoint with a zero-width space in the host', answers: { ...ok, endpoint: 'https://s3\u200b.example.org' }, field: 'endpoint', rule: 'invisible characters' },
  { name: 'a bucket name with a dot next to a hyphen', answers: { ...ok, bucket: 'nix.-cache' }, field: 'bucket', rule: 'dot next to a hyphen' },
  { name: 'a bucket name with the --ol-s3 suffix', answers: { ...ok, bucket: 'nix-cache--ol-s3' }, field: 'bucket', rule: '"--ol-s3"' },
  { name: 'a bucket name with the --x-s3 suffix', answers: { ...ok, bucket: 'nix-cache--x-s3' }, field: 'bucket', rule: '"--x-s3"' },
  { name: 'a bucket name with the amzn-s3-demo- prefix', answers: { ...ok, bucket: 'amzn-s3-demo-cache' }, field: 'bucket', rule: '"amzn-s3-demo-"' },
  { name: 'a key name with a zero-width joiner', answers: { ...ok, key: { name: 'cache\u200d-1' } }, field: 'key.name', rule: 'invisible characters' },
  { name: 'a key name with a Cyrillic look-alike letter', answers: { ...ok, key: { name: 'c\u0430che-1' } }, field: 'key.name', rule: 'printable ASCII' },
  { name: 'a file path with bytes that are not UTF-8', answers: { ...ok, files: { nixConf: './nix-\ufffd.conf' } }, field: 'files.nixConf', rule: 'valid UTF-8' },
  { name: 'a file path with a lone surrogate', answers: null, raw: JSON.stringify({ ...ok }).replace(/}$/, ',"files":{"policy":"./p\\udc80.json"}}'), field: 'files.policy', rule: 'valid UTF-8' },
  { name: 'a builder secret of 41+ characters on MinIO (only keys made elsewhere may be longer)', answers: { ...ok, builder: { secretKey: 'A1b2-'.repeat(12) } }, field: 'builder.secretKey', rule: '8–40 characters long on backend "minio"' },
  { name: 'an answer given twice', answers: null, raw: '{"endpoint":"https://s3.example.org","bucket":"one-cache","bucket":"two-cache"}', field: 'bucket', rule: 'gives bucket twice (line 1, column 59)' },
  { name: 'a secret key given twice (the message names the key, never a value)', answers: null, raw: '{"endpoint":"https://s3.example.org","admin":{"secretKey":"first-Secret1","secretKey":"second-Secret2"}}', field: 'admin.secretKey', rule: /gives admin\.secretKey twice \(line 1, column \d+\)/ },
  {
    name: 'an admin secret from the environment that would not survive',
    answers: { endpoint: 'https://s3.example.org' },
    env: { NIX_CACHE_ADMIN_ACCESS_KEY: 'minioadmin', NIX_CACHE_ADMIN_SECRET_KEY: 'secret"quote1' },
    field: 'admin.secretKey',
    rule: 'the character """',
  },
];

describe('bad answers are refused with the field and the rule named, exit 2, nothing written', () => {
  it('covers at least 30 distinct bad inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const badCase of cases) {
    it(`refuses ${badCase.name}`, async () => {
      // Given an answers file with one bad answer
      const sandbox = makeCliSandbox();
      Object.assign(sandbox.env, badCase.env ?? {});
      const file = join(sandbox.cwd, 'answers.json');
      writeFileSync(file, badCase.raw ?? JSON.stringify(badCase.answers));
      const before = sandbox.listFiles();
      // When setup runs without prompts
      const result = await sandbox.run(['setup', '--yes', '--answers', file]);
      // Then it exits 2 naming the field and the rule, and writes nothing
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(badCase.field);
      if (typeof badCase.rule === 'string') expect(result.stderr).toContain(badCase.rule);
      else expect(result.stderr).toMatch(badCase.rule);
      expect(result.stdout).toBe('');
      expect(sandbox.listFiles()).toEqual(before);
    });
  }

  it('reports every bad answer of a file at once, not only the first', async () => {
    const sandbox = makeCliSandbox();
    const file = join(sandbox.cwd, 'answers.json');
    writeFileSync(file, JSON.stringify({ ...ok, bucket: 'AB', alias: '9', expireDays: 0 }));
    const result = await sandbox.run(['setup', '--yes', '--answers', file]);
    expect(result.code).toBe(2);
    for (const field of ['bucket:', 'alias:', 'expireDays:']) expect(result.stderr).toContain(field);
  });

  it('names the missing answer instead of prompting when there is no terminal and no --yes', async () => {
    const sandbox = makeCliSandbox();
    const result = await sandbox.run(['setup']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('endpoint: is required');
    expect(result.stderr).not.toContain('Raw mode');
  });

  it('puts the error in the one JSON result with --json, naming the field', async () => {
    const sandbox = makeCliSandbox();
    const file = join(sandbox.cwd, 'answers.json');
    writeFileSync(file, JSON.stringify({ ...ok, bucket: 'x' }));
    const result = await sandbox.run(['setup', '--yes', '--json', '--answers', file]);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { ok: boolean; error: { field: string; message: string } };
    expect(json.ok).toBe(false);
    expect(json.error.field).toBe('bucket');
    expect(json.error.message).toContain('3–63 characters');
  });

  it('a JSON error in the answers file names line, column and rule, never the text (it may be a secret)', async () => {
    const sandbox = makeCliSandbox();
    const file = join(sandbox.cwd, 'answers.json');
    writeFileSync(file, '{\n  "endpoint": "https://s3.example.org",\n  "admin": {"secretKey": Unquoted-Root-Secret9}\n}\n');
    const result = await sandbox.run(['setup', '--yes', '--json', '--answers', file]);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { error: { field: string; message: string } };
    expect(json.error.field).toBe('--answers');
    expect(json.error.message).toContain('line 3, column 26: expected a value');
    expect(result.stdout + result.stderr).not.toMatch(/Unquoted|Root-Secret/);
  });

  it('keys made elsewhere may be up to 128 characters: an R2-style 64-character admin secret and builder secret on s3', async () => {
    const sandbox = makeCliSandbox();
    const long = 'Ab3-'.repeat(16);
    sandbox.writeAnswers({ endpoint: 'https://s3.example.org', backend: 's3', admin: { accessKey: 'r2admin', secretKey: long }, builder: { accessKey: 'r2builder', secretKey: long } });
    const result = await sandbox.run(['preview', '--json', '--answers', 'answers.json']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain(long);
  });

  it('warns when a host looks different in Unicode and on the network (punycode)', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ endpoint: 'https://c\u0430che.example.org' });
    const result = await sandbox.run(['preview', '--answers', 'answers.json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('xn--');
    expect(result.stderr).toMatch(/look-alike/);
  });

  it('--json with a bad flag still prints one JSON result', async () => {
    const sandbox = makeCliSandbox();
    const result = await sandbox.run(['setup', '--json', '--no-such-flag']);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { ok: boolean; error: { message: string; field: string } };
    expect(json.ok).toBe(false);
    expect(json.error.message).toContain("unknown option '--no-such-flag'");
    expect(json.error.field).toBe('--no-such-flag');
  });

  it('never echoes a rejected secret back in the message', async () => {
    const sandbox = makeCliSandbox();
    const file = join(sandbox.cwd, 'answers.json');
    writeFileSync(file, JSON.stringify({ ...ok, builder: { secretKey: 'Sup3rSecret@Value' } }));
    const result = await sandbox.run(['setup', '--yes', '--answers', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('Sup3rSecret');
  });
});
