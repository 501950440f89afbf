import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, clearField, press, type, waitForText } from '../helpers/ink-keys';
import { ALL_BUT_LAST, CONNECTION_ANSWERS, LAST_QUESTION, renderApp, UP_TO_SECRET } from './render-app';

afterEach(() => cleanup());

const GENERATED = 'Generated+Secret=7xYz';

describe('the builder secret step', () => {
  test('shows the generated secret masked, reveals it with v and hides it again', async () => {
    const app = renderApp({ initial: UP_TO_SECRET });
    const frame = await waitForText(app, 'Secret for');
    expect(frame).toContain(`› ${'*'.repeat(GENERATED.length)}`);
    expect(frame).not.toContain(GENERATED);
    expect(frame).toContain('Enter accept · r new · v show · e own · k keep · Esc back');
    const shown = await press(app, 'v', GENERATED);
    expect(shown).toContain('v hide');
    const hidden = await press(app, 'v', 'v show');
    expect(hidden).not.toContain(GENERATED);
  });

  test('r draws a new 32-character secret', async () => {
    const app = renderApp({ initial: UP_TO_SECRET });
    await waitForText(app, 'Secret for');
    const frame = await press(app, 'r', '(32 characters)');
    const revealed = await press(app, 'v', 'v hide');
    const secret = /› (\S+)/.exec(revealed.split('\n').find((l) => l.includes('› ')) ?? '')?.[1];
    expect(secret).toHaveLength(32);
    expect(secret).not.toBe(GENERATED);
    expect(frame).toContain('*'.repeat(32));
  });

  test('one\'s own secret is checked as it is typed, naming a character that would not survive', async () => {
    const session = (await import('../helpers/fake-setup-session')).makeFakeSetupSession();
    const app = renderApp({ initial: UP_TO_SECRET, session });
    await waitForText(app, 'Secret for');
    await press(app, 'e', 'Type your own secret');
    const bad = await type(app, "my'secret");
    expect(bad).toContain('✘ builder.secretKey holds the character "\'"');
    expect(bad).toContain('*********');
    // Enter does not take it: Enter, then Ctrl-U, whose emptied field shows that Enter was read first: still typing a secret
    app.stdin.write(KEYS.enter);
    const still = await clearField(app);
    expect(still).toContain('Type your own secret');
    expect(still).not.toContain('*********');
    // Too short is named too
    expect(await type(app, 'short')).toContain('must be 8–40 characters long');
    await clearField(app);
    await type(app, 'My.Own-Secret_42');
    const accepted = await press(app, KEYS.enter, 'Secret for');
    expect(accepted).toContain('(16 characters)');
    await press(app, KEYS.enter, 'Policy name');
  });

  test('Esc while typing one\'s own keeps the generated secret', async () => {
    const app = renderApp({ initial: UP_TO_SECRET });
    await waitForText(app, 'Secret for');
    await press(app, 'e', 'Type your own secret');
    await type(app, 'abc');
    const back = await press(app, KEYS.escape, 'Secret for');
    expect(back).toContain(`(${GENERATED.length} characters)`);
  });

  test('k keeps the secret in the AWS profile: the answer is left to the session', async () => {
    const session = (await import('../helpers/fake-setup-session')).makeFakeSetupSession();
    const app = renderApp({ initial: { ...ALL_BUT_LAST, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } }, session });
    await waitForText(app, 'Secret for');
    const keep = await press(app, 'k', 'Keep the secret in AWS profile nixbuilder');
    expect(keep).toContain('from your AWS credentials file. When the profile has none,');
    await press(app, KEYS.enter, LAST_QUESTION);
    await press(app, KEYS.enter, 'Server steps');
    expect(session.calls.prepareSetup[0]?.builder.secretKey).toBeUndefined();
  });

  test('on Ceph the panel says the server makes the secret, and Enter goes on', async () => {
    const app = renderApp({ initial: { ...UP_TO_SECRET, backend: 'ceph', adminVia: undefined } });
    const frame = await waitForText(app, 'Made by the server');
    expect(frame).toContain('On Ceph RGW the server generates the builder secret');
    expect(frame).toContain('Enter continue');
    await press(app, KEYS.enter, 'Who may download');
  });

  test('the builder user is asked before its secret: a profile holding that user\'s keys is kept by default', async () => {
    // Given an AWS profile "ci-builder" that holds the keys of the user ci-builder
    const session = (await import('../helpers/fake-setup-session')).makeFakeSetupSession();
    const app = renderApp({ initial: { ...CONNECTION_ANSWERS, bucket: 'nix-cache' }, profileAccessKeys: { 'ci-builder': 'ci-builder' }, session });
    // When the builder user is answered first
    await waitForText(app, 'Builder user (access key)');
    await clearField(app);
    await type(app, 'ci-builder');
    await press(app, KEYS.enter, 'AWS profile name');
    await clearField(app);
    await type(app, 'ci-builder');
    // Then its secret step keeps that profile's secret
    await press(app, KEYS.enter, 'Keep the secret in AWS profile ci-builder');
  });
});
