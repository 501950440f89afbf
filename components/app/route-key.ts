/**
 * From a key to what it means on the screen showing now: each screen's bindings are a pure
 * function in its `use-x-step.ts`; this picks the one for the state's phase. The reducer calls it
 * for a `key` action, so a key is always read against the state it arrives in.
 */
import type { Key } from 'ink';
import { endViewport } from '../apply-step/end-lines';
import { applyStepKeys } from '../apply-step/use-apply-step';
import { connectionStepKeys } from '../connection-step/use-connection-step';
import { questionStepKeys } from '../question-step/use-question-step';
import { reviewViewport } from '../review-step/review-lines';
import { reviewStepKeys } from '../review-step/use-review-step';
import { secretStepKeys } from '../secret-step/use-secret-step';
import { QUESTIONS, WIZARD_STEPS } from '../wizard-questions/wizard-questions';
import type { ScreenLayout } from './screen-layout';
import type { WizardAction, WizardState } from './wizard-state';

const REVIEW_WHY = WIZARD_STEPS.find((s) => s.id === 'review')?.why ?? '';

export interface KeyContext {
  readonly layout: ScreenLayout;
  /** a builder secret drawn for this key press, when it may regenerate one */
  readonly newSecret: string | undefined;
}

export function routeKey(state: WizardState, input: string, key: Key, { layout, newSecret }: KeyContext): WizardAction | undefined {
  switch (state.phase.name) {
    case 'asking': {
      const question = QUESTIONS[state.position];
      if (!question) return undefined;
      return question.kind === 'builder-secret' ? secretStepKeys(state, input, key, newSecret) : questionStepKeys(state, question, input, key);
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
