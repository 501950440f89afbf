/** What a key can mean to a view: a wizard action, scrolling the view it is on (clamped to `max`), or the review's jump list. */
import type { WizardAction } from '../../source/wizard/wizard-state';

export type ViewAction =
  | WizardAction
  | { readonly type: 'scroll'; readonly delta: number; readonly max: number }
  /** the review's list of steps to go back to: open it, move its highlight, close it */
  | { readonly type: 'jump-open' }
  | { readonly type: 'jump-move'; readonly delta: number; readonly count: number }
  | { readonly type: 'jump-close' };
