/**
 * Key bindings while applying and after: nothing interrupts a running step (Ctrl-C stops the run
 * once the running steps have finished);
 * after a failure r runs the plan again (every step is idempotent) and q, Enter or Esc leaves; on
 * the end screen ↑/↓ and PgUp/PgDn scroll and any other key leaves.
 */
import type { Key } from 'ink';
import type { WizardState } from '../../source/wizard/wizard-state';
import type { ViewAction } from '../app/view-action';
import type { ScrollRange } from '../review-step/review-step-keys';
import { isCancelKey } from '../key-hints/is-cancel-key';

export function applyStepKeys(state: WizardState, input: string, key: Key, { max, page }: ScrollRange): ViewAction | undefined {
  // While applying, Ctrl-C asks to stop: the running step finishes, then the run stops (the reducer's cancel).
  if (state.phase.name === 'applying') return isCancelKey(input, key) ? { type: 'cancel' } : undefined;
  if (state.phase.name !== 'applied') return undefined;
  const failed = Boolean(state.apply?.result?.error || state.apply?.crash);
  if (failed) {
    if (input === 'r') return { type: 'retry' };
    if (input === 'q' || key.return || key.escape || isCancelKey(input, key)) return { type: 'finish' };
    return undefined;
  }
  if (key.upArrow) return { type: 'scroll', delta: -1, max };
  if (key.downArrow) return { type: 'scroll', delta: 1, max };
  if (key.pageUp) return { type: 'scroll', delta: -Math.max(1, page - 1), max };
  if (key.pageDown) return { type: 'scroll', delta: Math.max(1, page - 1), max };
  return { type: 'finish' };
}
