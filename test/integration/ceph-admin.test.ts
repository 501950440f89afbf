/**
 * The Ceph backend's user management against the real test RGW (inject('rgw')): the Admin Ops
 * client and the `user` step, as notes/ceph-rgw.md describes them.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import type { Answers } from '../../source/answers/answers';
import { cephUserStep } from '../../source/backends/ceph/ceph-user-step';
import { createRgwAdminClient, RgwAdminError } from '../../source/backends/ceph/rgw-admin-client';
import { StepError } from '../../source/errors';
import { rgwClient, startRgwDaemon, stopRgwDaemon, type CephRgwInfo } from '../helpers/ceph-rgw';
import { errorCodeOf } from '../helpers/error-code';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');

/** A fresh builder name per test: the cluster is shared by the whole run. */
function builderName(): string {
  return `nixbuilder-${randomBytes(4).toString('hex')}`;
}

function builderAnswers(accessKey: string, secretKey?: string): Pick<Answers, 'builder'> {
  return { builder: { accessKey, secretKey, profile: 'nixbuilder' } };
}

describe.skipIf(rgw === null)(`Ceph RGW user management${unavailable ? ` (${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const admin = createRgwAdminClient({ endpoint: info.endpoint, accessKey: info.accessKey, secretKey: info.secretKey });

  describe('the Admin Ops client', () => {
    it('reads a missing user as null', async () => {
      expect(await admin.getUser(builderName())).toBeNull();
    });

    it('creates a user with our access key and a secret RGW generates, and reads it back', async () => {
      const name = builderName();
      const created = await admin.createUser(name, name, { accessKey: name });
      expect(created).toMatchObject({ uid: name, displayName: name, maxBuckets: -1, suspended: false });
      expect(created.keys).toHaveLength(1);
      expect(created.keys[0]).toMatchObject({ user: name, accessKey: name });
      expect(created.keys[0]?.secretKey).toMatch(/^[A-Za-z0-9]{40}$/);

      const read = await admin.getUser(name);
      expect(read?.keys).toEqual(created.keys);
      expect((await admin.getUserByAccessKey(name))?.uid).toBe(name);
      expect(await admin.getUserByAccessKey(builderName())).toBeNull();
    });

    it('says in plain words that a user or an access key already exists', async () => {
      const name = builderName();
      await admin.createUser(name, name, { accessKey: name });
      await expect(admin.createUser(name, name, { accessKey: name })).rejects.toMatchObject({ code: 'UserAlreadyExists', status: 409 });
      const other = builderName();
      const error = await admin.createUser(other, other, { accessKey: name }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RgwAdminError);
      expect((error as Error).message).toBe(`Could not create the RGW user ${other}: this access key already belongs to another user (KeyExists).`);
      expect(await admin.getUser(other)).toBeNull();
    });

    it('explains a wrong admin secret without repeating it', async () => {
      const wrongSecret = 'wrong-admin-secret-wrong-admin-secret-00';
      const wrong = createRgwAdminClient({ endpoint: info.endpoint, accessKey: info.accessKey, secretKey: wrongSecret });
      const error = (await wrong.getUser('anyone').catch((caught: unknown) => caught)) as RgwAdminError;
      expect(error.code).toBe('SignatureDoesNotMatch');
      expect(error.message).toContain('the admin secret key is wrong');
      expect(error.message).not.toContain(wrongSecret);
    });

    it('explains that a user without the users caps may not manage users', async () => {
      const name = builderName();
      const created = await admin.createUser(name, name, { accessKey: name });
      const notAdmin = createRgwAdminClient({ endpoint: info.endpoint, accessKey: name, secretKey: created.keys[0]!.secretKey });
      await expect(notAdmin.getUser(name)).rejects.toMatchObject({ code: 'AccessDenied', message: expect.stringContaining('users=*') });
    });

    it('talks https to a server whose certificate comes from a private CA given as ca', async () => {
      const secure = { endpoint: info.httpsEndpoint!, accessKey: info.accessKey, secretKey: info.secretKey };
      expect(await createRgwAdminClient({ ...secure, ca: readFileSync(info.caPath!) }).getUser(builderName())).toBeNull();
      expect(await createRgwAdminClient({ ...secure, rejectUnauthorized: false }).getUser(builderName())).toBeNull();
      const error = (await createRgwAdminClient(secure).getUser('anyone').catch((caught: unknown) => caught)) as RgwAdminError;
      expect(error).toBeInstanceOf(RgwAdminError);
      expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(error.message).toContain(`TLS with ${secure.endpoint} failed: the server's TLS certificate is signed by a CA this machine does not trust`);
      expect(error.hint).toContain('Set caFile to the PEM of your CA');
    });

    it('says the endpoint is not RGW when the answers are not Admin Ops answers', async () => {
      // Given a plain web server answering 200 to /admin/user and 404 to anything else
      const server = createServer((request, response) => {
        const ok = request.url?.startsWith('/admin/user?uid=ok') ?? false;
        response.writeHead(ok ? 200 : 404, { 'Content-Type': 'text/html' }).end('<html>hello</html>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const client = createRgwAdminClient({ endpoint, accessKey: 'a', secretKey: 'b' });
        await expect(client.getUser('ok')).rejects.toMatchObject({ code: 'BadResponse', message: expect.stringContaining('a Ceph RGW?') as unknown });
        await expect(client.getUser('missing')).rejects.toMatchObject({ code: 'HTTP404', status: 404 });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('rotates a secret: the old one fails at once, the new one works', async () => {
      const name = builderName();
      const oldSecret = (await admin.createUser(name, name, { accessKey: name })).keys[0]!.secretKey;
      expect(await errorCodeOf(rgwClient(info, { accessKey: name, secretKey: oldSecret }).listBuckets())).toBeUndefined();

      const rotated = await admin.rotateKey(name, name);
      expect(rotated.accessKey).toBe(name);
      expect(rotated.secretKey).not.toBe(oldSecret);
      expect(await errorCodeOf(rgwClient(info, { accessKey: name, secretKey: oldSecret }).listBuckets())).toBe('SignatureDoesNotMatch');
      expect(await errorCodeOf(rgwClient(info, { accessKey: name, secretKey: rotated.secretKey }).listBuckets())).toBeUndefined();
      expect((await admin.getUser(name))?.keys).toEqual([{ user: name, accessKey: name, secretKey: rotated.secretKey }]);
    });

    it('changes max-buckets and removes keys and users', async () => {
      const name = builderName();
      await admin.createUser(name, name, { accessKey: name, maxBuckets: 0 });
      expect((await admin.getUser(name))?.maxBuckets).toBe(0);
      expect((await admin.modifyUser(name, { maxBuckets: -1 })).maxBuckets).toBe(-1);
      await admin.removeKey(name, name);
      expect((await admin.getUser(name))?.keys).toEqual([]);
      await admin.removeUser(name);
      expect(await admin.getUser(name)).toBeNull();
      await admin.removeUser(name);
    });
  });

  describe('the user step', () => {
    it('creates a missing builder, hands back the server-generated secret, and is done on the next check', async () => {
      const name = builderName();
      const secrets: string[] = [];
      const step = cephUserStep({ answers: builderAnswers(name), admin, onSecret: (secret) => secrets.push(secret) });
      expect(step.command).toBe(`radosgw-admin user create --uid=${name} --display-name=${name} --max-buckets=-1 --access-key=${name} --gen-secret`);

      const before = await step.check();
      expect(before.status).toBe('todo');
      expect(secrets).toEqual([]);
      expect(await step.apply()).toContain(`created the RGW user ${name}`);
      expect(secrets).toHaveLength(1);
      const secret = secrets[0]!;
      expect((await admin.getUser(name))?.keys[0]?.secretKey).toBe(secret);

      // Given the secret is now known (written to the AWS profile), a second run finds it done.
      const again = cephUserStep({ answers: builderAnswers(name, secret), admin, onSecret: (s) => secrets.push(s) });
      expect(await again.check()).toMatchObject({ status: 'done' });
      expect(secrets).toHaveLength(1);
    });

    it('counts a secret handed back on apply at the next check when the known secret is a getter', async () => {
      const name = builderName();
      let sessionSecret: string | undefined;
      const step = cephUserStep({ answers: builderAnswers(name), knownBuilderSecret: () => sessionSecret, admin, onSecret: (s) => (sessionSecret = s) });
      expect(await step.check()).toMatchObject({ status: 'todo' });
      await step.apply();
      expect(sessionSecret).toBeDefined();
      const result = await step.check();
      expect(result).toMatchObject({ status: 'done' });
      expect(result.detail).toContain('the known secret is the one RGW holds');
    });

    it('gives the builder keys that work for S3 but cannot create buckets', async () => {
      const name = builderName();
      let secret = '';
      const step = cephUserStep({ answers: builderAnswers(name), admin, onSecret: (s) => (secret = s) });
      await step.apply();
      const builder = rgwClient(info, { accessKey: name, secretKey: secret });
      expect(await builder.listBuckets()).toEqual([]);
      const code = await errorCodeOf(builder.makeBucket(`${name}-bucket`, 'us-east-1'));
      expect(code).toBe('AccessDenied');
      expect((await admin.getUser(name))?.maxBuckets).toBe(-1);
    });

    it('reads the secret of an existing builder when none is known here, without resetting it', async () => {
      const name = builderName();
      const serverSecret = (await admin.createUser(name, name, { accessKey: name })).keys[0]!.secretKey;
      const secrets: string[] = [];
      const step = cephUserStep({ answers: builderAnswers(name), admin, onSecret: (s) => secrets.push(s) });
      const result = await step.check();
      expect(result).toMatchObject({ status: 'done' });
      expect(result.detail).toContain('read from RGW');
      expect(result.detail).not.toContain(serverSecret);
      expect(secrets).toEqual([serverSecret]);
      expect((await admin.getUser(name))?.keys[0]?.secretKey).toBe(serverSecret);
    });

    it('reports a conflict pointing to rotate credentials when the known secret is not the server one', async () => {
      const name = builderName();
      const serverSecret = (await admin.createUser(name, name, { accessKey: name })).keys[0]!.secretKey;
      const staleSecret = 'stale-secret-from-an-old-profile-0000000';
      const secrets: string[] = [];
      // Started as `npx nix-cache-wizard` (what npm puts in the environment): the hint says so.
      const env = { npm_command: 'exec', npm_lifecycle_script: "'nix-cache-wizard'" };
      const step = cephUserStep({ answers: builderAnswers(name), knownBuilderSecret: staleSecret, admin, env, onSecret: (s) => secrets.push(s) });
      const result = await step.check();
      expect(result.status).toBe('conflict');
      expect(result.detail).toContain('`npx nix-cache-wizard rotate credentials`');
      expect(result.detail).not.toContain(staleSecret);
      expect(result.detail).not.toContain(serverSecret);
      expect(secrets).toEqual([]);
      await expect(step.apply()).rejects.toBeInstanceOf(StepError);
      expect((await admin.getUser(name))?.keys[0]?.secretKey).toBe(serverSecret);
    });

    it('reports a conflict after a rotation made the known secret stale', async () => {
      const name = builderName();
      let secret = '';
      await cephUserStep({ answers: builderAnswers(name), admin, onSecret: (s) => (secret = s) }).apply();
      await admin.rotateKey(name, name);
      const result = await cephUserStep({ answers: builderAnswers(name, secret), admin, onSecret: () => {} }).check();
      expect(result.status).toBe('conflict');
    });

    it('reports a conflict when the access key belongs to another user', async () => {
      const owner = builderName();
      await admin.createUser(owner, owner, { accessKey: `${owner}-key` });
      const result = await cephUserStep({ answers: builderAnswers(`${owner}-key`), admin, onSecret: () => {} }).check();
      expect(result).toMatchObject({ status: 'conflict' });
      expect(result.detail).toContain(`belongs to the RGW user ${owner}`);
    });

    it('reports a conflict when the user exists without our access key', async () => {
      const name = builderName();
      await admin.createUser(name, name, { accessKey: `${name}-other` });
      const result = await cephUserStep({ answers: builderAnswers(name), admin, onSecret: () => {} }).check();
      expect(result.status).toBe('conflict');
      expect(result.detail).toContain(`${name}-other`);
    });

    it('takes away the right to create buckets from an existing builder, keeping its secret', async () => {
      const name = builderName();
      const serverSecret = (await admin.createUser(name, name, { accessKey: name, maxBuckets: 1000 })).keys[0]!.secretKey;
      const step = cephUserStep({ answers: builderAnswers(name, serverSecret), admin, onSecret: () => {} });
      expect(await step.check()).toMatchObject({ status: 'todo' });
      expect(await step.apply()).toContain('max-buckets');
      expect(await step.check()).toMatchObject({ status: 'done' });
      expect((await admin.getUser(name))?.keys[0]?.secretKey).toBe(serverSecret);
    });

    it('fails with a plain-words StepError when radosgw is stopped before the step', async () => {
      const step = cephUserStep({ answers: builderAnswers(builderName()), admin, onSecret: () => {} });
      await stopRgwDaemon(info);
      try {
        const error = (await step.check().catch((caught: unknown) => caught)) as StepError;
        expect(error).toBeInstanceOf(StepError);
        expect(error.step).toBe('user');
        expect(error.message).toMatch(/nothing accepts connections at this address and port \(tried 127\.0\.0\.1 port \d+\) \(ECONNREFUSED\)/);
        expect(error.message).not.toContain(info.secretKey);
        expect(error.hint).toContain('radosgw');
      } finally {
        await startRgwDaemon(info);
      }
      expect(await step.check()).toMatchObject({ status: 'todo' });
    });
  });
});
