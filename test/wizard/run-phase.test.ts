/**
 * The phase runner without Ink: each phase that makes a call makes it through the session and
 * reports back with actions the reducer takes; a late result is dropped; Ctrl-C while applying
 * stops after the running step.
 */
import { describe, expect, test } from 'vitest';
import { runPhase } from '../../source/wizard/run-phase';
import { createInitialState, wizardReducer, type WizardAction, type WizardState } from '../../source/wizard/wizard-state';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { ALL_BUT_LAST } from '../components/render-app';

const effects = { env: {}, cwd: '/work', home: '/home/user' };
const noAliases = { aliases: {}, env: {} };

/** Runs phases until the wizard waits for the user, as both front ends do. */
async function settle(state: WizardState, session = makeFakeSetupSession(), actions: WizardAction[] = []): Promise<WizardState> {
  let current = state;
  const dispatch = (action: WizardAction) => {
    actions.push(action);
    current = wizardReducer(current, action);
  };
  for (let i = 0; i < 10 && ['detecting', 'testing-connection', 'preparing', 'applying'].includes(current.phase.name); i++) {
    await runPhase(current, { session, effects }, dispatch, { shouldStop: () => current.apply?.stopping === true });
  }
  return current;
}

describe('the phase runner', () => {
  test('looks at the server first and offers what it shows as the defaults', async () => {
    // Given a server that holds a Ceph setup with expiry 90
    const session = makeFakeSetupSession({ detected: { backend: 'ceph', expireDays: 90, anonymous: 'none' } });
    const start = createInitialState({ initial: { endpoint: 'http://rgw.lan:7480', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' } }, context: noAliases, generatedSecret: 'G+1234567' });
    expect(start.phase.name).toBe('detecting');
    // When the runner has looked
    const state = await settle(start, session);
    // Then the backend question offers Ceph, and nothing was answered for the user
    expect(session.calls.detectExisting).toHaveLength(1);
    expect(state.phase.name).toBe('asking');
    expect(state.position).toBe(start.position);
    expect(state.choice).toBe(1);
    expect(state.input.backend).toBeUndefined();
    expect(state.known.detected).toMatchObject({ backend: 'ceph', expireDays: 90, anonymous: 'none' });
  });

  test('tests the connection, prepares and checks the plan, and applies it, through the session', async () => {
    const session = makeFakeSetupSession();
    const start = createInitialState({ initial: { ...ALL_BUT_LAST, files: { ...ALL_BUT_LAST.files, cacheInfo: './nix-cache-info' } }, context: noAliases, generatedSecret: 'G+1234567' });
    const actions: WizardAction[] = [];
    const review = await settle(start, session, actions);
    expect(review.phase.name).toBe('review');
    expect(session.calls.testConnection).toHaveLength(1);
    expect(session.calls.checkPlan).toBe(1);
    expect(actions.map((a) => a.type)).toEqual(expect.arrayContaining(['set-connection-status', 'plan-progress', 'plan-ready']));
    const applied = await settle(wizardReducer(review, { type: 'confirm' }), session);
    expect(applied.phase.name).toBe('applied');
    expect(applied.apply?.result?.error).toBeUndefined();
    expect(session.calls.applyPlan).toBe(1);
  });

  test('Ctrl-C while applying lets the running step finish, then stops', async () => {
    const session = makeFakeSetupSession();
    const start = createInitialState({ initial: { ...ALL_BUT_LAST, files: { ...ALL_BUT_LAST.files, cacheInfo: './nix-cache-info' } }, context: noAliases, generatedSecret: 'G+1234567' });
    const review = await settle(start, session);
    let state = wizardReducer(review, { type: 'confirm' });
    const dispatch = (action: WizardAction) => {
      state = wizardReducer(state, action);
      // Ctrl-C arrives while the first step runs
      if (action.type === 'apply-event' && action.event.type === 'applying' && action.event.step.id === 'bucket') state = wizardReducer(state, { type: 'cancel' });
    };
    await runPhase(state, { session, effects }, dispatch, { shouldStop: () => state.apply?.stopping === true });
    expect(state.phase.name).toBe('applied');
    expect(state.apply?.result?.error?.message).toMatch(/Stopped at your request/);
    const finished = Object.values(state.apply?.steps ?? {}).filter((s) => s.state === 'finished' && s.report.status === 'changed');
    expect(finished.length).toBe(2); // connect, then the bucket that was running
  });

  test('a result that arrives after the user moved on is dropped', async () => {
    const start = createInitialState({ initial: { endpoint: 'http://minio.lan:9000', region: 'us-east-1', backend: 'minio', adminVia: 'api', admin: { accessKey: 'a', secretKey: 'adminsecret' }, expireDays: null, anonymous: 'get' }, context: noAliases, generatedSecret: 'G+1234567' });
    // (the names are not given: the server is looked at first)
    expect(start.phase.name).toBe('detecting');
    const actions: WizardAction[] = [];
    await runPhase(start, { session: makeFakeSetupSession(), effects }, (a) => actions.push(a), { isCurrent: () => false });
    expect(actions).toEqual([]);
  });
});
