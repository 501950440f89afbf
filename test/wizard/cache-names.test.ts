/**
 * Many caches on one server (issue 15, SPEC 2): every name the wizard makes or takes where other
 * caches keep theirs defaults to one of this cache's own, decided from what the server shows (here
 * a stand-in session that says which names are free) and what the files show (AWS profiles, mc
 * aliases, the other remembered caches' files and keys). And the defaults the server shows come
 * from the bucket actually chosen.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Answers } from '../../source/answers/answers';
import type { AnswersInput } from '../../source/answers/answers-schema';
import { perCacheNames, ACCESS_KEY_NAME_RULE, keyNameHost } from '../../source/answers/per-cache-names';
import { validateAnswerField } from '../../source/answers/resolve-answers';
import { mcAliasConflict } from '../../source/facts/mc-config';
import { resolveFromDisk } from '../../source/facts/read-facts';
import { bucketsGranted, writePolicyDocument } from '../../source/policies/write-policy';
import { setupsDir } from '../../source/state/remembered-answers';
import { detectCacheNames } from '../../source/wizard/detect-from-files';
import { QUESTIONS } from '../../source/wizard/questions';
import { createInitialState, currentQuestion, offeredAnswer, wizardReducer, type WizardAction, type WizardState } from '../../source/wizard/wizard-state';

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-names-'));
  const home = join(dir, 'home');
  const cwd = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  const effects = { env: {}, home, cwd };
  const write = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  return { home, cwd, effects, write };
}

async function answersFor(input: AnswersInput, effects: { env: Record<string, string>; home: string; cwd: string }): Promise<Answers> {
  const resolution = await resolveFromDisk(input, effects);
  if (!resolution.ok) throw new Error(JSON.stringify(resolution.missing));
  return resolution.value.answers;
}

const ADMIN = { accessKey: 'rootadmin', secretKey: 'root-secret-1' };
const ENDPOINT = 'http://minio.lan:9000';

/** A stand-in server where the first-setup user and policy names belong to another cache. */
const serverWithFirstCache = {
  detectNames: async (answers: Answers, wanted: { builder?: string; reader?: string; policyName?: string }) => ({
    ...(wanted.builder ? { builder: `${wanted.builder}-${answers.bucket}` } : {}),
    ...(wanted.reader ? { reader: `${wanted.reader}-${answers.bucket}` } : {}),
    ...(wanted.policyName ? { policyName: `${wanted.policyName}-${answers.bucket}` } : {}),
  }),
};
/** A stand-in server that holds nothing yet. */
const emptyServer = { detectNames: async (_answers: Answers, wanted: object) => ({ ...wanted }) };

describe('the names of a cache', () => {
  test('a first cache on a server keeps the first-setup names', async () => {
    const { effects } = sandbox();
    const answers = await answersFor({ endpoint: ENDPOINT, admin: ADMIN }, effects);
    const names = await detectCacheNames(emptyServer, answers, { endpoint: ENDPOINT, admin: ADMIN }, effects);
    expect(names.reader?.accessKey).toBeUndefined(); // a public cache has no reader to look for
    expect(names).toMatchObject({
      builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' },
      reader: { profile: 'nixreader' },
      policyName: 'nix-cache-write',
      alias: 's3',
      key: { name: 'minio.lan-nix-cache-1', secretFile: '~/.config/nix/secret.key', publicFile: '~/.config/nix/public.key' },
      files: { nixosModule: './nix-cache.nix', readerCredentials: './nix-cache-reader.credentials' },
    });
  });

  test("a second cache gets names of its own where the first cache's are taken, on the server and in the files", async () => {
    const { home, effects, write } = sandbox();
    // Given a first cache (bucket cache-one) set up from this machine: remembered, its profile, its alias of another server
    write(join(setupsDir(effects), 'first.json'), JSON.stringify({ savedAt: '2026-01-01T00:00:00Z', answers: { endpoint: ENDPOINT, bucket: 'cache-one', key: { name: 'minio.lan-cache-one-1' } } }));
    write(join(home, '.aws', 'credentials'), '[nixbuilder]\naws_access_key_id = nixbuilder\naws_secret_access_key = first-secret-123\n');
    write(join(home, '.mc', 'config.json'), JSON.stringify({ version: '10', aliases: { s3: { url: 'https://elsewhere.example', accessKey: 'x', secretKey: 'y-secret-1', api: 's3v4', path: 'auto' } } }));
    // When the second cache (bucket cache-two) looks for its names
    const answers = await answersFor({ endpoint: ENDPOINT, admin: ADMIN, bucket: 'cache-two', anonymous: 'none' }, effects);
    const names = await detectCacheNames(serverWithFirstCache, answers, { endpoint: ENDPOINT, admin: ADMIN, bucket: 'cache-two', anonymous: 'none' }, effects);
    // Then none is the first cache's
    expect(names).toMatchObject({
      builder: { accessKey: 'nixbuilder-cache-two', profile: 'nixbuilder-cache-two' },
      reader: { accessKey: 'nixreader-cache-two', profile: 'nixreader' },
      policyName: 'nix-cache-write-cache-two',
      alias: 's3-2',
      key: { name: 'minio.lan-cache-two-1', secretFile: '~/.config/nix/secret-cache-two.key', publicFile: '~/.config/nix/public-cache-two.key' },
      files: { nixosModule: './nix-cache-cache-two.nix', nixConf: './nix-cache-cache-two.conf', policy: './nix-cache-write-cache-two.json', cacheInfo: './nix-cache-info-cache-two' },
    });
  });

  test('names given or remembered are kept, and the alias written is the one the admin keys came from', async () => {
    const { effects } = sandbox();
    const kept: AnswersInput = { endpoint: ENDPOINT, admin: { mcAlias: 'myminio' }, bucket: 'cache-two', builder: { accessKey: 'mine' }, policyName: 'my-policy', key: { secretFile: '~/k.sec' } };
    const answers = await answersFor({ endpoint: ENDPOINT, admin: ADMIN, bucket: 'cache-two', builder: { accessKey: 'mine' }, policyName: 'my-policy', key: { secretFile: '~/k.sec' } }, effects);
    const names = await detectCacheNames(serverWithFirstCache, { ...answers, admin: { ...answers.admin, mcAlias: 'myminio' } }, kept, effects);
    expect(names.builder?.accessKey).toBeUndefined();
    expect(names.policyName).toBeUndefined();
    expect(names.key?.secretFile).toBeUndefined();
    expect(names.alias).toBe('myminio');
  });

  test('the alias written defaults to the mc alias the admin keys were picked from', async () => {
    const { home, effects, write } = sandbox();
    write(join(home, '.mc', 'config.json'), JSON.stringify({ version: '10', aliases: { myminio: { url: ENDPOINT, ...ADMIN } } }));
    const resolution = await resolveFromDisk({ admin: { mcAlias: 'myminio' } }, effects);
    expect(resolution.ok && resolution.value.answers.alias).toBe('myminio');
  });

  test('an existing key file that no other cache names is reused with the name of its key', async () => {
    const { home, effects, write } = sandbox();
    write(join(home, '.config', 'nix', 'secret.key'), `old-name-1:${Buffer.alloc(64, 7).toString('base64')}\n`);
    const answers = await answersFor({ endpoint: ENDPOINT, admin: ADMIN }, effects);
    const names = await detectCacheNames(emptyServer, answers, { endpoint: ENDPOINT, admin: ADMIN }, effects);
    expect(names.key).toMatchObject({ name: 'old-name-1', secretFile: '~/.config/nix/secret.key' });
  });

  test('per-cache user names stay within what MinIO and RGW take', () => {
    const names = perCacheNames('nixbuilder', 'a'.repeat(63), ACCESS_KEY_NAME_RULE);
    expect(names[0]).toBe('nixbuilder');
    for (const name of names) expect(validateAnswerField('builder.accessKey', name)).toBeUndefined();
    expect(new Set(names).size).toBe(names.length);
  });

  test('an IPv6 endpoint gives a valid key name of this cache, not ::1-1', async () => {
    const { effects } = sandbox();
    expect(keyNameHost('http://[::1]:9000')).toBe('ipv6-1');
    const resolution = await resolveFromDisk({ endpoint: 'http://[::1]:9000', admin: ADMIN }, effects);
    expect(resolution.ok && resolution.value.answers.key.name).toBe('ipv6-1-nix-cache-1');
    expect(validateAnswerField('key.name', 'ipv6-1-nix-cache-1')).toBeUndefined();
  });

  test("a policy's buckets are read from its Allow statements", () => {
    expect(bucketsGranted(writePolicyDocument('cache-one'))).toEqual(['cache-one']);
    expect(bucketsGranted({ Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::*'] }] })).toEqual(['*']);
    expect(bucketsGranted({ Statement: [{ Effect: 'Deny', Resource: 'arn:aws:s3:::b2/*' }, { Effect: 'Allow', Action: ['admin:*'] }] })).toEqual([]);
  });

  test('an mc alias of another server is a conflict naming it and a free alias; one of this server and keys is not', async () => {
    const { home, effects, write } = sandbox();
    write(join(home, '.mc', 'config.json'), JSON.stringify({ version: '10', aliases: { s3: { url: 'https://elsewhere.example', accessKey: 'x', secretKey: 'y-secret-1' }, mine: { url: `${ENDPOINT}/`, accessKey: 'rootadmin', secretKey: 'root-secret-1' } } }));
    const answers = await answersFor({ endpoint: ENDPOINT, admin: ADMIN }, effects);
    const conflict = mcAliasConflict(answers, effects);
    expect(conflict?.field).toBe('alias');
    expect(conflict?.message).toContain('https://elsewhere.example');
    expect(conflict?.message).toContain('s3-2 is free');
    expect(mcAliasConflict({ ...answers, alias: 'mine' }, effects)).toBeUndefined();
    expect(mcAliasConflict({ ...answers, writeMcConfig: false }, effects)).toBeUndefined();
  });
});

describe('the defaults the server shows', () => {
  const ok = { type: 'set-connection-status', status: { ok: true, detail: 'ok' } } as const;
  const run = (state: WizardState, ...actions: WizardAction[]) => actions.reduce(wizardReducer, state);
  const question = (field: string) => QUESTIONS.find((q) => q.field === field)!;

  test('come from the bucket actually chosen: a new bucket is not offered what another bucket holds', () => {
    const initial: AnswersInput = { endpoint: ENDPOINT, region: 'us-east-1', admin: ADMIN, backend: 'minio', adminVia: 'api' };
    let state = createInitialState({ initial, context: { aliases: {}, env: {} }, generatedSecret: 'Generated+Secret=7xYz' });
    expect(state.phase.name).toBe('detecting');
    // The server is first looked at with the default bucket, which holds a private cache expiring after 30 days
    state = run(state, { type: 'detected', answers: { anonymous: 'none', expireDays: 30 } }, ok);
    for (let guard = 0; currentQuestion(state)?.field !== 'bucket' && guard < 20; guard++) state = run(state, { type: 'answer', value: offeredAnswer(state, currentQuestion(state)!) });
    expect(currentQuestion(state)?.field).toBe('bucket');
    // When another bucket, which does not exist yet, is chosen
    state = run(state, { type: 'answer', value: 'another-bucket' });
    expect(state.phase.name).toBe('detecting');
    state = run(state, { type: 'detected', answers: {} });
    // Then its defaults are the first-setup ones, not the other bucket's
    expect(offeredAnswer(state, question('anonymous'))).toBe('get');
    expect(offeredAnswer(state, question('expireDays'))).toBeNull();
  });

  test("a remembered setup's answers are not offered for another bucket", () => {
    // Given the remembered answers of a private cache in bucket cache-one, with names of its own
    const remembered: AnswersInput = { endpoint: ENDPOINT, region: 'us-east-1', admin: { accessKey: 'rootadmin' }, backend: 'minio', adminVia: 'api', bucket: 'cache-one', anonymous: 'none', expireDays: 30, policyName: 'nix-cache-write-cache-one' };
    let state = createInitialState({ initial: { admin: ADMIN }, context: { aliases: {}, env: {} }, generatedSecret: 'Generated+Secret=7xYz', known: { remembered, detected: {} } });
    for (let guard = 0; currentQuestion(state)?.field !== 'bucket' && guard < 20; guard++) {
      if (state.phase.name === 'detecting') state = run(state, { type: 'detected', answers: {} });
      else if (state.phase.name === 'testing-connection') state = run(state, ok);
      else state = run(state, { type: 'answer', value: offeredAnswer(state, currentQuestion(state)!) });
    }
    expect(offeredAnswer(state, question('bucket'))).toBe('cache-one');
    // When another bucket is answered
    state = run(state, { type: 'answer', value: 'cache-two' });
    if (state.phase.name === 'detecting') state = run(state, { type: 'detected', answers: {} });
    // Then the other setup's answers are not its defaults
    expect(offeredAnswer(state, question('anonymous'))).toBe('get');
    expect(offeredAnswer(state, question('expireDays'))).toBeNull();
    expect(offeredAnswer(state, question('policyName'))).toBe('nix-cache-write');
    // And the same bucket again offers them
    state = run(state, { type: 'go-back' });
    for (let guard = 0; currentQuestion(state)?.field !== 'bucket' && guard < 20; guard++) state = run(state, { type: 'go-back' });
    state = run(state, { type: 'answer', value: 'cache-one' });
    expect(offeredAnswer(state, question('anonymous'))).toBe('none');
  });
});
