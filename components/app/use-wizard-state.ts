/**
 * The wizard's state as a hook: the UI reducer (ui-state.ts: the core reducer of
 * source/wizard/wizard-state.ts plus the views' scrolling) behind `useReducer`.
 */
import { useReducer } from 'react';
import type { InitialWizardInput } from '../../source/wizard/wizard-state';
import { createUiState, uiReducer } from './ui-state';

export function useWizardState(initial: InitialWizardInput) {
  return useReducer(uiReducer, initial, createUiState);
}
