/**
 * The wizard's state as a hook: the reducer of wizard-state.ts (pure, React-free, shared with the
 * plain prompts) behind `useReducer`.
 */
import { useReducer } from 'react';
import { createInitialState, wizardReducer, type InitialWizardInput } from './wizard-state';

export * from './wizard-state';

export function useWizardState(initial: InitialWizardInput) {
  return useReducer(wizardReducer, initial, createInitialState);
}
