/**
 * The prologue every command shares: the starting answers (the --answers file, else the remembered
 * ones: source/facts/starting-answers.ts), the facts they name read once (source/facts/read-facts.ts),
 * in a terminal what is still missing asked for, then the complete answers and their warnings.
 * Flags answer before any prompt (create-astro's habit).
 */
import type { AnswerFacts } from '../answers/answer-facts';
import type { Answers } from '../answers/answers';
import type { AnswersInput } from '../answers/answers-schema';
import { requireCompleteAnswers, resolveAnswers } from '../answers/resolve-answers';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { factsFor, readFacts } from '../facts/read-facts';
import { readStartingAnswers } from '../facts/starting-answers';
import { printWarnings } from '../output/print-warnings';
import type { CommandOptions } from './command-options';

/** What a command's answers are made of, and what they came to. */
export interface CommandAnswers {
  /** the answers as given (file, remembered, asked), before defaults */
  readonly input: AnswersInput;
  readonly facts: AnswerFacts;
  readonly answers: Answers;
  readonly warnings: readonly string[];
}

export interface AnswersWanted {
  /**
   * true for a command that needs no server admin (preview, verify, rotate key): no admin keys
   * are asked for or required; false for one that talks to the server as its admin
   */
  readonly offline: boolean;
  /** a refusal that needs only the starting answers, said before anything is asked */
  readonly refuseEarly?: (started: AnswersInput) => void;
}

/**
 * In a terminal (without --yes or --json), `input` with whatever is still missing asked for: an
 * endpoint, or for a command that talks to the server as its admin (`offline: false`, the
 * rotations) the admin keys, offered from an mc alias of that endpoint first. Elsewhere `input` as
 * it is, and completeAnswers names each missing answer (exit 2). The facts come with the answers:
 * read once, and again only when an answer asked for names another file or setup.
 */
export async function askWhatIsMissing(
  input: AnswersInput,
  options: Pick<CommandOptions, 'yes' | 'json'>,
  io: CliIo,
  effects: Effects,
  resolve: { readonly offline: boolean },
): Promise<{ readonly input: AnswersInput; readonly facts: AnswerFacts }> {
  const facts = await readFacts(input, effects);
  const canAsk = io.interactive && !effects.env['CI'] && !options.yes && !options.json;
  if (!canAsk || resolveAnswers(input, facts, resolve).ok) return { input, facts };
  const { askMissingAnswers } = await import('../plain/ask-missing');
  const asked = await askMissingAnswers(input, io, effects, resolve, facts);
  return { input: asked, facts: await factsFor(asked, effects, facts) };
}

/** The complete answers (a missing one is a UsageError naming it), their warnings printed unless --json. */
export function completeAnswers(input: AnswersInput, facts: AnswerFacts, options: Pick<CommandOptions, 'json'>, io: CliIo, resolve: { readonly offline: boolean }): Omit<CommandAnswers, 'input' | 'facts'> {
  const { answers, warnings } = requireCompleteAnswers(input, facts, resolve);
  if (!options.json) printWarnings(warnings, io.stderr);
  return { answers, warnings };
}

/** The whole prologue of a command other than setup: starting answers, facts, what is missing asked, complete answers, warnings. */
export async function commandAnswers(options: Pick<CommandOptions, 'answers' | 'yes' | 'json'>, io: CliIo, effects: Effects, wanted: AnswersWanted): Promise<CommandAnswers> {
  const { input: started } = await readStartingAnswers(options.answers, effects);
  wanted.refuseEarly?.(started);
  const { input, facts } = await askWhatIsMissing(started, options, io, effects, { offline: wanted.offline });
  return { input, facts, ...completeAnswers(input, facts, options, io, { offline: wanted.offline }) };
}
