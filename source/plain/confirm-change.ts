/**
 * The confirmation a change that cannot be undone needs (SPEC 8: what stops working is said
 * before confirming). `--yes` confirms; in a terminal a yes/no prompt asks (default no); without a
 * terminal and without `--yes` it is a usage error, so nothing was changed.
 */
import { confirm } from '@inquirer/prompts';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { CancelledError, UsageError } from '../errors';
import { promptContext } from './prompt-context';
import { terminalText } from '../text/terminal-text';

export interface ConfirmChangeInput {
  readonly io: CliIo;
  readonly effects: Pick<Effects, 'env'>;
  readonly yes: boolean;
  readonly json: boolean;
  /** what will happen and what stops working, one or more lines */
  readonly warning: string;
  /** the question, e.g. "Rotate the builder secret now?" */
  readonly question: string;
}

export async function confirmChange(input: ConfirmChangeInput): Promise<void> {
  if (input.yes) return;
  const terminal = input.io.interactive && !input.effects.env['CI'] && !input.json;
  if (!terminal) {
    throw new UsageError(`${input.warning}\nNothing was changed: pass --yes to confirm.`, '--yes');
  }
  input.io.stdout.write(terminalText(`${input.warning}\n`));
  let yes: boolean;
  try {
    yes = await confirm({ message: input.question, default: false }, promptContext(input.io));
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) throw new CancelledError('Cancelled; nothing was changed.');
    throw error;
  }
  if (!yes) throw new CancelledError('Cancelled; nothing was changed.');
}
