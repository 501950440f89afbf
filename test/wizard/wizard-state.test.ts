import { describe, expect, test } from 'vitest';
import {
  createInitialState,
  currentQuestion,
  stepListStates,
  wizardReducer,
  type WizardAction,
  type WizardState,
} from '../../source/wizard/wizard-state';
import type { AnswersInput } from '../../source/answers/answers-schema';
import type { QuestionContext } from '../../source/wizard/questions';
import type { SetupPlan } from '../../source/session/setup-session';

const noAliases: QuestionContext = { aliases: {}, env: {} };

function start(initial: AnswersInput = {}, context: QuestionContext = noAliases): WizardState {
  return createInitialState({ initial, context, generatedSecret: 'Generated+Secret=7xYz' });
}

function run(state: WizardState, ...actions: WizardAction[]): WizardState {
  return actions.reduce(wizardReducer, state);
}

const at = (state: WizardState) => currentQuestion(state)?.id;
const ok = { type: 'set-connection-status', status: { ok: true, detail: 'ok' } } as const;
/** the server was looked at and showed nothing of an existing setup */
const looked = { type: 'detected', answers: {} } as const;

describe('the wizard state machine', () => {
  test('keeps the secret the AWS profile holds by default when it is for the same builder', () => {
    const rerun = start({}, { aliases: {}, env: {}, profileAccessKeys: { nixbuilder: 'nixbuilder' } });
    expect(rerun.secret.keepProfile).toBe(true);
    const otherUser = start({}, { aliases: {}, env: {}, profileAccessKeys: { nixbuilder: 'someone-else' } });
    expect(otherUser.secret.keepProfile).toBe(false);
    const given = start({ builder: { secretKey: 'Given-Secret-123' } }, { aliases: {}, env: {}, profileAccessKeys: { nixbuilder: 'nixbuilder' } });
    expect(given.secret.keepProfile).toBe(false);
  });

  test('starts at the endpoint when no mc alias is known, and at the alias list when one is', () => {
    expect(at(start())).toBe('endpoint');
    const withAlias = start({}, { aliases: { home: { url: 'https://s3.home.arpa/', accessKey: 'root', secretKey: 'rootsecret' } }, env: {} });
    expect(at(withAlias)).toBe('source');
  });

  test('an answer is stored under its field and the next question that applies is asked', () => {
    // Given the endpoint question
    // When an http endpoint is answered
    const state = run(start(), { type: 'answer', value: 'http://minio.lan:9000' });
    // Then it is stored, and the CA question (https only) is skipped for the region
    expect(state.input.endpoint).toBe('http://minio.lan:9000');
    expect(at(state)).toBe('region');
    expect(state.draft.text).toBe('us-east-1');
  });

  test('going back keeps every answer and shows it again for editing', () => {
    const state = run(
      start(),
      { type: 'answer', value: 'http://minio.lan:9000' },
      { type: 'answer', value: 'eu-west-1' },
      { type: 'answer', value: 'admin' },
    );
    expect(at(state)).toBe('admin-secret-key');
    const back = run(state, { type: 'go-back' });
    expect(at(back)).toBe('admin-access-key');
    expect(back.draft.text).toBe('admin');
    const backTwice = run(back, { type: 'go-back' });
    expect(at(backTwice)).toBe('region');
    expect(backTwice.draft.text).toBe('eu-west-1');
    expect(backTwice.input).toEqual({ endpoint: 'http://minio.lan:9000', region: 'eu-west-1', admin: { accessKey: 'admin' } });
  });

  test('Esc on the very first question leaves the wizard, with nothing done', () => {
    expect(run(start(), { type: 'go-back' }).phase.name).toBe('cancelled');
    expect(run(start(), { type: 'answer', value: 'http://minio.lan:9000' }, { type: 'go-back' }, { type: 'go-back' }).phase.name).toBe('cancelled');
  });

  test('cancel ends the wizard before applying, but not while applying', () => {
    expect(run(start(), { type: 'cancel' }).phase.name).toBe('cancelled');
    const applying: WizardState = { ...start(), phase: { name: 'applying' } };
    expect(run(applying, { type: 'cancel' }).phase.name).toBe('applying');
  });

  test('questions answered beforehand are skipped going forward, and reached again going back', () => {
    // Given an answers file with the connection and the backend
    const initial: AnswersInput = { endpoint: 'http://rgw.lan:7480', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'ceph' };
    // Then the wizard starts by looking at the server, tests the connection, and then asks the bucket
    expect(start(initial).phase.name).toBe('detecting');
    const state = run(start(initial), looked);
    expect(state.phase.name).toBe('testing-connection');
    const afterTest = run(state, ok);
    expect(at(afterTest)).toBe('bucket');
    // When going back, the pre-filled backend question is shown with its answer
    const back = run(afterTest, { type: 'go-back' });
    expect(at(back)).toBe('backend');
    expect(back.choice).toBe(1);
  });

  test('the environment answers the admin keys', () => {
    const state = run(start({ endpoint: 'http://minio.lan:9000', region: 'us-east-1' }, { aliases: {}, env: { NIX_CACHE_ADMIN_ACCESS_KEY: 'a', NIX_CACHE_ADMIN_SECRET_KEY: 'b' } }), looked);
    expect(at(state)).toBe('backend');
  });

  test('choosing an mc alias fills the endpoint and admin keys and skips their questions', () => {
    const context: QuestionContext = { aliases: { home: { url: 'https://s3.home.arpa/', accessKey: 'root', secretKey: 'rootsecret' } }, env: {} };
    const state = run(start({}, context), { type: 'answer', value: 'home' });
    expect(state.input).toEqual({ endpoint: 'https://s3.home.arpa', admin: { accessKey: 'root', secretKey: 'rootsecret' } });
    expect(at(state)).toBe('ca-file');
    // Going back walks through the filled-in endpoint to the alias list; typing brings the endpoint question back
    const back = run(state, { type: 'go-back' });
    expect(at(back)).toBe('endpoint');
    const typed = run(back, { type: 'go-back' }, { type: 'answer', value: '@type' });
    expect(at(typed)).toBe('endpoint');
    expect(typed.draft.text).toBe('https://s3.home.arpa');
  });

  test('leaving the backend step tests the connection once for the same answers', () => {
    const beforeBackend = run(
      start(),
      { type: 'answer', value: 'http://minio.lan:9000' },
      { type: 'answer', value: 'us-east-1' },
      { type: 'answer', value: 'admin' },
      { type: 'answer', value: 'adminsecret' },
      looked,
      { type: 'answer', value: 'minio' },
    );
    expect(at(beforeBackend)).toBe('admin-via');
    const testing = run(beforeBackend, { type: 'answer', value: 'api' });
    expect(testing.phase.name).toBe('testing-connection');
    const passed = run(testing, ok);
    expect(at(passed)).toBe('bucket');
    // Back to the backend and forward again: no second test
    const again = run(passed, { type: 'go-back' }, { type: 'answer', value: 'api' });
    expect(at(again)).toBe('bucket');
  });

  test('a failed connection test names the field; editing it and going on tests again', () => {
    const testing = run(
      start({ endpoint: 'http://minio.lan:9000', region: 'us-east-1', backend: 'minio', adminVia: 'api', admin: { accessKey: 'admin', secretKey: 'wrongsecret' } }),
      looked,
    );
    expect(testing.phase.name).toBe('testing-connection');
    const failed = run(testing, { type: 'set-connection-status', status: { ok: false, message: 'The secret key is wrong', field: 'admin.secretKey' } });
    expect(failed.phase).toEqual({ name: 'connection-failed', message: 'The secret key is wrong', field: 'admin.secretKey' });
    const editing = run(failed, { type: 'edit-field', field: 'admin.secretKey' });
    expect(at(editing)).toBe('admin-secret-key');
    expect(editing.draft.text).toBe('wrongsecret');
    // A new secret may show more of the server: it is looked at again, then tested
    const retest = run(editing, { type: 'answer', value: 'rightsecret' }, looked);
    expect(retest.phase.name).toBe('testing-connection');
    expect(retest.input.admin?.secretKey).toBe('rightsecret');
  });

  test('the builder secret answer is the generated one unless regenerated or typed', () => {
    const atSecret = run(
      start({ endpoint: 'http://minio.lan:9000', region: 'us-east-1', backend: 'minio', adminVia: 'api', admin: { accessKey: 'a', secretKey: 'adminsecret' }, bucket: 'nix-cache', builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } }),
      looked,
      ok,
    );
    expect(at(atSecret)).toBe('builder-secret');
    expect(run(atSecret, { type: 'answer', value: atSecret.secret.value }).input.builder?.secretKey).toBe('Generated+Secret=7xYz');
    const own = run(atSecret, { type: 'type-own-secret' }, { type: 'set-secret', secret: 'MyOwn.Secret-1' });
    expect(own.secret.typing).toBe(false);
    expect(run(own, { type: 'answer', value: own.secret.value }).input.builder?.secretKey).toBe('MyOwn.Secret-1');
  });

  test('choosing Ceph drops a builder secret chosen for MinIO: the server makes it', () => {
    const state = run(start({ endpoint: 'http://rgw.lan:7480', region: 'us-east-1', admin: { accessKey: 'a', secretKey: 'adminsecret' }, builder: { secretKey: 'Old+Secret=123' } }), looked, {
      type: 'answer',
      value: 'ceph',
    });
    expect(state.input.builder?.secretKey).toBeUndefined();
  });

  test('the step list marks answered, current, pending and not-needed steps', () => {
    const state = run(start({ endpoint: 'http://rgw.lan:7480', region: 'us-east-1', admin: { accessKey: 'a', secretKey: 'adminsecret' }, backend: 'ceph' }), looked, ok);
    const states = stepListStates(state);
    expect(states.connection).toBe('done');
    expect(states.backend).toBe('done');
    expect(states.bucket).toBe('current');
    expect(states['builder-secret']).toBe('pending');
    expect(states.policy).toBe('not-needed');
    expect(states.review).toBe('pending');
  });

  test('after the last question the plan is prepared; Esc on the review returns to the last question', () => {
    const all: AnswersInput = {
      endpoint: 'http://rgw.lan:7480', region: 'us-east-1', admin: { accessKey: 'a', secretKey: 'adminsecret' }, backend: 'ceph',
      bucket: 'nix-cache', builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' }, anonymous: 'get',
      cacheInfo: { storeDir: '/nix/store', priority: 30, wantMassQuery: true }, key: { name: 'k-1', secretFile: '~/s', publicFile: '~/p' }, expireDays: null,
      writeMcConfig: true, alias: 's3',
      files: { mcConfig: '~/.mc/config.json', awsCredentials: '~/.aws/credentials', nixosModule: './m.nix', nixConf: './n.conf', policy: './p.json', cacheInfo: './c' },
    };
    const state = run(start(all), ok);
    expect(at(state)).toBe('builder-secret-ceph');
    const preparing = run(state, { type: 'answer', value: undefined });
    expect(preparing.phase.name).toBe('preparing');
    const plan = { steps: [] } as unknown as SetupPlan;
    const review = run(preparing, { type: 'plan-ready', plan, reports: [], previews: [] });
    expect(review.phase.name).toBe('review');
    const back = run(review, { type: 'go-back' });
    expect(at(back)).toBe('cache-info-file');
    expect(back.review).toBeUndefined();
    expect(back.input).toEqual(all);
  });

  test('confirming the review starts applying; a failed apply can be retried', () => {
    const plan = { steps: [] } as unknown as SetupPlan;
    const review: WizardState = { ...start(), phase: { name: 'review' }, review: { plan, reports: [], previews: [], revealed: false } };
    const applying = run(review, { type: 'confirm' });
    expect(applying.phase.name).toBe('applying');
    const failed = run(applying, { type: 'apply-finished', result: { steps: [], files: [], next: [], error: Object.assign(new Error('x'), { step: 'user' }) as never } });
    expect(failed.phase.name).toBe('applied');
    const retried = run(failed, { type: 'retry' });
    expect(retried.phase.name).toBe('applying');
    expect(retried.runId).toBeGreaterThan(failed.runId);
  });
});

