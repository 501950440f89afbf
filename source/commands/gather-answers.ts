/**
 * The answers a command starts from: the --answers file (validated), else the remembered answers
 * of the last successful run (SPEC 8), then the environment and defaults. Flags answer before any
 * prompt (create-astro's habit).
 */
import type { AnswersInput } from '../answers/answers-schema';
import { loadAnswersFile, resolveAnswers } from '../answers/resolve-answers';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { PER_CACHE_FIELDS } from '../answers/per-cache-names';
import { lastRememberedSetup, rememberedSetups, type RememberedSetup } from '../state/remembered-answers';
import { getField, mergeAnswers, setField } from '../answers/answer-fields';
import type { CommandOptions } from './command-options';

export interface StartingAnswers {
  /** the answers to run with: the --answers file, else the remembered ones, else none */
  readonly input: AnswersInput;
  /** the remembered setup they came from (no --answers given and one was kept) */
  readonly remembered: RememberedSetup | undefined;
}

/**
 * An answers file with the names its setup took when it was last run (users, policy, profiles,
 * alias, key and files: PER_CACHE_FIELDS) where the file leaves them out: a second cache on a
 * server was given names of its own, and `verify`, `rotate` or a re-run from the same file must
 * find those, not the first-setup names another cache holds. Only the names: every other answer
 * the file leaves out keeps its default.
 */
async function withRememberedNames(input: AnswersInput, effects: Effects): Promise<AnswersInput> {
  if (input.endpoint === undefined) return input;
  const endpoint = input.endpoint.replace(/\/+$/, '');
  const setups = await rememberedSetups(effects).catch(() => []);
  const same = setups.find((setup) => setup.answers.endpoint === endpoint && (setup.answers.bucket ?? 'nix-cache') === (input.bucket ?? 'nix-cache'));
  if (!same) return input;
  let names: AnswersInput = {};
  for (const field of PER_CACHE_FIELDS) {
    const value = getField(same.answers, field);
    if (value !== undefined) names = setField(names, field, value);
  }
  return mergeAnswers(names, input);
}

export async function startingAnswers(options: Pick<CommandOptions, 'answers'>, effects: Effects): Promise<StartingAnswers> {
  if (options.answers !== undefined) return { input: await withRememberedNames(loadAnswersFile(options.answers, effects), effects), remembered: undefined };
  const remembered = await lastRememberedSetup(effects);
  return { input: remembered?.answers ?? {}, remembered };
}

/**
 * The answers of a command that needs no server admin (preview, verify): the starting answers,
 * and in a terminal whatever is still missing asked for (SPEC 1) instead of refused; without one
 * (or with --yes or --json) the command reports each missing answer.
 */
export async function answersToUse(options: Pick<CommandOptions, 'answers' | 'yes' | 'json'>, io: CliIo, effects: Effects): Promise<AnswersInput> {
  const { input } = await startingAnswers(options, effects);
  return askWhatIsMissing(input, options, io, effects, { offline: true });
}

/**
 * In a terminal (without --yes or --json), `input` with whatever is still missing asked for: an
 * endpoint, or for a command that talks to the server as its admin (`offline: false`, the
 * rotations) the admin keys, offered from an mc alias of that endpoint first. Elsewhere `input` as
 * it is, and the command's requireCompleteAnswers names each missing answer (exit 2).
 */
export async function askWhatIsMissing(
  input: AnswersInput,
  options: Pick<CommandOptions, 'yes' | 'json'>,
  io: CliIo,
  effects: Effects,
  resolve: { readonly offline: boolean },
): Promise<AnswersInput> {
  const canAsk = io.interactive && !effects.env['CI'] && !options.yes && !options.json;
  if (!canAsk || resolveAnswers(input, effects, resolve).ok) return input;
  const { askMissingAnswers } = await import('../plain/ask-missing');
  return askMissingAnswers(input, io, effects, resolve);
}
