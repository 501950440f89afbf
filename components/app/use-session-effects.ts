/**
 * The session calls the wizard makes, as effects of its state: test the connection, prepare and
 * check the plan, apply it. The UI never talks to the server or the disk itself (STYLE 2); it asks
 * the SetupSession and turns the answers into actions. A result that arrives after the user has
 * moved on (went back, retried) is dropped.
 */
import { useEffect, useRef, type Dispatch } from 'react';
import type { Effects } from '../../source/effects';
import { UsageError } from '../../source/errors';
import type { SetupSession } from '../../source/plan/setup-session';
import { resolveGathered } from './resolve-gathered';
import type { WizardAction, WizardState } from './wizard-state';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface UseSessionEffectsProps {
  readonly state: WizardState;
  readonly dispatch: Dispatch<WizardAction>;
  readonly session: SetupSession;
  readonly effects: Effects;
  /** an unexpected error while applying, kept so the wizard can rethrow it with its stack */
  readonly onCrash: (error: unknown) => void;
}

export function useSessionEffects({ state, dispatch, session, effects, onCrash }: UseSessionEffectsProps) {
  // The effects read the state of the moment they start; runId says when to start one.
  const stateRef = useRef(state);
  stateRef.current = state;
  const phase = state.phase.name;

  useEffect(() => {
    if (phase !== 'testing-connection') return;
    let current = true;
    const resolved = resolveGathered(stateRef.current, effects);
    if (!resolved.ok) {
      dispatch({ type: 'set-connection-status', status: { ok: false, message: resolved.message, ...(resolved.field ? { field: resolved.field } : {}) } });
      return;
    }
    session.testConnection(resolved.answers).then(
      (result) => current && dispatch({ type: 'set-connection-status', status: result }),
      (error: unknown) => current && dispatch({ type: 'set-connection-status', status: { ok: false, message: messageOf(error) } }),
    );
    return () => {
      current = false;
    };
  }, [phase, state.runId, session, effects, dispatch]);

  useEffect(() => {
    if (phase !== 'preparing') return;
    let current = true;
    const resolved = resolveGathered(stateRef.current, effects);
    if (!resolved.ok) {
      dispatch({ type: 'plan-failed', message: resolved.message, ...(resolved.field ? { field: resolved.field } : {}) });
      return;
    }
    (async () => {
      const plan = await session.prepareSetup(resolved.answers, resolved.warnings);
      if (!current) return;
      const reports = await session.checkPlan(plan, (event) => {
        if (current && event.type === 'checking') dispatch({ type: 'plan-progress', text: `Checking: ${event.step.title}…` });
      });
      if (!current) return;
      dispatch({ type: 'plan-progress', text: 'Rendering the files…' });
      const previews = await session.previewFiles(plan);
      if (current) dispatch({ type: 'plan-ready', plan, reports, previews });
    })().catch((error: unknown) => {
      if (current) dispatch({ type: 'plan-failed', message: messageOf(error), ...(error instanceof UsageError && error.field ? { field: error.field } : {}) });
    });
    return () => {
      current = false;
    };
  }, [phase, state.runId, session, effects, dispatch]);

  useEffect(() => {
    if (phase !== 'applying') return;
    const plan = stateRef.current.review?.plan;
    if (!plan) return;
    // Applying is not abandoned half-way: its events and result are always taken.
    session.applyPlan(plan, (event) => dispatch({ type: 'apply-event', event })).then(
      (result) => dispatch({ type: 'apply-finished', result }),
      (error: unknown) => {
        onCrash(error);
        dispatch({ type: 'apply-crashed', message: messageOf(error) });
      },
    );
  }, [phase, state.runId, session, dispatch, onCrash]);
}
