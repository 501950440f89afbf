import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, clearField, press, type, waitForFrame, waitForText } from '../helpers/ink-keys';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { frameSizes, renderApp } from './render-app';

afterEach(() => cleanup());


describe('a whole wizard run', () => {
  test('from nothing to the end screen, with one Esc back and a changed answer', async () => {
    const session = makeFakeSetupSession();
    const app = renderApp({ session });
    // connection
    await waitForText(app, 'Endpoint URL');
    await type(app, 'https://s3.example.org');
    await press(app, KEYS.enter, 'CA certificate');
    await press(app, KEYS.enter, 'Verify the server');
    await press(app, KEYS.enter, 'Region');
    await press(app, KEYS.enter, 'Admin access key');
    await type(app, 'root');
    await press(app, KEYS.enter, 'Admin secret key');
    await type(app, 'root-secret');
    // backend, then the connection test
    await press(app, KEYS.enter, 'Which object store');
    await press(app, KEYS.enter, 'Manage MinIO');
    await press(app, KEYS.enter, 'Bucket name');
    // bucket: typed, then changed after going back
    await clearField(app);
    await type(app, 'first-bucket');
    await press(app, KEYS.enter, 'Builder user (access key)');
    const back = await press(app, KEYS.escape, '› first-bucket');
    expect(back).toContain('▸ bucket');
    await clearField(app);
    await type(app, 'nix-cache-2');
    await press(app, KEYS.enter, 'Builder user (access key)');
    await press(app, KEYS.enter, 'AWS profile');
    // builder secret, asked after its user: a new one
    await press(app, KEYS.enter, 'Secret for');
    await press(app, 'r', '(32 characters)');
    // every other question at its default
    for (const next of ['Policy name', 'Who may download', 'Nix store directory', 'Priority', 'WantMassQuery', 'Key name', 'Secret key file', 'Public key file', 'Delete uploads', 'Write the admin alias', 'Alias name in the mc config', 'mc config file', 'AWS credentials file', 'NixOS module', 'nix.conf snippet', 'Write policy, for reference', 'nix-cache-info, for reference', 'Server steps']) {
      await press(app, KEYS.enter, next);
    }
    // review → apply → end
    await press(app, 'y', 'Your Nix binary cache is set up');
    app.stdin.write('q'); // ends the app: the outcome below is what to wait for
    await waitForFrame(app, () => app.outcomes.length > 0);

    const [answers] = session.calls.prepareSetup;
    expect(answers).toMatchObject({
      backend: 'minio',
      endpoint: 'https://s3.example.org',
      admin: { accessKey: 'root', secretKey: 'root-secret' },
      bucket: 'nix-cache-2',
      builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' },
      anonymous: 'get',
      cacheInfo: { priority: 30, wantMassQuery: true, storeDir: '/nix/store' },
      key: { name: 's3.example.org-nix-cache-2-1' },
      expireDays: null,
    });
    expect(answers?.builder.secretKey).toHaveLength(32);
    expect(app.outcomes[0]).toMatchObject({ outcome: 'applied', plan: { answers: { bucket: 'nix-cache-2' } } });
    expect(session.calls.applyPlan).toBe(1);
    // Every frame of the run fits 80×24 (one row is left free so Ink never clears the screen)
    const { width, height } = frameSizes(app.frames);
    expect(width).toBeLessThanOrEqual(80);
    expect(height).toBeLessThanOrEqual(23);
  });

  test('with every answer given beforehand, the wizard goes straight from the connection test to the review', async () => {
    const session = makeFakeSetupSession();
    const app = renderApp({
      session,
      initial: {
        endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'minio', adminVia: 'api',
        builder: { accessKey: 'nixbuilder', profile: 'nixbuilder', secretKey: 'Given+Secret=123' }, bucket: 'nix-cache', policyName: 'nix-cache-write',
        anonymous: 'get', key: { name: 'k-1', secretFile: '~/s.key', publicFile: '~/p.key' },
        expireDays: 30, writeMcConfig: false, files: { awsCredentials: '~/.aws/credentials', nixosModule: './m.nix', nixConf: './m.conf', policy: './p.json', cacheInfo: './nix-cache-info' },
        cacheInfo: { storeDir: '/nix/store', priority: 30, wantMassQuery: true },
      },
    });
    const frame = await waitForText(app, 'Server steps');
    for (const step of ['connection', 'backend', 'builder secret', 'bucket', 'builder user', 'policy', 'anonymous access', 'cache-info', 'signing key', 'expiry', 'files']) {
      expect(frame).toContain(`✔ ${step}`);
    }
    expect(session.calls.prepareSetup[0]).toMatchObject({ expireDays: 30, writeMcConfig: false, builder: { secretKey: 'Given+Secret=123' } });
  });
});
