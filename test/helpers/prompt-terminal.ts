/**
 * A terminal for the CLI's plain prompts (Inquirer) made of PassThrough streams, for running a
 * command in-process as if typed in a terminal. As in Inquirer's own tests, keys are written only
 * once the prompt they answer has shown: `answer` waits (with a deadline) for the prompt's text
 * after everything already answered, then types.
 */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../source/cli-io';
import { waitUntil } from './wait-until';

export interface PromptTerminal {
  readonly io: CliIo;
  /** everything written to stdout and stderr so far */
  output(): string;
  /** waits for `prompt` to show (after what was already answered), then types `keys` */
  answer(prompt: string, keys?: string): Promise<void>;
}

export function promptTerminal(): PromptTerminal {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  let seen = 0;
  for (const stream of [stdout, stderr]) {
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
  }
  const io = { stdin, stdout: Object.assign(stdout, { isTTY: true, columns: 80, rows: 24 }), stderr, interactive: true } as unknown as CliIo;
  return {
    io,
    output: () => text,
    async answer(prompt, keys = '') {
      await waitUntil(() => text.slice(seen), { what: `the prompt ${JSON.stringify(prompt)} (the output after what was answered is the last value)`, until: (after) => after.includes(prompt) });
      seen = text.indexOf(prompt, seen) + prompt.length;
      stdin.write(keys);
    },
  };
}
