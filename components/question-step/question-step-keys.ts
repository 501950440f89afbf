/**
 * Key bindings of a question: typing edits the text, ↑/↓ move the highlight, Enter accepts what is
 * shown (the default, when untouched) if it passes the rules, Esc goes back, Ctrl-C cancels.
 * A pure mapping from a key to an action; the wizard's one `useInput` (app/use-wizard-keys.ts)
 * calls it for the screen that is showing.
 */
import type { Key } from 'ink';
import type { WizardAction, WizardState } from '../../source/wizard/wizard-state';
import { isCancelKey } from '../key-hints/is-cancel-key';
import { editText } from '../text-field/edit-text';
import { choiceToAnswer, type Question } from '../../source/wizard/questions';

export function questionStepKeys(state: WizardState, question: Question, input: string, key: Key): WizardAction | undefined {
  if (isCancelKey(input, key)) return { type: 'cancel' };
  if (key.escape) return { type: 'go-back' };
  switch (question.kind) {
    case 'select': {
      if (key.upArrow) return { type: 'move-choice', delta: -1 };
      if (key.downArrow || key.tab) return { type: 'move-choice', delta: 1 };
      const choice = question.choices(state.input, state.context)[state.choice];
      if (key.return && choice) return { type: 'answer', value: choiceToAnswer(question.field, choice.value) };
      return undefined;
    }
    case 'notice':
      return key.return ? { type: 'answer', value: undefined } : undefined;
    case 'text': {
      if (key.return) {
        const parsed = question.parse(state.draft.text);
        return parsed.ok ? { type: 'answer', value: parsed.value } : undefined;
      }
      const draft = editText(state.draft, input, key);
      return draft === state.draft ? undefined : { type: 'edit-draft', draft };
    }
    default:
      return undefined;
  }
}
