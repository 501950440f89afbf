/** Key bindings of the opening menu: ↑/↓ move, Enter chooses, Esc or Ctrl-C leaves with nothing done. */
import type { Key } from 'ink';
import { menuOf, type WizardAction, type WizardState } from '../../source/wizard/wizard-state';
import { isCancelKey } from '../key-hints/is-cancel-key';

export function menuStepKeys(state: WizardState, input: string, key: Key): WizardAction | undefined {
  if (isCancelKey(input, key)) return { type: 'cancel' };
  if (key.escape) return { type: 'go-back' };
  if (key.upArrow) return { type: 'move-choice', delta: -1 };
  if (key.downArrow || key.tab) return { type: 'move-choice', delta: 1 };
  const entry = menuOf(state)[state.choice];
  if (key.return && entry) return { type: 'choose', item: entry.value };
  return undefined;
}
