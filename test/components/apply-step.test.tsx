import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, press, waitForFrame, waitForText } from '../helpers/ink-keys';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { ALL_BUT_LAST, frameSizes, renderApp, LAST_QUESTION } from './render-app';

afterEach(() => cleanup());

async function apply(options: Parameters<typeof renderApp>[0] = {}) {
  const app = renderApp({ initial: ALL_BUT_LAST, ...options });
  await waitForText(app, LAST_QUESTION);
  await press(app, KEYS.enter, 'Server steps');
  await press(app, KEYS.enter, 'apply');
  return app;
}

describe('the apply screen', () => {
  test('shows each step with a spinner, then its result', async () => {
    // The user step is held until the test has seen it running: no frame can pass unseen
    const session = makeFakeSetupSession({ holdApplyAt: 'user' });
    const app = await apply({ session });
    const running = await waitForFrame(app, (f) => /⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏/.test(f) && f.includes('Create the builder user — applying…'), {}, 'the user step running, with a spinner');
    expect(running).toContain('✔ Create the bucket — bucket done');
    expect(running).toContain('· Set the expiry rules');
    session.release();
    await waitForText(app, 'Your Nix binary cache is set up');
  });

  test('the end screen lists the files written and the next commands; any key exits with the result', async () => {
    const session = makeFakeSetupSession();
    const app = await apply({ session });
    const frame = await waitForText(app, 'Your Nix binary cache is set up');
    expect(frame).toContain('updated   /home/user/.aws/credentials');
    expect(frame).toContain('created   /work/nix-cache.nix');
    expect(frame).toContain('Next, ready to paste');
    const bottom = await press(app, KEYS.pageDown, 'sudo nixos-rebuild switch');
    expect(bottom).toContain('sudo nixos-rebuild switch');
    // Too wide for one row: continued with a backslash so that it pastes as one command
    expect(bottom).toContain("  nix copy --to 's3://nix-cache?profile=nixbuilder&endpoint=s3.example.org' \\\n    /run/current-system");
    app.stdin.write('x'); // ends the app: the outcome below is what to wait for
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes[0]).toMatchObject({ outcome: 'applied', result: { files: expect.any(Array), next: expect.any(Array) } });
    expect(session.calls.applyPlan).toBe(1);
    expect(frameSizes(app.frames).width).toBeLessThanOrEqual(80);
  });

  test('a failed step shows its error and what to do; r runs the plan again', async () => {
    const session = makeFakeSetupSession({ failOnceAt: 'user' });
    const app = await apply({ session });
    const failed = await waitForText(app, 'apply — failed');
    expect(failed).toContain('✔ 2 step(s) done');
    expect(failed).toContain('✘ Create the builder user — failed');
    expect(failed).toContain('– 5 step(s) not run: policy, attach');
    expect(failed).toContain('✘ step "user": Create the builder user failed: the server');
    expect(failed).toContain('What to do: give the admin user the right to create users,');
    expect(failed).toContain('✘ apply');
    await press(app, 'r', 'Your Nix binary cache is set up');
    expect(session.calls.applyPlan).toBe(2);
  });

  test('a request sent again shows under its step: why, when, and which attempt', async () => {
    // Given a run whose bucket step got a 503 and is waiting to try again
    const session = makeFakeSetupSession({ holdApplyAt: 'bucket', retryAt: 'bucket' });
    const app = await apply({ session });
    const frame = await waitForText(app, '↻ the server answered 503; trying again in 2 s,');
    expect(frame).toContain('Create the bucket — applying…');
    // (wrapped to the panel's width: "attempt 2" may end one row and "of 4" start the next)
    expect(frame).toMatch(/attempt 2 of 4|attempt 2\n.*\s+of 4/);
    session.release();
    await waitForText(app, 'Your Nix binary cache is set up');
  });

  test('q after a failure exits with the failed result', async () => {
    const app = await apply({ sessionOptions: { failOnceAt: 'bucket' } });
    await waitForText(app, 'apply — failed');
    app.stdin.write('q'); // ends the app: the outcome below is what to wait for
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes[0]).toMatchObject({ outcome: 'applied', result: { error: { step: 'bucket' } } });
  });

  test('Ctrl-C while applying lets the running step finish, then stops: what was done and what did not run, never as failed', async () => {
    // Given a run whose builder-user step is still running
    const session = makeFakeSetupSession({ holdApplyAt: 'user' });
    const app = await apply({ session });
    await waitForText(app, 'Create the builder user — applying…');
    // When Ctrl-C is pressed, the screen says it stops after the running step
    const stopping = await press(app, KEYS.ctrlC, 'Stopping: the running step finishes');
    expect(stopping).toContain('stopping after this step');
    // and once that step has finished, nothing more starts
    session.release();
    const stopped = await waitForText(app, 'apply — stopped');
    expect(stopped).toContain('✔ 3 step(s) done');
    expect(stopped).toContain('– 5 step(s) not run: policy, attach, anonymous, cache-info,');
    expect(stopped).toContain('  expiry');
    expect(stopped).toContain('Run setup again to continue');
    expect(stopped).not.toContain('✘');
    expect(stopped).not.toContain('failed');
    app.stdin.write('q'); // ends the app: the outcome below is what to wait for
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes[0]).toMatchObject({ outcome: 'applied', result: { error: { stoppedByUser: true } } });
  });
});

describe('long messages', () => {
  test('a very long failure still fits 80×23', async () => {
    const session = makeFakeSetupSession({ failOnceAt: 'user' });
    const apply = session.applyPlan.bind(session);
    session.applyPlan = async (plan, onEvent) => {
      const result = await apply(plan, onEvent);
      if (!result.error) return result;
      const error = Object.assign(new Error(`${'the server said no, '.repeat(40)}end`), { step: 'user', hint: 'try again later '.repeat(20) });
      return { ...result, error: error as never };
    };
    const app = renderApp({ initial: ALL_BUT_LAST, session });
    await waitForText(app, LAST_QUESTION);
    await press(app, KEYS.enter, 'Server steps');
    await press(app, KEYS.enter, 'apply — failed');
    const { width, height } = frameSizes(app.frames);
    expect(width).toBeLessThanOrEqual(80);
    expect(height).toBeLessThanOrEqual(23);
  });

  test('a very long connection failure still fits 80×23', async () => {
    const session = makeFakeSetupSession({ connection: [{ ok: false, message: 'refused '.repeat(200), field: 'endpoint' }] });
    const app = renderApp({ session, initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'minio', adminVia: 'api' } });
    await waitForText(app, 'Could not connect');
    const { width, height } = frameSizes(app.frames);
    expect(width).toBeLessThanOrEqual(80);
    expect(height).toBeLessThanOrEqual(23);
  });
});
