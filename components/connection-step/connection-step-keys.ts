/**
 * Key bindings of the connection test: while it runs only Esc (back) and Ctrl-C; after a
 * failure, e edits the answer the failure names, r or Enter tests again.
 */
import type { Key } from 'ink';
import { editableField, type WizardAction, type WizardState } from '../../source/wizard/wizard-state';
import { isCancelKey } from '../key-hints/is-cancel-key';

export function connectionStepKeys(state: WizardState, input: string, key: Key): WizardAction | undefined {
  if (isCancelKey(input, key)) return { type: 'cancel' };
  if (key.escape) return { type: 'go-back' };
  const { phase } = state;
  if (phase.name !== 'connection-failed') return undefined;
  if (input === 'r' || key.return) return { type: 'retry' };
  if (input === 'e') return { type: 'edit-field', field: editableField(state, phase.field ?? 'endpoint') };
  return undefined;
}
