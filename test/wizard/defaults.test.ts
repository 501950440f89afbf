import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { answersInputSchema, type AnswersInput } from '../../source/answers/answers-schema';
import { firstSetupDefault } from '../../source/answers/answer-defaults';
import { resolveFromDisk } from '../../source/facts/read-facts';
import { main } from '../../source/main';
import { getField } from '../../source/answers/answer-fields';
import { defaultAnswer, NOTHING_KNOWN } from '../../source/wizard/defaults';
import { choiceToAnswer, QUESTIONS } from '../../source/wizard/questions';
import { gatherAnswers, newGatheredMemo } from '../../source/wizard/resolve-gathered';
import { createInitialState, currentQuestion, wizardReducer, type WizardState } from '../../source/wizard/wizard-state';

const effects = { env: {}, cwd: '/work', home: '/home/user' };
const context = { aliases: {}, env: {} };

/** Presses Enter on every question, accepting what it offers, as far as the review. */
function acceptEveryDefault(state: WizardState): WizardState {
  let current = state;
  for (let i = 0; i < 100; i++) {
    const phase = current.phase.name;
    if (phase === 'menu') current = wizardReducer(current, { type: 'choose', item: 'update' });
    else if (phase === 'detecting') current = wizardReducer(current, { type: 'detected', answers: {} });
    else if (phase === 'testing-connection') current = wizardReducer(current, { type: 'set-connection-status', status: { ok: true, detail: 'ok' } });
    else if (phase === 'asking') {
      const question = currentQuestion(current)!;
      let value: unknown;
      if (question.kind === 'text') {
        const parsed = question.parse(current.draft.text);
        if (!parsed.ok) throw new Error(`${question.id} offers "${current.draft.text}", which is refused: ${parsed.message}`);
        value = parsed.value;
      } else if (question.kind === 'select') {
        value = choiceToAnswer(question.field, question.choices(current.input, current.context)[current.choice]!.value);
      } else if (question.kind === 'builder-secret') {
        value = current.secret.keepProfile ? undefined : current.secret.value;
      }
      current = wizardReducer(current, { type: 'answer', value });
    } else return current;
  }
  throw new Error('the wizard never reached the review');
}

describe('the defaults', () => {
  test('on a first setup the wizard offers what an answers file left out would be (one set of defaults)', async () => {
    const given: AnswersInput = { endpoint: 'https://s3.example.org', admin: { accessKey: 'admin', secretKey: 'adminsecret' } };
    const resolution = await resolveFromDisk(given, effects);
    if (!resolution.ok) throw new Error('incomplete');
    for (const question of QUESTIONS) {
      if (question.field.startsWith('@') || getField(given, question.field) !== undefined) continue;
      const offered = firstSetupDefault(question.field, given, effects);
      if (offered === undefined) continue;
      expect([question.field, offered]).toEqual([question.field, getField(resolution.value.answers, question.field)]);
    }
  });

  test('what was given wins, then what was remembered, then what the server shows, then the first-setup default', () => {
    const known = { remembered: { expireDays: 30 }, detected: { expireDays: 90, anonymous: 'none' as const } };
    expect(defaultAnswer('expireDays', { expireDays: 7 }, known, effects)).toBe(7);
    expect(defaultAnswer('expireDays', {}, known, effects)).toBe(30);
    expect(defaultAnswer('anonymous', {}, known, effects)).toBe('none');
    expect(defaultAnswer('bucket', {}, known, effects)).toBe('nix-cache');
    expect(defaultAnswer('key.name', { endpoint: 'https://s3.example.org' }, NOTHING_KNOWN, effects)).toBe('s3.example.org-nix-cache-1');
  });

  test('accepting every default of a remembered setup gives back exactly the remembered answers', async () => {
    // Given the answers of a first setup with nothing left at its default
    const remembered: AnswersInput = {
      backend: 'ceph', endpoint: 'https://rgw.example.org:7480', region: 'eu-1', caFile: undefined, insecure: false,
      admin: { accessKey: 'rgwadmin' }, alias: 'home', writeMcConfig: true, bucket: 'my-cache',
      builder: { accessKey: 'ci-builder', profile: 'ci' }, anonymous: 'none',
      cacheInfo: { storeDir: '/nix/store', wantMassQuery: false, priority: 45 },
      key: { name: 'my-key-3', secretFile: '~/keys/cache.sec', publicFile: '~/keys/cache.pub' }, expireDays: 90,
      files: { mcConfig: '~/.mc/config.json', awsCredentials: '~/.aws/other', nixosModule: './m.nix', nixConf: './c.conf', policy: './p.json', cacheInfo: './i' },
    };
    const start = createInitialState({ initial: {}, context: { ...context, env: { NIX_CACHE_ADMIN_SECRET_KEY: 'adminsecret' } }, generatedSecret: 'G+1234567', known: { remembered, detected: {} }, menu: true });
    // When Enter is pressed on every question
    const end = acceptEveryDefault(start);
    // Then the plan is made from the same answers
    expect(end.phase.name).toBe('preparing');
    const memo = newGatheredMemo();
    const gathered = await gatherAnswers(end, { ...effects, env: { NIX_CACHE_ADMIN_SECRET_KEY: 'adminsecret' } }, memo);
    const expected = await resolveFromDisk(remembered, { ...effects, env: { NIX_CACHE_ADMIN_SECRET_KEY: 'adminsecret' } });
    if (!gathered.ok || !expected.ok) throw new Error(gathered.ok ? 'remembered answers incomplete' : gathered.message);
    expect(gathered.answers).toEqual(expected.value.answers);
    // And the next phase of the run (preparing, after testing the connection) resolves nothing again: no answer changed
    expect(await gatherAnswers(end, { ...effects, env: { NIX_CACHE_ADMIN_SECRET_KEY: 'adminsecret' } }, memo)).toBe(gathered);
    expect(memo.resolutions).toBe(1);
    // until an answer changes
    const changed = await gatherAnswers({ ...end, input: { ...end.input, bucket: 'other-cache' } }, { ...effects, env: { NIX_CACHE_ADMIN_SECRET_KEY: 'adminsecret' } }, memo);
    expect(changed.ok && changed.answers.bucket).toBe('other-cache');
    expect(memo.resolutions).toBe(2);
  });

  test('accepting a default is no change: the wizard does not resolve the answers again for it', async () => {
    const typed = createInitialState({ initial: { endpoint: 'https://s3.example.org', admin: { accessKey: 'admin', secretKey: 'adminsecret' } }, context, generatedSecret: 'G+1234567' });
    const memo = newGatheredMemo();
    const first = await gatherAnswers(typed, effects, memo);
    // the same answers with every default the questions offered accepted, given in another order
    const accepted = { ...typed, input: { bucket: 'nix-cache', region: 'us-east-1', ...typed.input, key: { name: 's3.example.org-nix-cache-1' }, files: { nixConf: './nix-cache.conf' } } };
    expect(await gatherAnswers(accepted, effects, memo)).toBe(first);
    expect(memo.resolutions).toBe(1);
    // an answer that is not the default is a change
    const other = await gatherAnswers({ ...accepted, input: { ...accepted.input, region: 'eu-1' } }, effects, memo);
    expect(other.ok && other.answers.region).toBe('eu-1');
    expect(memo.resolutions).toBe(2);
  });

  test('--help lists every key an answers file may hold', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    await main(['--help'], { stdin: new PassThrough(), stdout, stderr: new PassThrough(), interactive: false });
    const help = Buffer.concat(chunks).toString();
    const keys = Object.entries(answersInputSchema.shape).flatMap(([top, schema]) => {
      const inner = (schema as { unwrap?: () => { shape?: Record<string, unknown> } }).unwrap?.()?.shape;
      return inner ? Object.keys(inner).map((sub) => `${top}.${sub}`) : [top];
    });
    expect(keys.length).toBeGreaterThan(20);
    for (const key of keys) expect(help, key).toMatch(new RegExp(`(^|\\s)${key.replace('.', '\\.')}(\\s|$)`, 'm'));
  });
});
