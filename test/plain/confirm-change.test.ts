/** The confirmation before a change that stops something working (SPEC 8). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../source/cli-io';
import { confirmChange } from '../../source/plain/confirm-change';
import { CancelledError, UsageError } from '../../source/errors';
import { waitUntil } from '../helpers/wait-until';

function terminal(interactive: boolean) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const io = { stdin, stdout, stderr: new PassThrough(), interactive } as unknown as CliIo;
  return {
    io,
    output: () => text,
    async type(after: string, keys: string) {
      await waitUntil(() => text, { what: `the question ${JSON.stringify(after)}`, until: (shown) => shown.includes(after), deadline: 3000 });
      stdin.write(keys);
    },
  };
}

const WARNING = 'The old secret stops working AT ONCE.';
const ask = (io: CliIo, extra: { yes?: boolean; json?: boolean; env?: Record<string, string> } = {}) =>
  confirmChange({ io, effects: { env: extra.env ?? {} }, yes: extra.yes ?? false, json: extra.json ?? false, warning: WARNING, question: 'Rotate now?' });

describe('confirming a change', () => {
  it('says what stops working, then goes on only when the answer is yes', async () => {
    const t = terminal(true);
    const answered = ask(t.io);
    await t.type('Rotate now?', 'y\r');
    await expect(answered).resolves.toBeUndefined();
    expect(t.output().indexOf(WARNING)).toBeLessThan(t.output().indexOf('Rotate now?'));
  });

  it('cancels (exit 130) on Enter, whose default is no', async () => {
    const t = terminal(true);
    const answered = ask(t.io);
    await t.type('Rotate now?', '\r');
    await expect(answered).rejects.toBeInstanceOf(CancelledError);
  });

  it('is answered by --yes without a prompt', async () => {
    const t = terminal(true);
    await expect(ask(t.io, { yes: true })).resolves.toBeUndefined();
    expect(t.output()).toBe('');
  });

  it('without a terminal (or with --json, or CI set) is a usage error that says what would stop working and asks for --yes', async () => {
    for (const [io, extra] of [
      [terminal(false).io, {}],
      [terminal(true).io, { json: true }],
      [terminal(true).io, { env: { CI: 'true' } }],
    ] as const) {
      const error = await ask(io, extra).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toContain(WARNING);
      expect((error as UsageError).field).toBe('--yes');
    }
  });
});
