/**
 * The full-screen UI's state: the wizard's core state (source/wizard/wizard-state.ts) plus what
 * only the views need, how far the review and the end screen are scrolled. Keys arrive here as
 * `key` actions and are read against the state they arrive in (route-key.ts picks the bindings of
 * the screen showing), so keys that come together (a paste, a fast typist, tmux send-keys) never
 * meet a stale screen; what they mean goes on to the core reducer.
 */
import type { Key } from 'ink';
import { createInitialState, wizardReducer, type InitialWizardInput } from '../../source/wizard/wizard-state';
import { routeKey } from './route-key';
import type { ScreenLayout } from './screen-layout';
import type { UiState } from './ui-view-state';
import type { ViewAction } from './view-action';

export type { UiState } from './ui-view-state';


export type UiAction =
  | ViewAction
  /** a key pressed: read against the current state by the showing screen's bindings */
  | { readonly type: 'key'; readonly input: string; readonly key: Key; readonly layout: ScreenLayout; readonly newSecret?: string | undefined };

/** Line breaks and the two erase characters (DEL, which the Backspace key sends, and BS), each one key. */
// eslint-disable-next-line no-control-regex
const KEYS_IN_TEXT = /(\r\n|\r|\n|\u007f|\u0008)/;
// eslint-disable-next-line no-control-regex
const KEY_IN_TEXT = /[\r\n\u007f\u0008]/;

export function createUiState(initial: InitialWizardInput): UiState {
  return { wizard: createInitialState(initial), reviewScroll: 0, endScroll: 0, jump: undefined };
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'key': {
      // Keys typed quickly, pasted, or sent together by a laggy SSH link arrive as one input
      // ("admin⏎", "⏎⏎", "⌫⌫⌫"): each line break is an Enter and each DEL or BS a Backspace, in order.
      if (action.input.length > 1 && KEY_IN_TEXT.test(action.input) && !action.key.ctrl && !action.key.meta) {
        return action.input
          .split(KEYS_IN_TEXT)
          .filter((part) => part !== '')
          .reduce<UiState>((current, part) => {
            const isEnter = /^[\r\n]+$/.test(part);
            const isErase = part === '\u007f' || part === '\u0008';
            const input = isEnter ? '\r' : isErase ? '' : part;
            const key = { ...action.key, return: isEnter, backspace: part === '\u0008', delete: part === '\u007f' };
            return uiReducer(current, { ...action, input, key, newSecret: undefined });
          }, state);
      }
      const meant = routeKey(state, action.input, action.key, { layout: action.layout, newSecret: action.newSecret });
      return meant ? uiReducer(state, meant) : state;
    }
    case 'jump-open':
      return state.wizard.phase.name === 'review' ? { ...state, jump: 0 } : state;
    case 'jump-move':
      return state.jump === undefined ? state : { ...state, jump: (state.jump + action.delta + action.count) % action.count };
    case 'jump-close':
      return { ...state, jump: undefined };
    case 'scroll': {
      const clamp = (value: number) => Math.max(0, Math.min(action.max, value));
      if (state.wizard.phase.name === 'review') return { ...state, reviewScroll: clamp(state.reviewScroll + action.delta) };
      if (state.wizard.phase.name === 'applied') return { ...state, endScroll: clamp(state.endScroll + action.delta) };
      return state;
    }
    default: {
      const wizard = wizardReducer(state.wizard, action);
      if (wizard === state.wizard) return state;
      // A new plan is reviewed from its top; a new run's end screen too.
      return {
        wizard,
        reviewScroll: wizard.review?.plan === state.wizard.review?.plan ? state.reviewScroll : 0,
        endScroll: wizard.apply === state.wizard.apply || state.wizard.phase.name === 'applied' ? state.endScroll : 0,
        // Any step of the wizard closes the jump list (it jumped, went back, or applied).
        jump: undefined,
      };
    }
  }
}
