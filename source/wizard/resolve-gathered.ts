/**
 * The answers gathered so far over the known ones (remembered, detected), complete with defaults
 * (resolveAnswers), or what is missing or wrong, naming the field: what the connection test and
 * the plan are made from. Known answers the wizard does not ask (a file path of an answers file
 * run before) carry over, so accepting every default changes nothing.
 */
import type { Answers } from '../answers/answers';
import { resolveAnswers } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import type { AnswersInput } from '../answers/answers-schema';
import { mergeAnswers, setField } from '../answers/answer-fields';
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

export function resolveGathered(state: Pick<WizardState, 'input' | 'known' | 'context'>, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Gathered {
  try {
    const resolution = resolveAnswers(mergeAnswers(applyingKnown(state), state.input), effects);
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
