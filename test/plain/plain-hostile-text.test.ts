/** --plain shows text from files (an mc config's aliases) with its control characters escaped, never sent to the terminal. */
import { readMcAliases } from '../../source/facts/mc-config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { runPlainSetup } from '../../source/plain/plain-setup';
import type { CliIo } from '../../source/cli-io';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { waitUntil } from '../helpers/wait-until';
import { countingRandomBytes } from '../components/render-app';

test("an mc alias whose name and URL hold ESC/OSC/CR sequences is listed escaped by --plain's server question", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-plain-hostile-'));
  const mcConfig = join(dir, 'config.json');
  const evil = 'lab\u001b]0;pwned\u0007\r✔ done';
  writeFileSync(mcConfig, JSON.stringify({ version: '10', aliases: { [evil]: { url: 'https://s3.example.org\u001b[2J', accessKey: 'root', secretKey: 'root-secret' } } }));
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const io = { stdin, stdout, stderr: new PassThrough(), interactive: true } as unknown as CliIo;
  const effects = { env: {}, cwd: '/work', home: '/home/user', now: () => new Date(0), randomBytes: countingRandomBytes() };
  const session = makeFakeSetupSession();
  const run = runPlainSetup({ initial: {}, session, effects, io, mcAliases: readMcAliases(mcConfig) });
  // Waits (with a deadline) for the server question to list the alias.
  await waitUntil(() => text, { what: 'the server question listing the alias', until: (shown) => shown.includes('Which server?') && shown.includes('pwned'), deadline: 5000 });
  expect(text).toContain('lab\\e]0;pwned\\x07\\r✔ done');
  expect(text).toContain('https://s3.example.org\\e[2J');
  expect(text).not.toContain('\u001b]0;pwned');
  expect(text).not.toContain('\r✔ done');
  expect(text).not.toContain('\u001b[2J');
  // Ctrl-C ends the run: cancelled, nothing applied.
  stdin.write('\u0003');
  expect(await run).toEqual({ outcome: 'cancelled' });
  expect(session.calls.applyPlan).toBe(0);
});
