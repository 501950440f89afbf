/**
 * Runs the wizard's phase runner (source/wizard/run-phase.ts) from an effect each time the phase
 * or its runId changes, so the UI makes the same calls as `--plain`. A result that arrives after
 * the user has moved on (went back, retried) is dropped; Ctrl-C while applying is read from the
 * latest state between steps.
 */
import { useEffect, useRef, type Dispatch } from 'react';
import type { Effects } from '../../source/effects';
import type { SetupSession } from '../../source/session/setup-session';
import { runPhase } from '../../source/wizard/run-phase';
import { newGatheredMemo } from '../../source/wizard/resolve-gathered';
import type { WizardAction, WizardState } from '../../source/wizard/wizard-state';

export interface UsePhaseRunnerProps {
  readonly state: WizardState;
  readonly dispatch: Dispatch<WizardAction>;
  readonly session: SetupSession;
  readonly effects: Effects;
  /** an unexpected error while applying, kept so the wizard can rethrow it with its stack */
  readonly onCrash: (error: unknown) => void;
}

export function usePhaseRunner({ state, dispatch, session, effects, onCrash }: UsePhaseRunnerProps) {
  // The runner reads the state of the moment it starts; runId says when to start one.
  const stateRef = useRef(state);
  stateRef.current = state;
  // one memo for the run: each phase resolves the answers again only when one changed
  const gathered = useRef(newGatheredMemo()).current;
  const phase = state.phase.name;
  useEffect(() => {
    let current = true;
    void runPhase(stateRef.current, { session, effects, gathered }, dispatch, {
      isCurrent: () => current,
      shouldStop: () => stateRef.current.apply?.stopping === true,
      onCrash,
    });
    return () => {
      current = false;
    };
  }, [phase, state.runId, session, effects, dispatch, onCrash]);
}
