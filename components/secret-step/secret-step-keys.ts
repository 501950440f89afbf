/**
 * Key bindings of the builder secret: Enter keeps it, r draws a new one, v shows or hides it, e
 * types one's own (checked live; Enter takes it when it passes, Esc returns to the generated one),
 * k uses the secret already in the AWS profile instead (a re-run for an existing user).
 */
import type { Key } from 'ink';
import { validateAnswerField } from '../../source/answers/resolve-answers';
import type { WizardAction, WizardState } from '../../source/wizard/wizard-state';
import { isCancelKey } from '../key-hints/is-cancel-key';
import { editText } from '../text-field/edit-text';

/**
 * `newSecret` is a secret drawn for this key press when it is an r (the reducer stays pure: the
 * randomness is drawn where the key arrives).
 */
export function secretStepKeys(state: WizardState, input: string, key: Key, newSecret: string | undefined): WizardAction | undefined {
  if (isCancelKey(input, key)) return { type: 'cancel' };
  const { secret } = state;
  if (secret.typing) {
    if (key.escape) return { type: 'stop-typing-secret' };
    if (key.return) {
      return validateAnswerField('builder.secretKey', secret.draft.text) === undefined ? { type: 'set-secret', secret: secret.draft.text } : undefined;
    }
    const draft = editText(secret.draft, input, key);
    return draft === secret.draft ? undefined : { type: 'edit-secret-draft', draft };
  }
  if (key.escape) return { type: 'go-back' };
  if (key.return) return { type: 'answer', value: secret.keepProfile ? undefined : secret.value };
  if (input === 'k') return { type: 'toggle-keep-profile-secret' };
  if (input === 'r' && newSecret !== undefined) return { type: 'set-secret', secret: newSecret };
  if (input === 'v') return { type: 'toggle-secret-reveal' };
  if (input === 'e') return { type: 'type-own-secret' };
  return undefined;
}
