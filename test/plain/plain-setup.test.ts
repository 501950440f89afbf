import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { runPlainSetup } from '../../source/plain/plain-setup';
import { runSetup } from '../../source/commands/setup';
import type { AnswersInput } from '../../source/answers/answers-schema';
import type { CliIo } from '../../source/cli-io';
import type { Effects } from '../../source/effects';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { KEYS, press, waitForText } from '../helpers/ink-keys';
import { waitUntil } from '../helpers/wait-until';
import { ALL_BUT_LAST, countingRandomBytes, renderApp } from '../components/render-app';

afterEach(() => cleanup());

/**
 * A terminal for Inquirer made of two PassThrough streams. As in Inquirer's own tests, keys are
 * written only once the prompt they answer has rendered.
 */
function plainTerminal() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let text = '';
  let seen = 0;
  stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const io = { stdin, stdout, stderr: new PassThrough(), interactive: true } as unknown as CliIo;
  return {
    io,
    output: () => text,
    /** waits for `prompt` to show (after what was already answered), then types `keys` */
    async answer(prompt: string, keys = '') {
      await waitUntil(() => text.slice(seen), { what: `the prompt ${JSON.stringify(prompt)} (the output after what was answered is the last value)`, until: (after) => after.includes(prompt), deadline: 3000 });
      seen = text.indexOf(prompt, seen) + prompt.length;
      stdin.write(keys);
    },
  };
}

function effects(): Effects {
  return { env: {}, cwd: '/work', home: '/home/user', now: () => new Date(0), randomBytes: countingRandomBytes() };
}

describe('setup --plain', () => {
  test('asks the same questions as the UI, checks, shows the plan, applies and prints the next commands', async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const done = runPlainSetup({ initial: {}, session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('Endpoint URL', 'https://s3.example.org\r');
    await terminal.answer('CA certificate', '\r');
    await terminal.answer('Verify the server', '\r');
    await terminal.answer('Region', '\r');
    await terminal.answer('Admin access key', 'root\r');
    await terminal.answer('Admin secret key', 'root-secret\r');
    await terminal.answer('Which object store', '\r');
    await terminal.answer('Manage MinIO users through', '\r');
    await terminal.answer('MinIO answered');
    // A broken bucket name is refused with the rule, then a good one taken
    await terminal.answer('Bucket name', 'My_Bucket\r');
    await terminal.answer('bucket may hold only lowercase letters', `${'\u007f'.repeat(9)}nix-cache-2\r`);
    for (const prompt of ['Builder user (access key)', 'AWS profile name', 'Builder secret', 'Policy name', 'Who may download', 'Nix store directory', 'Priority', 'WantMassQuery', 'Key name', 'Secret key file', 'Public key file', 'Delete uploads', 'Write the admin alias', 'Alias name in the mc config', 'mc config file', 'AWS credentials file', 'NixOS module', 'nix.conf snippet', 'Write policy, for reference', 'nix-cache-info, for reference']) {
      await terminal.answer(prompt, '\r');
    }
    await terminal.answer('Apply these changes', 'y\r');
    const outcome = await done;

    const out = terminal.output();
    expect(out).toContain('+ Create the bucket: todo (bucket is missing)');
    expect(out).toContain('$ mc mb s3/nix-cache');
    expect(out).toContain('update    /home/user/.aws/credentials');
    expect(out).toContain('✔ Create the bucket: changed (bucket done)');
    expect(out).not.toContain('root-secret');
    // Long sentences are cut at spaces to the terminal's 80 columns, never inside a word
    expect(out).toContain('— connection: The wizard talks to your object store as its admin to create the\n  bucket, the builder user');
    // The files and next commands are printed by setup once the prompts are done, as after the UI
    expect(outcome.outcome === 'applied' && outcome.result.next).toContain('sudo nixos-rebuild switch');
    expect(outcome).toMatchObject({ outcome: 'applied', plan: { answers: { bucket: 'nix-cache-2' } } });
    expect(session.calls.prepareSetup[0]).toMatchObject({
      backend: 'minio',
      endpoint: 'https://s3.example.org',
      admin: { accessKey: 'root', secretKey: 'root-secret' },
      bucket: 'nix-cache-2',
      key: { name: 's3.example.org-nix-cache-2-1' },
      expireDays: null,
    });
    expect(session.calls.prepareSetup[0]?.builder.secretKey).toHaveLength(32);
  });

  test('gives the same answers as the UI for the same choices', async () => {
    const initial: AnswersInput = { ...ALL_BUT_LAST, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder', secretKey: 'Given+Secret=123' } };
    // The UI: accept the last question, then apply
    const uiSession = makeFakeSetupSession();
    const app = renderApp({ initial, session: uiSession });
    await waitForText(app, 'nix-cache-info, for reference');
    await press(app, KEYS.enter, 'Server steps');
    await press(app, KEYS.enter, 'Your Nix binary cache is set up');
    // The plain prompts: the same
    const terminal = plainTerminal();
    const plainSession = makeFakeSetupSession();
    const done = runPlainSetup({ initial, session: plainSession, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('nix-cache-info, for reference', '\r');
    await terminal.answer('Apply these changes', '\r');
    await done;
    expect(plainSession.calls.prepareSetup).toEqual(uiSession.calls.prepareSetup);
    expect(plainSession.calls.applyPlan).toBe(1);
  });

  test('a failed connection names the field; editing it and testing again goes on', async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession({ connection: [{ ok: false, message: 'the secret key is wrong (SignatureDoesNotMatch)', field: 'admin.secretKey' }, { ok: true, detail: 'MinIO answered' }] });
    const initial: AnswersInput = { endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'wrongsecret' }, backend: 'minio', adminVia: 'api' };
    const done = runPlainSetup({ initial, session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('Fix: admin.secretKey');
    await terminal.answer('What now?', '\r');
    await terminal.answer('Admin secret key', 'rightsecret\r');
    await terminal.answer('MinIO answered');
    await terminal.answer('Bucket name', '\u0003');
    await expect(done).resolves.toEqual({ outcome: 'cancelled' });
    expect(session.calls.testConnection.map((a) => a.admin.secretKey)).toEqual(['wrongsecret', 'rightsecret']);
  });

  test('Ctrl-C at a prompt cancels with nothing applied', async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const done = runPlainSetup({ initial: ALL_BUT_LAST, session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('nix-cache-info, for reference', '\r');
    await terminal.answer('Apply these changes', '\u0003');
    await expect(done).resolves.toEqual({ outcome: 'cancelled' });
    expect(session.calls.applyPlan).toBe(0);
  });

  test('Ctrl-C at a prompt of setup --plain says "Cancelled" once, exit 130', async () => {
    const terminal = plainTerminal();
    const stderr: string[] = [];
    (terminal.io.stderr as PassThrough).on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    const home = mkdtempSync(join(tmpdir(), 'ncw-plain-'));
    const code = runSetup({ answers: undefined, out: undefined, yes: false, dryRun: false, json: false, plain: true, showSecrets: false, dropOld: false, force: false, reader: false }, terminal.io, { ...effects(), home, cwd: home });
    await terminal.answer('Endpoint URL', '\u0003');
    expect(await code).toBe(130);
    const said = terminal.output() + stderr.join('');
    expect(said.match(/Cancelled/g)).toHaveLength(1);
    expect(said).toContain('Cancelled; nothing was written and nothing changed on the server.');
  });

  test('Ctrl-C while applying lets the running step finish, says so once, then stops with what ran and what did not', async () => {
    // Given a plain run whose builder-user step is still running
    const terminal = plainTerminal();
    const session = makeFakeSetupSession({ holdApplyAt: 'user' });
    const done = runPlainSetup({ initial: ALL_BUT_LAST, session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('nix-cache-info, for reference', '\r');
    await terminal.answer('Apply these changes', 'y\r');
    await terminal.answer('… Create the builder user');
    // When Ctrl-C (SIGINT: no prompt is open) arrives twice
    process.emit('SIGINT');
    process.emit('SIGINT');
    session.release();
    const outcome = await done;
    // Then the run stopped after that step, no retry was offered, and the stop was said once
    expect(outcome).toMatchObject({ outcome: 'applied', result: { error: { stoppedByUser: true } } });
    const steps = outcome.outcome === 'applied' ? outcome.result.steps : [];
    expect(steps.filter((s) => s.status === 'changed').map((s) => s.id)).toEqual(['connect', 'bucket', 'user']);
    expect(steps.filter((s) => s.status === 'skipped').map((s) => s.id)).toEqual(['policy', 'attach', 'anonymous', 'cache-info', 'expiry']);
    expect(terminal.output().match(/Stopping: the running step finishes/g)).toHaveLength(1);
    expect(terminal.output()).not.toContain('Run the steps again?');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  test('the builder secret can be shown, regenerated or typed, and a bad one is refused naming the character', async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const initial: AnswersInput = { ...ALL_BUT_LAST, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } };
    const done = runPlainSetup({ initial, session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('Builder secret: 32 characters, hidden.');
    await terminal.answer('Builder secret', `${KEYS.down}\r`); // show
    await terminal.answer('Builder secret: 32 characters, hidden.');
    const shown = / {2}(\S{32})\n/.exec(terminal.output())?.[1];
    expect(shown).toBeDefined();
    await terminal.answer('Builder secret', `${KEYS.down}${KEYS.down}\r`); // generate another
    await terminal.answer('Builder secret: 32 characters, hidden.');
    await terminal.answer('Builder secret', `${KEYS.down}${KEYS.down}${KEYS.down}\r`); // type my own
    await terminal.answer('Your builder secret', "bad'secret\r");
    await terminal.answer('holds the character "\'"', '\u007f'.repeat(10) + 'Good.Secret-42\r');
    await terminal.answer('Builder secret: 14 characters, hidden.');
    await terminal.answer('Builder secret', '\r');
    await terminal.answer('nix-cache-info, for reference', '\r');
    await terminal.answer('Apply these changes', 'n\r');
    await expect(done).resolves.toEqual({ outcome: 'cancelled' });
    expect(terminal.output()).not.toContain('Good.Secret-42');
    expect(terminal.output().split(shown ?? '').length).toBe(2); // shown once, on request
  });
});

describe('setup --plain, re-running for an existing builder user', () => {
  test('Enter keeps the secret the AWS profile holds for that user, as the full-screen UI does', async () => {
    // Given an AWS profile nixbuilder holding the keys of the user nixbuilder
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const initial: AnswersInput = { ...ALL_BUT_LAST, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } };
    const done = runPlainSetup({ initial, session, effects: effects(), io: terminal.io, mcAliases: {}, profileAccessKeys: { nixbuilder: 'nixbuilder' } });
    // When Enter is pressed at every prompt
    await terminal.answer('Builder secret: the one in AWS profile nixbuilder is kept.');
    await terminal.answer('Builder secret', '\r');
    await terminal.answer('nix-cache-info, for reference', '\r');
    await terminal.answer('Apply these changes', '\r');
    await done;
    // Then no new secret is sent: the session keeps the profile's
    expect(session.calls.prepareSetup[0]?.builder.secretKey).toBeUndefined();
  });

  test('can keep the secret in the AWS profile', async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const initial: AnswersInput = { ...ALL_BUT_LAST, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } };
    const done = runPlainSetup({ initial, session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('Builder secret: 32 characters, hidden.');
    await terminal.answer('Builder secret', `${KEYS.up}\r`); // the last choice
    await terminal.answer('nix-cache-info, for reference', '\r');
    await terminal.answer('Apply these changes', '\r');
    await done;
    expect(session.calls.prepareSetup[0]?.builder.secretKey).toBeUndefined();
  });
});

describe('setup --plain with a remembered setup', () => {
  const remembered = { ...ALL_BUT_LAST, bucket: 'my-cache', builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } };

  test('opens with the same menu as the UI: a private cache offers the reader rotation, and a choice leaves with it', async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const known = { remembered: { ...remembered, anonymous: 'none' as const }, detected: {} };
    const done = runPlainSetup({ initial: {}, known, menuFor: 'http://minio.lan:9000/my-cache', session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('What would you like to do with http://minio.lan:9000/my-cache?', `${KEYS.down}${KEYS.down}\r`);
    expect(await done).toEqual({ outcome: 'chosen', item: 'rotate-reader' });
    for (const entry of ['Update the setup', 'Rotate the builder credentials', 'Rotate the reader credentials', 'Rotate the signing key', 'Preview the files', 'Verify the cache']) {
      expect(terminal.output()).toContain(entry);
    }
    expect(session.calls.applyPlan).toBe(0);
  });

  test("a public cache's plain menu has no reader rotation; update asks again from the remembered answers", async () => {
    const terminal = plainTerminal();
    const session = makeFakeSetupSession();
    const known = { remembered: { ...remembered, anonymous: 'get' as const }, detected: {} };
    const done = runPlainSetup({ initial: {}, known, menuFor: 'x/y', session, effects: effects(), io: terminal.io, mcAliases: {} });
    await terminal.answer('What would you like to do with x/y?', '\r');
    await terminal.answer('Endpoint URL', '\u0003');
    // Ctrl-C at the first question of the update cancels the run, nothing applied
    expect(await done).toEqual({ outcome: 'cancelled' });
    expect(terminal.output()).toContain('Rotate the builder credentials');
    expect(terminal.output()).not.toContain('Rotate the reader credentials');
    expect(session.calls.applyPlan).toBe(0);
  });
});
