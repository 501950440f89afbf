/**
 * The wizard's one `useInput`. Each screen's bindings are a pure function (`use-x-step.ts`) from a
 * key to an action; this hook sends every key to the bindings of the screen showing now.
 *
 * Why one hook and not one per screen: Ink re-subscribes a `useInput` handler in an effect, after
 * the frame is drawn. With a hook per screen, a key typed right after a screen changed (a fast
 * typist, a paste, a test) still reached the previous screen's handler, with the previous
 * question in hand: an Enter meant for "backend" answered "region" again. One subscription that
 * reads the state of the last render cannot misroute (Ink renders synchronously after each key).
 */
import { useInput, type Key } from 'ink';
import { useCallback, useRef, type Dispatch } from 'react';
import { applyStepKeys } from '../apply-step/use-apply-step';
import { endViewport } from '../apply-step/end-lines';
import { connectionStepKeys } from '../connection-step/use-connection-step';
import { questionStepKeys } from '../question-step/use-question-step';
import { reviewViewport } from '../review-step/review-lines';
import { reviewStepKeys } from '../review-step/use-review-step';
import { secretStepKeys } from '../secret-step/use-secret-step';
import { WIZARD_STEPS } from '../wizard-questions/wizard-questions';
import type { ScreenLayout } from './screen-layout';
import { currentQuestion, type WizardAction, type WizardState } from './use-wizard-state';

const REVIEW_WHY = WIZARD_STEPS.find((s) => s.id === 'review')?.why ?? '';

export interface WizardKeysContext {
  readonly layout: ScreenLayout;
  readonly randomBytes: (length: number) => Uint8Array;
}

/** The action for a key on the screen `state` shows, if the key means anything there. */
export function wizardKeyAction(state: WizardState, input: string, key: Key, { layout, randomBytes }: WizardKeysContext): WizardAction | undefined {
  switch (state.phase.name) {
    case 'asking': {
      const question = currentQuestion(state);
      if (!question) return undefined;
      return question.kind === 'builder-secret' ? secretStepKeys(state, input, key, randomBytes) : questionStepKeys(state, question, input, key);
    }
    case 'testing-connection':
    case 'connection-failed':
      return connectionStepKeys(state, input, key);
    case 'preparing':
    case 'prepare-failed':
    case 'review':
      return reviewStepKeys(state, input, key, reviewViewport(state.review, layout.panelWidth, layout.bodyHeight, REVIEW_WHY));
    case 'applying':
    case 'applied': {
      const failed = Boolean(state.apply?.result?.error || state.apply?.crash);
      return applyStepKeys(state, input, key, endViewport(failed ? undefined : state.apply?.result, layout.width, layout.bodyHeight));
    }
    default:
      return undefined;
  }
}

export interface UseWizardKeysProps extends WizardKeysContext {
  readonly state: WizardState;
  readonly dispatch: Dispatch<WizardAction>;
  /** false once the wizard is leaving @default true */
  readonly isActive?: boolean;
}

export function useWizardKeys({ state, dispatch, layout, randomBytes, isActive = true }: UseWizardKeysProps) {
  const latest = useRef({ state, layout, randomBytes });
  latest.current = { state, layout, randomBytes };
  // Stable, so Ink subscribes once; it reads the state of the last render through the ref.
  const handler = useCallback(
    (input: string, key: Key) => {
      const action = wizardKeyAction(latest.current.state, input, key, latest.current);
      if (action) dispatch(action);
    },
    [dispatch],
  );
  useInput(handler, { isActive });
}
