/** What a key can mean to a view: a wizard action, or scrolling the view it is on (clamped to `max`). */
import type { WizardAction } from '../../source/wizard/wizard-state';

export type ViewAction = WizardAction | { readonly type: 'scroll'; readonly delta: number; readonly max: number };
