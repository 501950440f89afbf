/**
 * The answers gathered so far over the known ones (remembered, detected), complete with defaults
 * (resolveAnswers, with the facts the answers name), or what is missing or wrong, naming the
 * field: what the connection test and the plan are made from. Known answers the wizard does not ask (a file path of an answers file
 * run before) carry over, so accepting every default changes nothing.
 */
import type { AnswerFacts } from '../answers/answer-facts';
import type { Answers } from '../answers/answers';
import { resolveAnswers } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { readFacts } from '../facts/read-facts';
import type { AnswersInput } from '../answers/answers-schema';
import { firstSetupDefault, type DefaultsEnv } from '../answers/answer-defaults';
import { answerFields, mergeAnswers, setField } from '../answers/answer-fields';
import { knownAnswers } from './defaults';
import { QUESTIONS, questionApplies } from './questions';
import type { WizardState } from './wizard-state';

export type Gathered =
  | { readonly ok: true; readonly answers: Answers; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly field: string | undefined };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The known answers that still apply: a remembered answer of a question that does not apply now
 * (adminVia after switching from MinIO to Ceph) is dropped rather than carried into the plan.
 */
function applyingKnown(state: Pick<WizardState, 'input' | 'known' | 'context'>): AnswersInput {
  let known = knownAnswers(state.known, state.input);
  for (const question of QUESTIONS) {
    const asked = QUESTIONS.some((q) => q.field === question.field && questionApplies(q, state.input, state.context));
    if (!asked) known = setField(known, question.field, undefined);
  }
  return known;
}

/** The answers the wizard resolves: the known ones that still apply, with the gathered ones over them. */
export function gatheredInput(state: Pick<WizardState, 'input' | 'known' | 'context'>): AnswersInput {
  return mergeAnswers(applyingKnown(state), state.input);
}

/** The gathered answers resolved with `facts`, read for them (readFacts); pure. */
export function resolveGathered(state: Pick<WizardState, 'input' | 'known' | 'context'>, facts: AnswerFacts): Gathered {
  try {
    const resolution = resolveAnswers(gatheredInput(state), facts);
    if (resolution.ok) return { ok: true, answers: resolution.value.answers, warnings: resolution.value.warnings };
    return {
      ok: false,
      message: resolution.missing.map((m) => `${m.field} is required (${m.hint})`).join('; '),
      field: resolution.missing[0]?.field,
    };
  } catch (error) {
    return { ok: false, message: messageOf(error), field: error instanceof UsageError ? error.field : undefined };
  }
}

/**
 * The last complete resolution of one wizard run, so that a phase (looking at the setup, testing
 * the connection, preparing the plan) resolves again only when an answer changed. A failed one is
 * not kept: after a retry the files it names (a CA file just fixed) are read again.
 */
export interface GatheredMemo {
  last?: { readonly key: string; readonly gathered: Gathered };
  /** how many times the answers were resolved, for the tests that hold "once per answer change" */
  resolutions: number;
}

export function newGatheredMemo(): GatheredMemo {
  return { resolutions: 0 };
}

/**
 * What the resolution of `input` depends on, as text: every answer but those that only repeat
 * their first-setup default (resolveAnswers fills those in the same), in a fixed order. Accepting
 * a default, or an answer arriving in another order, is then no change that needs resolving again.
 */
function resolutionKey(input: AnswersInput, context: DefaultsEnv): string {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  // The key name's default is the endpoint's host: with the endpoint taken from an mc alias, only
  // the resolution knows it, so the name is kept.
  const repeatsDefault = (field: string, value: unknown) => !(field === 'key.name' && input.endpoint === undefined) && same(value, firstSetupDefault(field, input, context));
  const fields = answerFields(input)
    .filter(([field, value]) => !repeatsDefault(field, value))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(fields);
}

/** The gathered answers resolved: their facts read (source/facts/read-facts.ts), unless they did not change since `memo`'s. */
export async function gatherAnswers(
  state: Pick<WizardState, 'input' | 'known' | 'context'>,
  effects: Pick<Effects, 'env' | 'home' | 'cwd'>,
  memo: GatheredMemo = newGatheredMemo(),
): Promise<Gathered> {
  const input = gatheredInput(state);
  const key = resolutionKey(input, effects);
  if (memo.last?.key === key) return memo.last.gathered;
  memo.resolutions += 1;
  let gathered: Gathered;
  try {
    gathered = resolveGathered(state, await readFacts(input, effects));
  } catch (error) {
    // a HOME that names no folder, say: the answers cannot be resolved, and the wizard says why
    gathered = { ok: false, message: messageOf(error), field: error instanceof UsageError ? error.field : undefined };
  }
  memo.last = gathered.ok ? { key, gathered } : undefined;
  return gathered;
}
