/** The streams an Inquirer prompt reads and writes, for the CLI's terminal (or a test's). */
import { Writable } from 'node:stream';
import type { CliIo } from '../cli-io';

export type PromptContext = { readonly input: NodeJS.ReadableStream; readonly output: NodeJS.WritableStream };

/**
 * Inquirer pipes each prompt into `output` and ends that pipe when the prompt is done, which ends
 * any stream that is not process.stdout (a test's, an embedding program's). Each prompt therefore
 * gets a fresh pass-through that forwards writes, reports the terminal's width, and ends alone.
 */
export function promptContext(io: CliIo): PromptContext {
  // The full-screen UI unrefs stdin when it closes (Ink does); a prompt asked after it (a menu
  // entry's admin secret or confirmation) would then meet an event loop with nothing to wait for
  // and be closed at once ("User force closed the prompt"). The prompt's own reading keeps the
  // process alive only while it asks: readline pauses stdin when done, so the process still exits.
  (io.stdin as Partial<NodeJS.ReadStream>).ref?.();
  return {
    input: io.stdin as NodeJS.ReadableStream,
    get output() {
      const forward = new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          io.stdout.write(chunk);
          callback();
        },
      });
      return Object.assign(forward, { columns: io.stdout.columns ?? 80, rows: io.stdout.rows ?? 24, isTTY: io.stdout.isTTY ?? false });
    },
  };
}

