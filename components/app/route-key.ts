/**
 * From a key to what it means on the screen showing now: each screen's bindings are a pure
 * function in its `x-step-keys.ts`; this picks the one for the wizard's phase. The UI reducer
 * calls it for a `key` action, so a key is always read against the state it arrives in. The
 * screens that scroll give their own limits, computed from what they show at this size.
 */
import type { Key } from 'ink';
import { QUESTIONS, WIZARD_STEPS } from '../../source/wizard/questions';
import { endViewport } from '../apply-step/end-lines';
import { applyStepKeys } from '../apply-step/apply-step-keys';
import { connectionStepKeys } from '../connection-step/connection-step-keys';
import { menuStepKeys } from '../menu-step/menu-step-keys';
import { questionStepKeys } from '../question-step/question-step-keys';
import { reviewViewport } from '../review-step/review-lines';
import { reviewStepKeys } from '../review-step/review-step-keys';
import { secretStepKeys } from '../secret-step/secret-step-keys';
import { isCancelKey } from '../key-hints/is-cancel-key';
import type { ScreenLayout } from './screen-layout';
import type { UiState } from './ui-view-state';
import type { ViewAction } from './view-action';

const REVIEW_WHY = WIZARD_STEPS.find((s) => s.id === 'review')?.why ?? '';

export interface KeyContext {
  readonly layout: ScreenLayout;
  /** a builder secret drawn for this key press, when it may regenerate one */
  readonly newSecret: string | undefined;
}

export function routeKey(ui: UiState, input: string, key: Key, { layout, newSecret }: KeyContext): ViewAction | undefined {
  const state = ui.wizard;
  // Too small a window shows only how to make it larger; Ctrl-C still cancels.
  if (layout.tooSmall) return isCancelKey(input, key) ? { type: 'cancel' } : undefined;
  switch (state.phase.name) {
    case 'menu':
      return menuStepKeys(state, input, key);
    case 'asking': {
      const question = QUESTIONS[state.position];
      if (!question) return undefined;
      return question.kind === 'builder-secret' ? secretStepKeys(state, input, key, newSecret) : questionStepKeys(state, question, input, key);
    }
    case 'detecting':
    case 'testing-connection':
    case 'connection-failed':
      return connectionStepKeys(state, input, key);
    case 'preparing':
    case 'prepare-failed':
    case 'review':
      return reviewStepKeys(state, input, key, reviewViewport(state.review, layout.panelWidth, layout.bodyHeight, REVIEW_WHY), ui.jump);
    case 'applying':
    case 'applied': {
      const failed = Boolean(state.apply?.result?.error || state.apply?.crash);
      return applyStepKeys(state, input, key, endViewport(failed ? undefined : state.apply?.result, layout.width, layout.bodyHeight));
    }
    default:
      return undefined;
  }
}
