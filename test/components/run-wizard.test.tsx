import { readMcAliases } from '../../source/facts/mc-config';
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runWizard } from '../../components/run-wizard';
import type { CliIo } from '../../source/cli-io';
import type { Effects } from '../../source/effects';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { waitUntil } from '../helpers/wait-until';
import { countingRandomBytes } from './render-app';

/** A terminal in memory: what Ink needs of stdin (raw mode, readable) and stdout (size, write). */
class FakeStdin extends EventEmitter {
  isTTY = true;
  private queue: string[] = [];
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => this.queue.shift() ?? null;
  type(data: string) {
    this.queue.push(data);
    this.emit('readable');
  }
}

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  text = '';
  write = (chunk: string) => {
    this.text += chunk;
    return true;
  };
}

function terminal() {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout();
  const stderr = new FakeStdout();
  const io = { stdin, stdout, stderr, interactive: true } as unknown as CliIo;
  return { stdin, stdout, stderr, io };
}

/** Waits until what was written to `stdout` passes `test` (its failure shows what was written). */
function until(stdout: { readonly text: string }, test: (text: string) => boolean, what: string) {
  return waitUntil(() => stdout.text, { what, until: test, deadline: 3000, pollMs: 2 });
}

const effects: Effects = { env: { NO_COLOR: '1' }, cwd: '/work', home: '/home/user', now: () => new Date(0), randomBytes: countingRandomBytes() };

describe('runWizard', () => {
  test('offers the aliases of the mc config it is given; Ctrl-C cancels with nothing applied and nothing but the UI on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncw-wizard-'));
    const mcConfigPath = join(dir, 'config.json');
    writeFileSync(mcConfigPath, JSON.stringify({ version: '10', aliases: { lab: { url: 'http://lab.lan:9000', accessKey: 'root', secretKey: 'rootsecret', api: 's3v4', path: 'auto' } } }));
    const { stdin, stdout, stderr, io } = terminal();
    const session = makeFakeSetupSession();
    const done = runWizard({ initial: {}, session, effects, io, mcAliases: readMcAliases(mcConfigPath) });
    // The first frame is the sign the wizard listens
    await until(stdout, (text) => text.includes('Which server?'), 'the first frame');
    expect(stdout.text).toContain('lab  http://lab.lan:9000');
    stdin.type('\u0003');
    await expect(done).resolves.toEqual({ outcome: 'cancelled' });
    expect(session.calls.applyPlan).toBe(0);
    expect(stdout.text).toContain('Cancelled; nothing was written');
    expect(stdout.text).not.toContain('\u001B[3'); // NO_COLOR: no colour codes
    expect(stderr.text).toBe('');
  });

  test('a missing or broken mc config only means no aliases to offer', async () => {
    const { stdin, stdout, io } = terminal();
    const done = runWizard({ initial: {}, session: makeFakeSetupSession(), effects, io, mcAliases: {} });
    await until(stdout, (text) => text.includes('Endpoint URL'), 'the endpoint question');
    stdin.type('\u0003');
    await expect(done).resolves.toEqual({ outcome: 'cancelled' });
  });

  test('runs to the end and returns the apply result and the plan', async () => {
    const { stdin, stdout, io } = terminal();
    const session = makeFakeSetupSession();
    const initial = {
      endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin', secretKey: 'adminsecret' }, backend: 'minio' as const, adminVia: 'api' as const,
      builder: { accessKey: 'nixbuilder', profile: 'nixbuilder', secretKey: 'Given+Secret=123' }, bucket: 'nix-cache', policyName: 'nix-cache-write',
      anonymous: 'get' as const, cacheInfo: { storeDir: '/nix/store', priority: 30, wantMassQuery: true }, alias: 's3', key: { name: 'k-1', secretFile: '~/s.key', publicFile: '~/p.key' },
      expireDays: null, writeMcConfig: true, files: { mcConfig: '~/.mc/config.json', awsCredentials: '~/.aws/credentials', nixosModule: './m.nix', nixConf: './m.conf', policy: './p.json', cacheInfo: './c' },
    };
    const done = runWizard({ initial, session, effects, io, mcAliases: {} });
    await until(stdout, (text) => text.includes('Server steps'), 'the review');
    stdin.type('\r');
    await until(stdout, (text) => text.includes('Press any key to exit') || text.includes('any other key to exit'), 'the end screen');
    stdin.type('x');
    const outcome = await done;
    expect(outcome).toMatchObject({ outcome: 'applied', result: { files: expect.any(Array) }, plan: { answers: { bucket: 'nix-cache' } } });
  });
});
