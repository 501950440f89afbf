/** What the full-screen UI holds: the wizard's core state plus how far the views are scrolled (ui-state.ts changes it, route-key.ts reads it). */
import type { WizardState } from '../../source/wizard/wizard-state';

export interface UiState {
  readonly wizard: WizardState;
  /** first row of the review shown */
  readonly reviewScroll: number;
  /** first row of the end screen shown */
  readonly endScroll: number;
  /** the highlighted entry of the review's "go back to a step" list, while it is open */
  readonly jump: number | undefined;
}
