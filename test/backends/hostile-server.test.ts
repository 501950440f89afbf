/**
 * Issue 16 and 20 against a hostile-server stand-in on 127.0.0.1 (test/helpers/hostile-http-server.ts:
 * what no real MinIO or RGW does on demand): every client of the wizard ends each request within
 * its deadline, reads no more of an answer than such an answer can hold, stops a listing that
 * makes no progress, and retries under one rule, never a request that must not be sent twice.
 * The backoff's sleep is injected, so no test waits for it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StepError } from '../../source/errors';
import { createRgwAdminClient } from '../../source/backends/ceph/rgw-admin-client';
import { builderKeysChecker } from '../../source/backends/minio/builder-keys-check';
import { createMinioAdminClient } from '../../source/backends/minio/minio-admin-client';
import { AdminDenialError, minioAdminWithReads } from '../../source/backends/minio/minio-admin';
import { createReadCache } from '../../source/steps/read-cache';
import { type RetryNotice, askAgainWhile, askAround, onRetries, retryCount, runWithRequestRules, withDeadline } from '../../source/requests/request-rules';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { s3Documents, serverTraits } from '../../source/backends/s3/s3-documents';
import { newStepRun } from '../../source/steps/server-step';
import { getBucketPolicyText, getLifecycleXml, listObjectKeys, readObjectText } from '../../source/backends/s3/s3-requests';
import { sendSignedRequest } from '../../source/backends/signed-request';
import { nativeSigner, nativeVerifier } from '../../source/keys/native-ed25519';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { resignCache } from '../../source/rotate/resign-cache';
import { pruneCache } from '../../source/prune/prune-cache';
import { applyRepair, type RepairPlan } from '../../source/doctor/repair';
import { anonymousRequest } from '../../source/verify/anonymous-request';
import { checkNarinfoSignatures } from '../../source/verify/client-checks';
import { type HostileBehaviour, type HostileServer, type HostileServerOptions, startHostileServer } from '../helpers/hostile-http-server';

const keys = { accessKey: 'admin', secretKey: 'Admin-Secret-1' };
let server: HostileServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function hostile(behaviour: HostileBehaviour, options?: HostileServerOptions): Promise<HostileServer> {
  server = await startHostileServer(behaviour, options);
  return server;
}

function s3Client(endpoint: string) {
  return createS3Client({ endpoint, region: 'us-east-1', ...keys });
}

/** Runs `work` with an instant, recorded backoff; resolves with what it settled to and what was slept. */
async function withInstantBackoff<T>(work: () => Promise<T>) {
  const slept: number[] = [];
  const notices: RetryNotice[] = [];
  const outcome = await runWithRequestRules({ sleep: async (ms) => void slept.push(ms), random: () => 0.999 }, () =>
    onRetries(
      (notice) => notices.push(notice),
      async () => {
        const settled = await work().then(
          (value) => ({ value, error: undefined }),
          (error: unknown) => ({ value: undefined, error }),
        );
        return { ...settled, retries: retryCount() };
      },
    ),
  );
  return { ...outcome, slept, notices };
}

const MIB = 1024 * 1024;

describe('a server that never stops sending', () => {
  it('an endless chunked answer to a policy read fails at 64 KiB, and the process does not grow', async () => {
    const { endpoint } = await hostile('endless-chunked');
    const before = process.memoryUsage().rss;
    await expect(getBucketPolicyText(s3Client(endpoint), 'cache')).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE', message: expect.stringContaining('larger than 64 KiB') });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MIB);
  });

  it('an endless chunked answer to a lifecycle read fails at 1 MiB', async () => {
    const { endpoint } = await hostile('endless-chunked');
    await expect(getLifecycleXml(s3Client(endpoint), 'cache')).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE', message: expect.stringContaining('larger than 1 MiB') });
  });

  it('a 100 MB answer to a narinfo read stops at 1 MiB, and the process does not grow', async () => {
    const { endpoint } = await hostile('huge-body');
    const before = process.memoryUsage().rss;
    await expect(readObjectText(s3Client(endpoint), 'cache', 'aaaa.narinfo', 4 * MIB)).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE' });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MIB);
  });

  it("an endless answer to the MinIO admin API fails at 1 MiB, named as the admin call's failure", async () => {
    const { endpoint } = await hostile('endless-chunked');
    const admin = createMinioAdminClient({ endpoint, region: 'us-east-1', insecure: false, admin: keys, randomBytes: (n) => new Uint8Array(n) });
    await expect(admin.userInfo('nixbuilder')).rejects.toMatchObject({ step: 'connect', message: expect.stringContaining('larger than 1 MiB') });
  });

  it("an endless answer to verify's anonymous read fails at 4 MiB", async () => {
    const { endpoint } = await hostile('endless-chunked');
    await expect(anonymousRequest(`${endpoint}/cache/nix-cache-info`)).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE', message: expect.stringContaining('larger than 4 MiB') });
  });

  it('an endless answer to the RGW Admin Ops API fails at 1 MiB', async () => {
    const { endpoint } = await hostile('endless-chunked');
    const rgw = createRgwAdminClient({ endpoint, ...keys });
    await expect(rgw.getUser('nixbuilder')).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE' });
  });
});

describe('a server that drips a byte every 2 s (never idle long enough for an idle timeout)', () => {
  it('an S3 read ends at the deadline with "did not answer in time"', async () => {
    const { endpoint } = await hostile('slow-drip', { dripMs: 100 });
    await expect(withDeadline(1_500, () => getBucketPolicyText(s3Client(endpoint), 'cache'))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a time-out after whole answers to earlier requests of the command says so, not "check the endpoint and firewall"', async () => {
    const { endpoint } = await hostile('slow-drip', { dripMs: 100, wholeFirst: 1 });
    const admin = createMinioAdminClient({ endpoint, region: 'us-east-1', insecure: false, admin: keys, randomBytes: (n) => new Uint8Array(n) });
    const run = await withInstantBackoff(() =>
      withDeadline(1_500, async () => {
        await getBucketPolicyText(s3Client(endpoint), 'cache');
        return admin.userInfo('nixbuilder');
      }),
    );
    expect(run.error).toMatchObject({ step: 'connect', message: expect.stringContaining('answered earlier requests of this command, then gave no complete answer to one in time (ETIMEDOUT)') });
    expect((run.error as StepError).hint).toMatch(/Run the same command again in a moment/);
  });

  it('a MinIO admin call ends at the deadline', async () => {
    const { endpoint } = await hostile('slow-drip', { dripMs: 100 });
    const admin = createMinioAdminClient({ endpoint, region: 'us-east-1', insecure: false, admin: keys, randomBytes: (n) => new Uint8Array(n) });
    await expect(withDeadline(1_500, () => admin.userInfo('nixbuilder'))).rejects.toMatchObject({ step: 'connect', message: expect.stringContaining('did not answer in time') });
  });

  it('an RGW admin call ends at the deadline', async () => {
    const { endpoint } = await hostile('slow-drip', { dripMs: 100 });
    const rgw = createRgwAdminClient({ endpoint, ...keys });
    await expect(withDeadline(1_500, () => rgw.getUser('nixbuilder'))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('one attempt of a request is cut at its own timeout, headers and body together', async () => {
    const { endpoint } = await hostile('slow-drip', { dripMs: 100 });
    const sent = sendSignedRequest({ endpoint, region: 'us-east-1', insecure: false, timeoutMs: 1_000 }, keys, { method: 'GET', path: '/minio/health/live' });
    await expect(sent).rejects.toMatchObject({ message: expect.stringContaining('did not answer in time') });
  });

  it('a read whose answer does not start within its time is sent again (behind a balancer another node may answer)', async () => {
    const stand = await hostile('silent');
    const run = await withInstantBackoff(() => sendSignedRequest({ endpoint: stand.endpoint, region: 'us-east-1', insecure: false, timeoutMs: 400 }, keys, { method: 'GET', path: '/minio/health/live' }));
    expect(run.error).toMatchObject({ message: expect.stringContaining('did not answer in time') });
    expect(stand.requests).toHaveLength(4);
    expect(run.notices.map((notice) => notice.reason)).toEqual(Array(3).fill('the server gave no complete answer within 0.4 s'));
  });

  it('a request that sets a secret and runs out of its time is not sent again: it may have been done', async () => {
    const stand = await hostile('silent');
    const rgw = createRgwAdminClient({ endpoint: stand.endpoint, ...keys, timeoutMs: 400 });
    const run = await withInstantBackoff(() => rgw.rotateKey('nixbuilder', 'nixbuilder'));
    expect(run.error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(stand.requests).toHaveLength(1);
    expect(run.retries).toBe(0);
  });
});

describe('a listing that always says "more to come" with the same token', () => {
  it('is an error after the second page, not an endless loop of LISTs', async () => {
    const stand = await hostile('repeating-listing');
    const client = s3Client(stand.endpoint);
    const listed: string[] = [];
    const listing = (async () => {
      for await (const key of listObjectKeys(client, 'cache', { recursive: false })) listed.push(key);
    })();
    await expect(listing).rejects.toMatchObject({ code: 'ELISTINGSTUCK', message: expect.stringContaining('makes no progress') });
    expect(stand.requests).toHaveLength(2);
  });

  it("fails verify's narinfo sample with that error", async () => {
    const stand = await hostile('repeating-listing');
    const key = generateNixSecretKey('k-1', (n) => new Uint8Array(n).fill(7));
    const report = await checkNarinfoSignatures({ bucket: 'cache' }, s3Client(stand.endpoint), [key.publicKey()]);
    expect(report).toMatchObject({ status: 'failed', detail: expect.stringContaining('makes no progress') });
    expect(stand.requests).toHaveLength(2);
  });

  it('stops re-signing with that error', async () => {
    const stand = await hostile('repeating-listing');
    const key = generateNixSecretKey('k-1', (n) => new Uint8Array(n).fill(7));
    const run = resignCache({
      client: s3Client(stand.endpoint),
      bucket: 'cache',
      ifMatch: 'quoted',
      oldKeys: [],
      newKey: { ...nativeSigner(key), verify: nativeVerifier(key.publicKey()).verify },
    });
    await expect(run).rejects.toMatchObject({ code: 'ELISTINGSTUCK' });
    expect(stand.requests.filter((request) => request.startsWith('GET /cache?'))).toHaveLength(2);
  });
});

describe('the retry rule', () => {
  it('sends an admin request that gets 503 four times in all, with doubling jittered waits, and says so each time', async () => {
    const stand = await hostile('status', { status: 503 });
    const run = await withInstantBackoff(() => sendSignedRequest({ endpoint: stand.endpoint, region: 'us-east-1', insecure: false }, keys, { method: 'GET', path: '/minio/admin/v3/info' }));
    expect(run.value?.status).toBe(503);
    expect(stand.requests).toHaveLength(4);
    expect(run.slept).toEqual([1000, 1999, 3998]);
    expect(run.retries).toBe(3);
    expect(run.notices.map((notice) => notice.text)).toEqual([
      'the server answered 503; trying again in 1 s, attempt 2 of 4',
      'the server answered 503; trying again in 2 s, attempt 3 of 4',
      'the server answered 503; trying again in 4 s, attempt 4 of 4',
    ]);
  });

  it.each([500, 502, 504, 429, 408])('retries %i through the S3 client too', async (status) => {
    const stand = await hostile('status', { status });
    const run = await withInstantBackoff(() => getBucketPolicyText(s3Client(stand.endpoint), 'cache'));
    expect(run.error).toBeDefined();
    expect(stand.requests).toHaveLength(4);
    expect(run.notices[0]?.reason).toBe(`the server answered ${status}`);
  });

  it('does not retry an answer that will not change (403)', async () => {
    const stand = await hostile('status', { status: 403 });
    const run = await withInstantBackoff(() => getBucketPolicyText(s3Client(stand.endpoint), 'cache'));
    expect(run.error).toBeDefined();
    expect(stand.requests).toHaveLength(1);
    expect(run.retries).toBe(0);
  });

  it('never sends again a request that must not be sent twice (RGW making a secret) after an answer that may mean it was done (500)', async () => {
    const stand = await hostile('status', { status: 500 });
    const rgw = createRgwAdminClient({ endpoint: stand.endpoint, ...keys });
    const run = await withInstantBackoff(() => rgw.rotateKey('nixbuilder', 'nixbuilder'));
    expect(run.error).toMatchObject({ status: 500 });
    expect(stand.requests).toHaveLength(1);
    expect(run.retries).toBe(0);
  });

  it('never sends again a request that sets a secret (MinIO add-user) after a 502: its lost answer goes the pending-secret way', async () => {
    const stand = await hostile('status', { status: 502 });
    const admin = createMinioAdminClient({ endpoint: stand.endpoint, region: 'us-east-1', insecure: false, admin: keys, randomBytes: (n) => new Uint8Array(n) });
    const run = await withInstantBackoff(() => admin.addUser('nixbuilder', 'Builder-Secret-1'));
    expect(run.error).toBeDefined();
    expect(stand.requests).toHaveLength(1);
    expect(run.retries).toBe(0);
  });

  it('sends a secret-setting request again after 503, by which the server says it did not carry it out', async () => {
    const stand = await hostile('status', { status: 503 });
    const rgw = createRgwAdminClient({ endpoint: stand.endpoint, ...keys });
    const run = await withInstantBackoff(() => rgw.rotateKey('nixbuilder', 'nixbuilder'));
    expect(run.error).toMatchObject({ status: 503 });
    expect(stand.requests).toHaveLength(4);
  });

  it("re-signing names a narinfo the retries gave up on by the server's answer, not minio-js's \"Request failed after 0 retries\"", async () => {
    const stand = await hostile('busy-objects', { status: 503 });
    const key = generateNixSecretKey('k-1', (n) => new Uint8Array(n).fill(7));
    const run = await withInstantBackoff(() =>
      resignCache({ client: s3Client(stand.endpoint), bucket: 'cache', ifMatch: 'quoted', oldKeys: [], newKey: { ...nativeSigner(key), verify: nativeVerifier(key.publicKey()).verify } }),
    );
    expect(run.value?.counts.failed).toBe(1);
    expect(run.value?.failures).toEqual([{ key: '0123456789abcdfghijklmnpqrsvwxyz.narinfo', error: expect.stringContaining('answered HTTP 503') }]);
    expect(JSON.stringify(run.value?.failures)).not.toMatch(/retries|Retryable/);
    expect(stand.requests.filter((request) => request.startsWith('GET /cache/0123456789abcdfghijklmnpqrsvwxyz.narinfo'))).toHaveLength(4);
  });

  it('re-signing asks twice more, after 1 and 2 s, for a narinfo just listed that the server says is not there, then counts it as failed: deleted meanwhile, or a node that lags and still holds it for the others', async () => {
    const stand = await hostile('busy-objects', { status: 404 });
    const key = generateNixSecretKey('k-1', (n) => new Uint8Array(n).fill(7));
    const run = await withInstantBackoff(() =>
      resignCache({ client: s3Client(stand.endpoint), bucket: 'cache', ifMatch: 'quoted', oldKeys: [], newKey: { ...nativeSigner(key), verify: nativeVerifier(key.publicKey()).verify } }),
    );
    expect(run.value?.counts).toMatchObject({ seen: 1, failed: 1, signed: 0 });
    expect(run.value?.failures).toEqual([{ key: '0123456789abcdfghijklmnpqrsvwxyz.narinfo', error: expect.stringMatching(/^listed, then not found when read three times \(deleted meanwhile, or a node of a cluster that lags behind\)$/) }]);
    expect(stand.requests.filter((request) => request.startsWith('GET /cache/0123456789abcdfghijklmnpqrsvwxyz.narinfo'))).toHaveLength(3);
    expect(run.slept).toEqual([1000, 2000]);
  });

  it('prune deletes nothing when a narinfo it listed is then not found (asked three times): on a lagging node of a cluster it still refers to its NAR', async () => {
    const stand = await hostile('busy-objects', { status: 404 });
    const reportPath = join(mkdtempSync(join(tmpdir(), 'ncw-prune-')), 'report.txt');
    const run = await withInstantBackoff(() =>
      pruneCache({ client: s3Client(stand.endpoint), bucket: 'cache', now: () => new Date('2026-01-01T00:00:00Z'), keepDays: 0, minAgeMs: 0, pins: [], apply: true, reportPath }),
    );
    expect(run.error).toMatchObject({ message: expect.stringMatching(/listed, then not found when read three times.*Nothing was deleted/) });
    expect(stand.requests.filter((request) => request.startsWith('GET /cache/0123456789abcdfghijklmnpqrsvwxyz.narinfo'))).toHaveLength(3);
    expect(stand.requests.filter((request) => !request.startsWith('GET '))).toEqual([]);
  });

  it('a node that does not know keys another node took (InvalidAccessKeyId) gets the whole retry rule; keys not taken yet one more attempt', async () => {
    const stand = await hostile('lagging-node', { unknownAt: [1, 2, 3] });
    const client = s3Client(stand.endpoint);
    const run = await withInstantBackoff(async () => {
      await getBucketPolicyText(client, 'cache');
      return getBucketPolicyText(client, 'cache');
    });
    expect(run.error).toBeUndefined();
    expect(run.value).toContain('Statement');
    expect(stand.requests).toHaveLength(5);
    // another node is what helps, not a later time: a short wait that does not grow
    expect(run.slept).toEqual([250, 250, 250]);
    expect(run.notices.map((notice) => notice.text)).toEqual([2, 3, 4].map((attempt) => `the server did not know access key admin, which it took before (a node not caught up?); trying again in 0.3 s, attempt ${attempt} of 8`));

    await stand.close();
    const unknown = await hostile('lagging-node', { unknownAt: [0, 1, 2, 3] });
    const first = await withInstantBackoff(() => getBucketPolicyText(s3Client(unknown.endpoint), 'cache'));
    expect(first.error).toMatchObject({ code: 'InvalidAccessKeyId' });
    expect(unknown.requests).toHaveLength(2);
    expect(first.notices.map((notice) => notice.text)).toEqual(['the server did not know access key admin; trying again in 0.3 s, attempt 2 of 2']);

    // asking whether keys work, the answer is kept
    await unknown.close();
    const probe = await hostile('lagging-node', { unknownAt: [0, 1, 2, 3] });
    const check = await withInstantBackoff(() => builderKeysChecker({ endpoint: probe.endpoint, region: 'us-east-1', insecure: false })(keys, 'cache'));
    expect(check.value).toMatchObject({ works: false });
    expect(probe.requests).toHaveLength(1);
  });

  it('reads a 403 that is not about unknown keys once, and hands its body on whole', async () => {
    const stand = await hostile('status', { status: 403 });
    const run = await withInstantBackoff(() => sendSignedRequest({ endpoint: stand.endpoint, region: 'us-east-1', insecure: false }, keys, { method: 'GET', path: '/minio/admin/v3/info' }));
    expect(run.value?.status).toBe(403);
    expect(run.value?.body.toString('utf8')).toContain('<Code>ServiceUnavailable</Code>');
    expect(stand.requests).toHaveLength(1);
  });

  it('a bucket policy a node still serves from before is written again until every read of it agrees (settled)', async () => {
    const stand = await hostile('stale-policy-node', { staleUntil: 2 });
    const policy = '{"Version":"2012-10-17","Statement":[{"Sid":"NixCacheAnonymousRead"}]}';
    const run = await withInstantBackoff(async () => {
      const docs = s3Documents(s3Client(stand.endpoint), 'cache', newStepRun(), serverTraits('minio'));
      await docs.putPolicy(policy);
      // what every node serves now is remembered: no read more
      return docs.policy();
    });
    expect(run.value).toBe(policy);
    // PUT, 8 reads (node 3's two stale), PUT again, 8 reads that agree
    expect(stand.requests.map((request) => request.split(' ')[0])).toEqual(['PUT', ...Array(8).fill('GET'), 'PUT', ...Array(8).fill('GET')]);
    expect(run.slept).toEqual([1000]);

    await stand.close();
    const never = await hostile('stale-policy-node');
    const stuck = await withInstantBackoff(() => s3Documents(s3Client(never.endpoint), 'cache', newStepRun(), serverTraits('minio')).putPolicy(policy));
    expect(stuck.error).toMatchObject({ message: expect.stringMatching(/written 5 times, but 2 of 8 reads of it asked together still got another one: a node of a cluster still serves the policy from before/) });
    expect(stuck.slept).toEqual([1000, 2000, 4000, 8000]);
  });

  it('doctor --repair deletes no orphan NAR when a narinfo written since the scan is listed and then not found (asked three times)', async () => {
    const stand = await hostile('busy-objects', { status: 404 });
    const reportPath = join(mkdtempSync(join(tmpdir(), 'ncw-repair-')), 'report.txt');
    const plan: RepairPlan = { narinfos: [], brokenNars: [], orphanNars: [{ key: 'nar/old.nar.xz', size: 30 }], orphanLs: [], uploads: [], awsChunked: [], notRepaired: [], partial: false };
    const run = await withInstantBackoff(() =>
      // the scan "started" before the stand-in's narinfo was written (2020): it is read again
      applyRepair({ client: s3Client(stand.endpoint), bucket: 'cache', plan, reportPath, scanStarted: new Date('2019-01-01T00:00:00Z'), minAgeMs: 0, now: () => new Date('2026-01-01T00:00:00Z') }),
    );
    expect(run.value?.deletedNars).toBe(0);
    expect(run.value?.skipped).toEqual([{ key: 'nar/old.nar.xz', why: expect.stringContaining('a narinfo written since the scan could not be read (not found when read)') }]);
    expect(stand.requests.filter((request) => request.startsWith('GET /cache/0123456789abcdfghijklmnpqrsvwxyz.narinfo'))).toHaveLength(3);
    expect(stand.requests.filter((request) => !request.startsWith('GET ') && !request.startsWith('HEAD '))).toEqual([]);
  });

  it("verify's narinfo sample asks twice more for a listed narinfo that is not found before it counts it as unreadable", async () => {
    const stand = await hostile('busy-objects', { status: 404 });
    const key = generateNixSecretKey('k-1', (n) => new Uint8Array(n).fill(7));
    const run = await withInstantBackoff(() => checkNarinfoSignatures({ bucket: 'cache' }, s3Client(stand.endpoint), [key.publicKey()]));
    expect(run.value).toMatchObject({ status: 'failed', detail: expect.stringContaining('1 could not be read as narinfos') });
    expect(stand.requests.filter((request) => request.startsWith('GET /cache/0123456789abcdfghijklmnpqrsvwxyz.narinfo'))).toHaveLength(3);
    expect(run.slept).toEqual([1000, 2000]);
  });

  it('a bucket policy read back with its actions in another order (MinIO, at random) is the same policy: settled at once', async () => {
    const stand = await hostile('stale-policy-node', { staleUntil: 0, reorderActions: true });
    const policy = '{"Version":"2012-10-17","Statement":[{"Sid":"NixCacheAnonymousList","Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::cache"]}]}';
    const run = await withInstantBackoff(() => s3Documents(s3Client(stand.endpoint), 'cache', newStepRun(), serverTraits('minio')).putPolicy(policy));
    expect(run.error).toBeUndefined();
    expect(stand.requests.map((request) => request.split(' ')[0])).toEqual(['PUT', ...Array(8).fill('GET')]);
    expect(run.slept).toEqual([]);
  });

  it('askAgainWhile asks twice more, after 1 and 2 s, while the answer denies what exists, and stops at the first that does not', async () => {
    const answers = [false, false, true, true];
    let asked = 0;
    const found = await withInstantBackoff(() => askAgainWhile(async () => answers[asked++]!, (exists) => !exists));
    expect(found.value).toBe(true);
    expect(asked).toBe(3);
    expect(found.slept).toEqual([1000, 2000]);
    let never = 0;
    const denied = await withInstantBackoff(() => askAgainWhile(async () => (never++, false), (exists) => !exists));
    expect(denied.value).toBe(false);
    expect(never).toBe(3);
  });

  it('askAround asks 3 more together only when the first answer denies, and takes one that does not deny', async () => {
    // four nodes in turn; node 0 lags: it says the user does not exist
    let asked = 0;
    const node = async () => (asked++ % 4 === 0 ? { exists: false } : { exists: true });
    expect(await askAround(node, (found) => !found.exists)).toEqual({ exists: true });
    expect(asked).toBe(4);
    // an answer that does not deny (node 1 next) costs nothing more
    asked = 1;
    expect(await askAround(node, (found) => !found.exists)).toEqual({ exists: true });
    expect(asked).toBe(2);
    // all deny: the fallback picks, else the first answer
    let n = 0;
    const all = async () => ({ exists: false, n: n++ });
    expect(await askAround(all, (found) => !found.exists)).toEqual({ exists: false, n: 0 });
    expect(await askAround(all, (found) => !found.exists, (answers) => answers.at(-1))).toEqual({ exists: false, n: 7 });
  });

  it('attach that a node denies (the canned policy does not exist there yet) goes again on a new connection, after a fixed 0.25 s, 4 attempts in all', async () => {
    const stand = await hostile('lagging-node', { policyUnknownAt: [0, 1] });
    const attach = (endpoint: string, options?: { askAround: false }) =>
      withInstantBackoff(() =>
        minioAdminWithReads(createMinioAdminClient({ endpoint, region: 'us-east-1', insecure: false, admin: keys, randomBytes: (n) => new Uint8Array(n) }), createReadCache(), options).attachPolicy('nix-cache-write', 'builder', []),
      );
    // the set call denied, then the attach call it falls back to (another node, the same lag): sent again
    const run = await attach(stand.endpoint);
    expect(run.error).toBeUndefined();
    expect(run.value).toBe('attached');
    expect(stand.requests.map((request) => request.split('?')[0])).toEqual(['PUT /minio/admin/v3/set-user-or-group-policy', 'POST /minio/admin/v3/idp/builtin/policy/attach', 'PUT /minio/admin/v3/set-user-or-group-policy']);
    expect(run.slept).toEqual([250]);
    expect(run.notices.map((notice) => notice.text)).toEqual([`MinIO at ${stand.endpoint} says the canned policy does not exist (a node not caught up?); trying again in 0.3 s, attempt 2 of 4`]);
    await stand.close();

    // a policy that does not exist on any node: 4 attempts, then the step stops with the denial
    const never = await hostile('lagging-node', { policyUnknownAt: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
    const denied = await attach(never.endpoint);
    expect(denied.error).toBeInstanceOf(AdminDenialError);
    expect(denied.error).toMatchObject({ step: 'attach', message: expect.stringContaining('says the canned policy does not exist, so it cannot attach') });
    expect(never.requests).toHaveLength(8);
    expect(denied.slept).toEqual([250, 250, 250]);
    await never.close();

    // a caller that needs one answer only (askAround: false) sends it once
    const once = await hostile('lagging-node', { policyUnknownAt: [0, 1] });
    const single = await attach(once.endpoint, { askAround: false });
    expect(single.error).toBeInstanceOf(AdminDenialError);
    expect(once.requests).toHaveLength(2);
  });

  it('starts no retry that the deadline would cut off', async () => {
    const stand = await hostile('status', { status: 503 });
    const run = await withInstantBackoff(() => withDeadline(1_500, () => sendSignedRequest({ endpoint: stand.endpoint, region: 'us-east-1', insecure: false }, keys, { method: 'GET', path: '/' })));
    expect(run.value?.status).toBe(503);
    expect(stand.requests).toHaveLength(1);
  });
});
