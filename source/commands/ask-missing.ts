/**
 * In a terminal, a command that starts from remembered (or partial) answers asks for what is still
 * missing, an endpoint or an admin secret say, instead of refusing (SPEC 1): one plain prompt per
 * missing answer, checked by the same rules as the wizard's question for it. Secrets are typed
 * hidden and never kept.
 */
import { input, password } from '@inquirer/prompts';
import type { AnswersInput } from '../answers/answers-schema';
import { resolveAnswers, type MissingAnswer } from '../answers/resolve-answers';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { CancelledError, UsageError } from '../errors';
import { setField } from '../wizard/answer-fields';
import { QUESTIONS, type TextQuestion } from '../wizard/questions';
import { promptContext } from './prompt-context';

function isExitPrompt(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

async function askOne(missing: MissingAnswer, io: CliIo): Promise<unknown> {
  const question = QUESTIONS.find((q): q is TextQuestion => q.kind === 'text' && q.field === missing.field);
  const parse = question ? (text: string) => question.parse(text) : (text: string) => (text.trim() === '' ? ({ ok: false, message: 'is required' } as const) : ({ ok: true, value: text.trim() } as const));
  const validate = (text: string) => {
    const parsed = parse(text);
    return parsed.ok && parsed.value !== undefined ? true : `${missing.field} ${parsed.ok ? 'is required' : parsed.message}`;
  };
  const message = `${question?.label ?? missing.field} (${missing.field}; ${missing.hint})`;
  const context = promptContext(io);
  const text = question?.secret ? await password({ message, mask: '*', validate }, context) : await input({ message, validate }, context);
  const parsed = parse(text);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * The answers with every missing one asked for. Only call it in a terminal; Ctrl-C is a
 * CancelledError (exit 130) with nothing done.
 */
export async function askMissingAnswers(
  start: AnswersInput,
  io: CliIo,
  effects: Pick<Effects, 'env' | 'home' | 'cwd'>,
  options: { readonly offline?: boolean } = {},
): Promise<AnswersInput> {
  let answers = start;
  const asked = new Set<string>();
  for (;;) {
    const resolution = resolveAnswers(answers, effects, options);
    if (resolution.ok) return answers;
    for (const missing of resolution.missing) {
      if (asked.has(missing.field)) throw new UsageError(`${missing.field} is required (${missing.hint})`, missing.field);
      asked.add(missing.field);
      try {
        answers = setField(answers, missing.field, await askOne(missing, io));
      } catch (error) {
        if (isExitPrompt(error)) throw new CancelledError();
        throw error;
      }
    }
  }
}
