/**
 * Many caches on one server (issue 15, "Done when"), against the real MinIO (through its admin API
 * and through the real mc) and the real Ceph RGW: three caches on one server (public, private,
 * public), each set up with the defaults (only the endpoint, the bucket, the admin keys and, for
 * the private one, `anonymous: "none"` given). Every builder writes only its own bucket, the
 * private cache is read by its reader only, a re-run of each sends no request that changes
 * anything, and rotating one cache's credentials and key leaves the others working. Giving a
 * second cache the first one's policy or builder is a conflict naming who holds it.
 *
 * MinIO runs as a server of this file's own, so that the first cache meets a server with nothing
 * on it and keeps the first-setup names; the shared RGW holds other files' caches, so there the
 * names are only required to be distinct and each cache's own.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from 'minio';
import type { AnswersInput } from '../../source/answers/answers-schema';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import { rememberedSetups } from '../../source/state/remembered-answers';
import { minioTarget, type BackendTarget } from '../helpers/backend-targets';
import { rgwClient } from '../helpers/ceph-rgw';
import { startMinio, type MinioServer } from '../helpers/minio-server';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

const rgw = inject('rgw');
const minioUnavailable = inject('minioUnavailable');
const rows: { name: string; backend: 'minio' | 'ceph'; adminVia?: 'api' | 'mc'; skip: boolean }[] = [
  { name: 'MinIO, adminVia api', backend: 'minio', adminVia: 'api', skip: inject('minio') === null },
  { name: 'MinIO, adminVia mc', backend: 'minio', adminVia: 'mc', skip: inject('minio') === null },
  { name: 'Ceph RGW', backend: 'ceph', skip: rgw === null },
];

const MODES = ['get', 'none', 'get'] as const;

interface Cache {
  readonly bucket: string;
  readonly answersFile: string;
  /** the answers the run remembered: the names it took */
  answers: AnswersInput;
}

/** A path as answered (`~/…` or `./…`) on the sandbox's disk. */
function onDisk(sandbox: CliSandbox, path: string): string {
  return path.startsWith('~/') ? join(sandbox.home, path.slice(2)) : join(sandbox.cwd, path);
}

function profileKeys(sandbox: CliSandbox, file: string, profile: string): { accessKey: string; secretKey: string } {
  const keys = readAwsProfile(readFileSync(onDisk(sandbox, file), 'utf8'), profile);
  if (!keys?.accessKeyId || !keys.secretAccessKey) throw new Error(`no profile ${profile} in ${file}`);
  return { accessKey: keys.accessKeyId, secretKey: keys.secretAccessKey };
}

/** What a server answers keys that may not write there, or that are not (any more) valid. */
const REFUSED = ['AccessDenied', 'SignatureDoesNotMatch', 'InvalidAccessKeyId'];

async function canPut(client: Client, bucket: string): Promise<boolean> {
  try {
    await client.putObject(bucket, `probe-${randomBytes(3).toString('hex')}`, 'x');
    return true;
  } catch (error) {
    if (REFUSED.includes((error as { code?: string }).code ?? '')) return false;
    throw error;
  }
}

async function canGet(client: Client, bucket: string, key: string): Promise<boolean> {
  try {
    const stream = await client.getObject(bucket, key);
    for await (const chunk of stream) void chunk;
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'AccessDenied') return false;
    throw error;
  }
}

for (const row of rows) {
  const why = row.backend === 'minio' ? minioUnavailable : inject('rgwUnavailable');
  describe.skipIf(row.skip)(`three caches on one ${row.name}${why ? ` (skipped: ${why})` : ''}`, () => {
    const id = randomBytes(3).toString('hex');
    let server: MinioServer | undefined;
    let target: BackendTarget;
    let proxy: RecordingProxy;
    let sandbox: CliSandbox;
    const caches: Cache[] = MODES.map((_, index) => ({ bucket: `many-${index + 1}-${id}`, answersFile: `cache-${index + 1}.json`, answers: {} }));
    /** an S3 client with `keys`, straight to the server */
    const clientWith = (keys?: { accessKey: string; secretKey: string }) => (row.backend === 'ceph' ? rgwClient(rgw!, keys ?? rgw!) : target.client(keys));
    const builderOf = (cache: Cache) => profileKeys(sandbox, cache.answers.files!.awsCredentials!, cache.answers.builder!.profile!);

    async function remember(): Promise<void> {
      const setups = await rememberedSetups(sandbox.effects());
      for (const cache of caches) cache.answers = setups.find((setup) => setup.answers.bucket === cache.bucket)?.answers ?? {};
    }

    beforeAll(async () => {
      if (row.backend === 'minio') {
        server = await startMinio();
        target = minioTarget(server, row.adminVia!);
      } else {
        target = { endpoint: rgw!.endpoint, admin: { accessKey: rgw!.accessKey, secretKey: rgw!.secretKey }, path: process.env['PATH'] ?? '' } as BackendTarget;
      }
      proxy = await startRecordingProxy(target.endpoint);
      sandbox = makeCliSandbox();
      sandbox.env['PATH'] = target.path;
      for (const [index, cache] of caches.entries()) {
        const answers = {
          backend: row.backend,
          ...(row.adminVia ? { adminVia: row.adminVia } : {}),
          endpoint: proxy.endpoint,
          admin: target.admin,
          bucket: cache.bucket,
          ...(MODES[index] === 'none' ? { anonymous: 'none' } : {}),
        };
        writeFileSync(join(sandbox.cwd, cache.answersFile), JSON.stringify(answers));
        const result = await sandbox.run(['setup', '--yes', '--answers', cache.answersFile]);
        expect(result.code, `${cache.bucket}: ${result.stdout}${result.stderr}`).toBe(0);
      }
      await remember();
    }, 600_000);

    afterAll(async () => {
      await proxy?.close();
      await server?.stop();
    });

    it('each cache took names of its own: users, policies, profiles, key names and files', () => {
      const distinct = (field: (answers: AnswersInput) => unknown) => new Set(caches.map((cache) => field(cache.answers))).size;
      expect(distinct((a) => a.builder?.accessKey)).toBe(3);
      expect(distinct((a) => a.builder?.profile)).toBe(3);
      expect(distinct((a) => a.key?.name)).toBe(3);
      expect(distinct((a) => a.key?.secretFile)).toBe(3);
      expect(distinct((a) => a.files?.nixosModule)).toBe(3);
      if (row.backend === 'minio') {
        expect(distinct((a) => a.policyName)).toBe(3);
        // a server with nothing on it: the first cache keeps the first-setup names, the others derive theirs from the bucket
        expect(caches[0]!.answers).toMatchObject({ builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' }, policyName: 'nix-cache-write', alias: 's3', key: { secretFile: '~/.config/nix/secret.key' } });
        expect(caches[1]!.answers).toMatchObject({ builder: { accessKey: `nixbuilder-${caches[1]!.bucket}` }, reader: { accessKey: 'nixreader' }, policyName: `nix-cache-write-${caches[1]!.bucket}` });
      }
      for (const cache of caches) expect(cache.answers.key?.name).toContain(cache.bucket);
    });

    it('every builder writes its own bucket and no other', async () => {
      for (const cache of caches) {
        const builder = clientWith(builderOf(cache));
        for (const other of caches) expect([cache.bucket, other.bucket, await canPut(builder, other.bucket)]).toEqual([cache.bucket, other.bucket, other === cache]);
      }
    });

    it("the private cache is read by its reader, not anonymously nor by another cache's builder", async () => {
      const [publicCache, privateCache] = caches as [Cache, Cache, Cache];
      const reader = clientWith(profileKeys(sandbox, privateCache.answers.files!.readerCredentials!, privateCache.answers.reader!.profile!));
      expect(await canGet(reader, privateCache.bucket, 'nix-cache-info')).toBe(true);
      const anonymous = await fetch(`${target.endpoint}/${privateCache.bucket}/nix-cache-info`);
      expect(anonymous.status).toBe(403);
      expect(await canGet(clientWith(builderOf(publicCache)), privateCache.bucket, 'nix-cache-info')).toBe(false);
      expect((await fetch(`${target.endpoint}/${publicCache.bucket}/nix-cache-info`)).status).toBe(200);
    });

    it('a re-run of each cache, from the same answers, finds everything done and changes nothing', async () => {
      for (const cache of caches) {
        proxy.clear();
        const result = await sandbox.run(['setup', '--yes', '--json', '--answers', cache.answersFile]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        const json = JSON.parse(result.stdout) as { steps: { id: string; status: string }[]; files: { action: string }[] };
        expect(json.steps.filter((step) => step.status !== 'done')).toEqual([]);
        expect(json.files.filter((file) => file.action !== 'unchanged')).toEqual([]);
        expect(proxy.mutating().map((r) => `${r.method} ${r.url}`)).toEqual([]);
      }
    });

    it('verify of each cache, from the same answers file, checks its own names and finds it set up', async () => {
      for (const cache of caches) {
        const result = await sandbox.run(['verify', '--answers', cache.answersFile]);
        expect(result.code, `${cache.bucket}: ${result.stdout}${result.stderr}`).toBe(0);
        expect(result.stdout).toContain(cache.answers.builder!.profile!);
      }
    });

    it("giving a second cache the first one's builder or policy is a conflict naming who holds it, and changes nothing", async () => {
      const [first, second] = caches as [Cache, Cache, Cache];
      const secondAnswers = JSON.parse(readFileSync(join(sandbox.cwd, second.answersFile), 'utf8')) as Record<string, unknown>;
      const attempt = async (taken: Record<string, unknown>) => {
        writeFileSync(join(sandbox.cwd, 'taken.json'), JSON.stringify({ ...secondAnswers, ...taken }));
        proxy.clear();
        const result = await sandbox.run(['setup', '--yes', '--json', '--answers', 'taken.json']);
        expect(result.code).toBe(1);
        expect(proxy.mutating().map((r) => `${r.method} ${r.url}`)).toEqual([]);
        return (JSON.parse(result.stdout) as { steps: { id: string; status: string; detail: string }[] }).steps;
      };
      const user = (await attempt({ builder: { accessKey: first.answers.builder!.accessKey } })).find((step) => step.id === 'user')!;
      expect(user.status).toBe('conflict');
      expect(user.detail).toContain(first.bucket);
      expect(user.detail).toMatch(/\(\S+ is free\)/);
      if (row.backend === 'minio') {
        const policy = (await attempt({ policyName: first.answers.policyName })).find((step) => step.id === 'policy')!;
        expect(policy.status).toBe('conflict');
        expect(policy.detail).toContain(`grants bucket ${first.bucket}`);
        expect(policy.detail).toContain(`attached to user ${first.answers.builder!.accessKey}`);
        expect(policy.detail).toMatch(/\(\S+ is free\)/);
      }
      expect(await canPut(clientWith(builderOf(first)), first.bucket)).toBe(true);
    });

    it('rotating one cache (credentials, then key) leaves the others working', async () => {
      const [first, rotated, third] = caches as [Cache, Cache, Cache];
      const keyFiles = (cache: Cache) => readFileSync(onDisk(sandbox, cache.answers.key!.secretFile!), 'utf8');
      const before = { first: keyFiles(first), third: keyFiles(third), rotated: keyFiles(rotated), builder: builderOf(rotated) };
      writeFileSync(join(sandbox.cwd, 'rotate.json'), JSON.stringify({ ...rotated.answers, admin: target.admin }));
      const credentials = await sandbox.run(['rotate', 'credentials', '--yes', '--answers', 'rotate.json']);
      expect(credentials.code, credentials.stdout + credentials.stderr).toBe(0);
      const key = await sandbox.run(['rotate', 'key', '--yes', '--answers', 'rotate.json']);
      expect(key.code, key.stdout + key.stderr).toBe(0);
      // the rotated cache: a new builder secret that writes, the old one refused, a new key in its own file
      expect(builderOf(rotated).secretKey).not.toBe(before.builder.secretKey);
      expect(await canPut(clientWith(builderOf(rotated)), rotated.bucket)).toBe(true);
      expect(await canPut(clientWith(before.builder), rotated.bucket)).toBe(false);
      expect(keyFiles(rotated)).not.toBe(before.rotated);
      // the others: their keys untouched, their builders still write, a re-run still changes nothing
      expect(keyFiles(first)).toBe(before.first);
      expect(keyFiles(third)).toBe(before.third);
      for (const cache of [first, third]) {
        expect(await canPut(clientWith(builderOf(cache)), cache.bucket)).toBe(true);
        proxy.clear();
        const again = await sandbox.run(['setup', '--yes', '--answers', cache.answersFile]);
        expect(again.code, again.stdout + again.stderr).toBe(0);
        expect(proxy.mutating().map((r) => `${r.method} ${r.url}`)).toEqual([]);
      }
    });
  });
}
