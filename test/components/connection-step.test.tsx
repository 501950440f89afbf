import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, clearField, press, type, waitForText } from '../helpers/ink-keys';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { frameSizes, renderApp } from './render-app';

afterEach(() => cleanup());

const ALIASES = {
  home: { url: 'http://minio.home.arpa:9000/', accessKey: 'root', secretKey: 'rootsecret' },
  office: { url: 'https://s3.office.example', accessKey: 'admin', secretKey: 'adminsecret' },
};

/** The aliases of the mc config the real mc writes on first use, and one of the user's own added after them. */
function freshMcConfigAliases() {
  const stock = (JSON.parse(readFileSync('test/fixtures/mc-stock-config.json', 'utf8')) as { aliases: Record<string, { url: string; accessKey: string; secretKey: string }> }).aliases;
  return { ...stock, myminio: { url: 'http://minio.lan:9000', accessKey: 'minioadmin', secretKey: 'minioadmin' } };
}

describe('the connection step', () => {
  test("mc's stock placeholder aliases are not offered; its public playground comes last, marked; the user's own is highlighted", async () => {
    const app = renderApp({ aliases: freshMcConfigAliases() });
    const frame = await waitForText(app, 'Which server?');
    expect(frame).toContain('❯ myminio  http://minio.lan:9000');
    expect(frame).toMatch(/ {2}play {2}https:\/\/play\.min\.io, mc's stock alias/);
    expect(frame.indexOf('myminio')).toBeLessThan(frame.indexOf('play'));
    for (const placeholder of ['gcs', 'local', 'storage.googleapis.com', 's3.amazonaws.com']) expect(frame).not.toContain(placeholder);
  });

  test('a fresh mc config with only its stock aliases highlights typing an endpoint', async () => {
    const { myminio: _mine, ...stock } = freshMcConfigAliases();
    const app = renderApp({ aliases: stock });
    const frame = await waitForText(app, 'Which server?');
    expect(frame).toContain('❯ Type an endpoint and keys');
  });

  test('offers the aliases of the mc config with their URL, and typing an endpoint', async () => {
    const app = renderApp({ aliases: ALIASES });
    const frame = await waitForText(app, 'Which server?');
    expect(frame).toContain('❯ home  http://minio.home.arpa:9000/');
    expect(frame).toContain('  office  https://s3.office.example');
    expect(frame).toContain('  Type an endpoint and keys');
  });

  test('an alias answers the endpoint and the admin keys; the connection is tested with them', async () => {
    const session = makeFakeSetupSession();
    const app = renderApp({ aliases: ALIASES, session });
    await waitForText(app, 'Which server?');
    // The http alias: no CA question, straight to the region
    const region = await press(app, KEYS.enter, 'Region');
    expect(region).toContain('✔ Endpoint URL: http://minio.home.arpa:9000');
    await press(app, KEYS.enter, 'Which object store');
    await press(app, KEYS.enter, 'Manage MinIO');
    await press(app, KEYS.enter, 'Bucket name');
    expect(session.calls.testConnection).toHaveLength(1);
    expect(session.calls.testConnection[0]).toMatchObject({ endpoint: 'http://minio.home.arpa:9000', admin: { accessKey: 'root', secretKey: 'rootsecret' }, backend: 'minio' });
  });

  test('shows a spinner while testing', async () => {
    // The test is held until the screen has been seen while it runs: no frame can pass unseen
    const session = makeFakeSetupSession({ holdConnection: true });
    const app = renderApp({ session, initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'minio', adminVia: 'api' } });
    const testing = await waitForText(app, 'Testing http://minio.lan:9000 as minio…');
    expect(testing).not.toContain('Bucket name');
    session.release();
    await waitForText(app, 'Bucket name');
  });

  test('a failure is explained on the same screen naming the field to fix; editing it and retrying goes on', async () => {
    // Given a server that refuses the first admin secret
    const session = makeFakeSetupSession({
      connection: [
        { ok: false, message: 'The admin login was refused (SignatureDoesNotMatch): the secret key is wrong.', field: 'admin.secretKey' },
        { ok: true, detail: 'MinIO answered' },
      ],
    });
    const app = renderApp({ session, initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'wrongsecret' }, backend: 'minio', adminVia: 'api' } });
    const failed = await waitForText(app, 'Could not connect');
    expect(failed).toContain('✘ Could not connect to http://minio.lan:9000 as minio');
    expect(failed).toContain('SignatureDoesNotMatch');
    expect(failed).toContain('Fix: Admin secret key (admin.secretKey)');
    expect(failed).toContain('e edit admin.secretKey');
    // When e is pressed, the admin secret question opens (masked), and a new secret is typed
    await press(app, 'e', 'Admin secret key');
    await clearField(app);
    await type(app, 'rightsecret');
    await press(app, KEYS.enter, 'Bucket name');
    // Then the connection was tested again with the new secret
    expect(session.calls.testConnection.map((a) => a.admin.secretKey)).toEqual(['wrongsecret', 'rightsecret']);
    expect(frameSizes(app.frames).width).toBeLessThanOrEqual(80);
  });

  test('r retries the same answers', async () => {
    const session = makeFakeSetupSession({ connection: [{ ok: false, message: 'connect ECONNREFUSED 10.0.0.5:9000', field: 'endpoint' }, { ok: true, detail: 'ok' }] });
    const app = renderApp({ session, initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'minio', adminVia: 'api' } });
    await waitForText(app, 'Fix: Endpoint URL (endpoint)');
    await press(app, 'r', 'Bucket name');
    expect(session.calls.testConnection).toHaveLength(2);
  });

  test('missing admin keys on MinIO are named before any request', async () => {
    const session = makeFakeSetupSession();
    const app = renderApp({ session, initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', backend: 'minio', adminVia: 'api', admin: {} } });
    await waitForText(app, 'Admin access key');
    await press(app, KEYS.enter, 'Admin secret key');
    const frame = await press(app, KEYS.enter, 'Could not connect');
    expect(frame).toContain('admin.accessKey is required');
    expect(frame).toContain('Fix: Admin access key (admin.accessKey)');
    expect(session.calls.testConnection).toHaveLength(0);
  });

  test('on plain S3 the builder keys are asked in the backend step and used for the test', async () => {
    const session = makeFakeSetupSession();
    const app = renderApp({ session, initial: { endpoint: 'https://s3.example.org', caFile: undefined, region: 'us-east-1', admin: {} } });
    await waitForText(app, 'CA certificate');
    await press(app, KEYS.enter, 'Verify the server');
    await press(app, KEYS.enter, 'Admin access key');
    await press(app, KEYS.enter, 'Admin secret key');
    await press(app, KEYS.enter, 'Which object store');
    await press(app, KEYS.down, '❯ Ceph RGW');
    await press(app, KEYS.down, '❯ Other S3');
    await press(app, KEYS.enter, 'Builder access key');
    await type(app, 'AKIAEXAMPLE');
    await press(app, KEYS.enter, 'Builder secret key');
    await type(app, 'Builder+Secret=99');
    const frame = await press(app, KEYS.enter, 'Bucket name');
    expect(frame).toContain('– builder secret');
    expect(session.calls.testConnection[0]).toMatchObject({ backend: 's3', builder: { accessKey: 'AKIAEXAMPLE', secretKey: 'Builder+Secret=99' } });
  });
});

describe('the connection step, when the failure names an answer not asked', () => {
  test('a CA file named for an http endpoint sends the user to the endpoint', async () => {
    const session = makeFakeSetupSession({ connection: [{ ok: false, message: 'self-signed certificate in chain', field: 'caFile' }] });
    const app = renderApp({ session, initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'minio', adminVia: 'api' } });
    const frame = await waitForText(app, 'Could not connect');
    expect(frame).toContain('Fix: Endpoint URL (endpoint)');
    await press(app, 'e', 'http(s)://host[:port], without the bucket.');
  });
});
