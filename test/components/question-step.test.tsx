import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, clearField, fieldText, press, type, waitForFrame, waitForText } from '../helpers/ink-keys';
import { ALL_BUT_LAST, CONNECTION_ANSWERS, frameSizes, LAST_QUESTION, panelText, renderApp } from './render-app';

const CLEAR = '\u0015'; // Ctrl-U: erase to the start of the line

afterEach(() => cleanup());

describe('a question screen', () => {
  test('shows the step list, the why, the question and its default; Enter accepts the default', async () => {
    // Given the wizard at the bucket question
    const app = renderApp({ initial: { ...CONNECTION_ANSWERS, builder: { secretKey: 'Given+Secret=123' } } });
    const frame = await waitForText(app, 'Bucket name');
    expect(frame).toContain('▸ bucket');
    expect(frame).toContain('✔ connection');
    expect(frame).toContain('· builder user');
    expect(frame).toContain('machines read');
    expect(frame).toContain('› nix-cache');
    // When Enter is pressed, the default is the answer and the builder user is asked
    const next = await press(app, KEYS.enter, 'Builder user (access key)');
    expect(next).toContain('✔ bucket');
    expect(next).toContain('› nixbuilder');
    expect(frameSizes(app.frames).width).toBeLessThanOrEqual(80);
  });

  test('a broken answer is explained as it is typed, naming the field and the rule, and Enter does not take it', async () => {
    const app = renderApp({ initial: { ...CONNECTION_ANSWERS, builder: { secretKey: 'Given+Secret=123' } } });
    await waitForText(app, 'Bucket name');
    await clearField(app);
    const frame = await type(app, 'My_Cache');
    expect(frame).toContain('✘ bucket may hold only lowercase letters, digits, dots and');
    // Enter, then a key whose echo shows that Enter was read first: still the same question
    app.stdin.write(KEYS.enter);
    const still = await press(app, 'z', '› My_Cachez');
    expect(still).toContain('Bucket name');
    // Fixing it clears the message and Enter takes it
    await clearField(app);
    const fixed = await type(app, 'my-cache');
    expect(fixed).not.toContain('✘');
    await press(app, KEYS.enter, 'Builder user');
  });

  test('several Backspaces arriving in one read (a laggy SSH link) are all applied, in order with the text around them', async () => {
    const app = renderApp({ initial: CONNECTION_ANSWERS });
    await waitForText(app, '› nix-cache');
    // When three DELs come in one read, then "ab" + BS + "c" in another
    await press(app, KEYS.backspace.repeat(3), '› nix-c');
    const frame = await press(app, 'ab\u0008c', '› nix-cac');
    expect(frame).not.toContain('› nix-cab');
  });

  test('an emptied required field says why Enter does nothing', async () => {
    const app = renderApp({ initial: CONNECTION_ANSWERS });
    await waitForText(app, '› nix-cache');
    const emptied = await press(app, CLEAR, 'bucket is required: type a value, then Enter');
    expect(emptied).not.toContain('✘');
    // Enter, then a key whose echo shows that Enter was read first: still the same question
    app.stdin.write(KEYS.enter);
    const typed = await press(app, 'x', '› x');
    expect(typed).toContain('Bucket name');
    expect(typed).not.toContain('is required');
  });

  test('an endpoint with a path is refused with the reason', async () => {
    const app = renderApp();
    await waitForText(app, 'Endpoint URL');
    const frame = await type(app, 'https://s3.example.org/nix-cache');
    expect(frame).toContain('✘ endpoint must have no path');
  });

  test('a choice moves with the arrows and Enter answers it', async () => {
    const app = renderApp({ initial: { ...CONNECTION_ANSWERS, builder: { secretKey: 'Given+Secret=123', accessKey: 'nixbuilder', profile: 'nixbuilder' }, bucket: 'nix-cache', policyName: 'p' } });
    const frame = await waitForText(app, 'Who may download');
    expect(frame).toContain('❯ Anyone, by name only');
    const moved = await press(app, KEYS.down, '❯ Anyone, with listing');
    expect(moved).toContain('❯ Anyone, with listing');
    await press(app, KEYS.enter, 'Nix store directory');
    // Going back shows the choice made
    const back = await press(app, KEYS.escape, 'Who may download');
    expect(back).toContain('❯ Anyone, with listing');
  });

  test('Esc goes back a question keeping what was answered', async () => {
    const app = renderApp();
    await waitForText(app, 'Endpoint URL');
    await type(app, 'http://minio.lan:9000');
    await press(app, KEYS.enter, 'Region');
    await clearField(app);
    await type(app, 'eu-central-1');
    await press(app, KEYS.enter, 'Admin access key');
    const back = await press(app, KEYS.escape, '› eu-central-1');
    expect(back).not.toContain('Admin access key');
    const backAgain = await press(app, KEYS.escape, '› http://minio.lan:9000');
    expect(backAgain).not.toContain('✔ Region');
  });

  test('Esc on the very first question leaves with nothing done', async () => {
    const app = renderApp();
    const frame = await waitForText(app, 'Endpoint URL');
    expect(frame).toContain('Esc quit');
    await press(app, KEYS.escape, 'Cancelled');
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes).toEqual([{ outcome: 'cancelled' }]);
  });

  test('an admin secret is shown as stars', async () => {
    const app = renderApp({ initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin' } } });
    await waitForText(app, 'Admin secret key');
    const frame = await type(app, 'hunter22');
    expect(frame).toContain('› ********');
    expect(frame).not.toContain('hunter22');
  });

  test('expiry takes a number of days or empty for never, and refuses anything else', async () => {
    const initial = { ...ALL_BUT_LAST };
    delete (initial as { expireDays?: unknown }).expireDays;
    const app = renderApp({ initial });
    const frame = await waitForText(app, 'Delete uploads after how many days?');
    expect(panelText(frame)).toContain('The rules never expire nix-cache-info, and NARs outlive the .narinfo files that point at them by 31 days');
    expect(frame).toContain('never');
    expect(await type(app, '0')).toContain('✘ expireDays must be 1..36500 days');
    await press(app, KEYS.backspace, (shown) => fieldText(shown) === '');
    expect(panelText(await type(app, 'soon'))).toContain('✘ expireDays must be a whole number of days, or empty for never');
    await clearField(app);
    await type(app, '90');
    const next = await press(app, KEYS.enter, LAST_QUESTION);
    expect(next).toContain('✔ expiry');
  });

  test('the priority says why 30 and refuses what is not 0..1000', async () => {
    const initial = { ...ALL_BUT_LAST, cacheInfo: { storeDir: '/nix/store', wantMassQuery: true } };
    const app = renderApp({ initial });
    const frame = await waitForText(app, 'Priority (lower is asked first)');
    expect(frame).toContain("30 puts it before cache.nixos.org (40)");
    expect(frame).toContain('› 30');
    await clearField(app);
    expect(await type(app, '1001')).toContain('✘ cacheInfo.priority must be 0..1000');
  });

  test('the signing key name defaults to the endpoint host and the bucket, and refuses a colon', async () => {
    const initial = { ...ALL_BUT_LAST, key: { secretFile: '~/s.key', publicFile: '~/p.key' } };
    const app = renderApp({ initial });
    const frame = await waitForText(app, 'Key name');
    expect(frame).toContain('› minio.lan-nix-cache-1');
    expect(panelText(frame)).toContain('An existing secret key file is reused, never overwritten.');
    expect(await type(app, ':x')).toContain('✘ key.name must not contain ":"');
  });

  test('the last question leads to the review', async () => {
    const app = renderApp({ initial: ALL_BUT_LAST });
    await waitForText(app, LAST_QUESTION);
    await press(app, KEYS.enter, 'Server steps');
  });
});
