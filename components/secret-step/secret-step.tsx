/**
 * The builder secret: the generated one, masked until revealed, with keys to draw another, reveal
 * it, or type one's own. A typed secret is checked as it is typed; the message names the character
 * that would not survive the files and commands it is written into.
 */
import { Box } from 'ink';
import { validateAnswerField } from '../../source/answers/resolve-answers';
import type { WizardState } from '../app/wizard-state';
import { wrapLine } from '../layout/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { TextField } from '../text-field/text-field';
import { Tinted } from '../theme/theme';
import { WIZARD_STEPS } from '../wizard-questions/wizard-questions';

export interface SecretStepProps {
  readonly state: WizardState;
  readonly width: number;
}

const STEP = WIZARD_STEPS.find((s) => s.id === 'builder-secret');

export function SecretStep({ state, width }: SecretStepProps) {
  const { secret } = state;
  const title = STEP?.title ?? 'builder secret';
  const why = STEP?.why ?? '';
  if (secret.typing) {
    const error = secret.draft.text === '' ? undefined : validateAnswerField('builder.secretKey', secret.draft.text);
    return (
      <StepPanel title={title} why={why} width={width} hints={[{ key: 'Enter', action: 'use it' }, { key: 'Esc', action: 'keep generated' }, { key: 'Ctrl-C', action: 'cancel' }]}>
        <Tinted tone="accent">Type your own secret (8–40 characters)</Tinted>
        <TextField draft={secret.draft} width={width} secret />
        {error ? (
          <Box flexDirection="column">
            {wrapLine(`✘ builder.secretKey ${error}`, width, '  ').map((row, i) => (
              <Tinted key={i} tone="error">
                {row}
              </Tinted>
            ))}
          </Box>
        ) : null}
      </StepPanel>
    );
  }
  const shown = secret.revealed ? secret.value : '*'.repeat(secret.value.length);
  return (
    <StepPanel
      title={title}
      why={why}
      width={width}
      hints={[
        { key: 'Enter', action: 'accept' },
        { key: 'r', action: 'new one' },
        { key: 'v', action: secret.revealed ? 'hide' : 'reveal' },
        { key: 'e', action: 'type own' },
        { key: 'Esc', action: 'back' },
      ]}
    >
      <Tinted tone="accent">{`Secret for ${state.input.builder?.accessKey ?? 'nixbuilder'} (${secret.value.length} characters)`}</Tinted>
      <Tinted>{`› ${shown}`}</Tinted>
    </StepPanel>
  );
}
