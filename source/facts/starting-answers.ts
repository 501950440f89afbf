/**
 * The answers a command starts from: the --answers file (validated), else the remembered answers
 * of the last successful run (SPEC 8). Both read once, here, before anything is resolved.
 */
import { bucketOf } from '../answers/answer-defaults';
import { getField, mergeAnswers, setField } from '../answers/answer-fields';
import type { AnswersInput } from '../answers/answers-schema';
import { PER_CACHE_FIELDS } from '../answers/per-cache-names';
import type { Effects } from '../effects';
import { lastRememberedSetup, rememberedSetups, type RememberedSetup } from '../state/remembered-answers';
import { loadAnswersFile } from './load-answers-file';

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
async function withRememberedNames(input: AnswersInput, effects: Pick<Effects, 'env' | 'home'>): Promise<AnswersInput> {
  if (input.endpoint === undefined) return input;
  const endpoint = input.endpoint.replace(/\/+$/, '');
  const setups = await rememberedSetups(effects).catch(() => []);
  const same = setups.find((setup) => setup.answers.endpoint === endpoint && bucketOf(setup.answers) === bucketOf(input));
  if (!same) return input;
  let names: AnswersInput = {};
  for (const field of PER_CACHE_FIELDS) {
    const value = getField(same.answers, field);
    if (value !== undefined) names = setField(names, field, value);
  }
  return mergeAnswers(names, input);
}

/** The --answers file (`answers`), else the remembered answers of the last run, else none. */
export async function readStartingAnswers(answers: string | undefined, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Promise<StartingAnswers> {
  if (answers !== undefined) return { input: await withRememberedNames(await loadAnswersFile(answers, effects), effects), remembered: undefined };
  const remembered = await lastRememberedSetup(effects);
  return { input: remembered?.answers ?? {}, remembered };
}
