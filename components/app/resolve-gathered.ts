/**
 * The answers gathered so far, complete with defaults (resolveAnswers), or what is missing or
 * wrong, naming the field: what the connection test and the plan are made from. React-free: the
 * plain prompts use it too.
 */
import type { Answers } from '../../source/answers/answers';
import { resolveAnswers } from '../../source/answers/resolve-answers';
import type { Effects } from '../../source/effects';
import { UsageError } from '../../source/errors';
import type { WizardState } from './wizard-state';

export type Gathered =
  | { readonly ok: true; readonly answers: Answers; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly field: string | undefined };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function resolveGathered(state: Pick<WizardState, 'input'>, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Gathered {
  try {
    const resolution = resolveAnswers(state.input, effects);
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
