/**
 * Key bindings of the review: ↑/↓ and PgUp/PgDn scroll, v reveals or masks the secrets, Enter or
 * y applies, Esc goes back to the questions (keeping every answer), g lists the steps to go back
 * to one directly (instead of an Esc per question), Ctrl-C cancels with nothing
 * done. While the plan is being checked only Esc and Ctrl-C; after a failure r tries again.
 */
import type { Key } from 'ink';
import type { WizardState } from '../../source/wizard/wizard-state';
import type { ViewAction } from '../app/view-action';
import { isCancelKey } from '../key-hints/is-cancel-key';
import { revisitableSteps } from '../../source/wizard/step-views';

export interface ScrollRange {
  /** the largest scroll position */
  readonly max: number;
  /** rows in view, for PgUp/PgDn */
  readonly page: number;
}

export function reviewStepKeys(state: WizardState, input: string, key: Key, { max, page }: ScrollRange, jump?: number): ViewAction | undefined {
  if (isCancelKey(input, key)) return { type: 'cancel' };
  if (state.phase.name === 'review' && jump !== undefined) {
    // The list of steps to go back to: ↑/↓ choose, Enter goes there (every answer kept), Esc closes it.
    const steps = revisitableSteps(state);
    if (key.escape) return { type: 'jump-close' };
    if (key.upArrow) return { type: 'jump-move', delta: -1, count: steps.length };
    if (key.downArrow || key.tab) return { type: 'jump-move', delta: 1, count: steps.length };
    const chosen = steps[jump];
    if (key.return && chosen) return { type: 'edit-field', field: chosen.field };
    return undefined;
  }
  if (key.escape) return { type: 'go-back' };
  if (state.phase.name === 'prepare-failed') return input === 'r' || key.return ? { type: 'retry' } : undefined;
  if (state.phase.name !== 'review') return undefined;
  if (key.upArrow) return { type: 'scroll', delta: -1, max };
  if (key.downArrow) return { type: 'scroll', delta: 1, max };
  if (key.pageUp) return { type: 'scroll', delta: -Math.max(1, page - 1), max };
  if (key.pageDown || input === ' ') return { type: 'scroll', delta: Math.max(1, page - 1), max };
  if (key.home) return { type: 'scroll', delta: -max, max };
  if (key.end) return { type: 'scroll', delta: max, max };
  if (input === 'v') return { type: 'toggle-review-reveal' };
  if (input === 'g') return { type: 'jump-open' };
  if (key.return || input === 'y') return { type: 'confirm' };
  return undefined;
}
