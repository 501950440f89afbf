/**
 * In a terminal, a command that starts from remembered (or partial) answers asks for what is still
 * missing, an endpoint or an admin secret say, instead of refusing (SPEC 1): one plain prompt per
 * missing answer, checked by the same rules as the wizard's question for it. Secrets are typed
 * hidden and never kept.
 */
import { input, password, select } from '@inquirer/prompts';
import type { AnswersInput } from '../answers/answers-schema';
import type { AnswerFacts, McConfigFact } from '../answers/answer-facts';
import { resolveAnswers, type MissingAnswer } from '../answers/resolve-answers';
import { factsFor } from '../facts/read-facts';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { CancelledError, UsageError } from '../errors';
import { setField } from '../answers/answer-fields';
import { aliasesForEndpoint } from '../wizard/mc-alias-choices';
import { QUESTIONS, type TextQuestion } from '../wizard/questions';
import { promptContext } from './prompt-context';

const TYPE_KEYS = '@type';

/**
 * When the admin keys are missing and the mc config holds an alias for this endpoint (setup writes
 * one, with the admin keys), offers its keys before asking for a secret to type: the answer is
 * `admin.mcAlias`, so the secret is read from the mc config and never typed or kept.
 */
async function offerMcAlias(start: AnswersInput, missing: readonly MissingAnswer[], io: CliIo, mcConfigFact: McConfigFact): Promise<AnswersInput | undefined> {
  if (start.endpoint === undefined || start.admin?.mcAlias !== undefined) return undefined;
  if (!missing.some((m) => m.field === 'admin.secretKey' || m.field === 'admin.accessKey')) return undefined;
  const mcConfig = mcConfigFact.path;
  // An unreadable mc config only means there is no alias to offer: the secret is asked instead.
  if (mcConfigFact.error) return undefined;
  const aliases = mcConfigFact.aliases;
  const candidates = aliasesForEndpoint(aliases, start.endpoint, start.admin?.accessKey);
  if (candidates.length === 0) return undefined;
  const choice = await select(
    {
      message: `Admin keys for ${start.endpoint} (not remembered: secrets never are)`,
      choices: [
        ...candidates.map(({ name, entry }) => ({ name: `the keys of mc alias ${name} (${entry.accessKey} in ${mcConfig})`, value: name })),
        { name: 'type the admin keys', value: TYPE_KEYS },
      ],
    },
    promptContext(io),
  );
  return choice === TYPE_KEYS ? undefined : setField(start, 'admin.mcAlias', choice);
}

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
  startFacts?: AnswerFacts,
): Promise<AnswersInput> {
  let answers = start;
  const asked = new Set<string>();
  let aliasOffered = false;
  // the facts the command read for `start`, when it did
  let facts: AnswerFacts | undefined = startFacts;
  try {
    for (;;) {
      // read again only when an answer given names another mc config, CA file or setup
      facts = await factsFor(answers, effects, facts);
      const resolution = resolveAnswers(answers, facts, options);
      if (resolution.ok) return answers;
      if (!aliasOffered) {
        aliasOffered = true;
        const withAlias = await offerMcAlias(answers, resolution.missing, io, facts.mcConfig);
        if (withAlias) {
          answers = withAlias;
          continue;
        }
      }
      for (const missing of resolution.missing) {
        if (asked.has(missing.field)) throw new UsageError(`${missing.field} is required (${missing.hint})`, missing.field);
        asked.add(missing.field);
        answers = setField(answers, missing.field, await askOne(missing, io));
      }
    }
  } catch (error) {
    if (isExitPrompt(error)) throw new CancelledError('Cancelled; nothing was changed.');
    throw error;
  }
}
