/**
 * The builder secret: the generated one, masked until revealed, with keys to draw another, reveal
 * it, or type one's own. A typed secret is checked as it is typed; the message names the character
 * that would not survive the files and commands it is written into.
 */
import { Box } from 'ink';
import { validateAnswerField } from '../../source/answers/resolve-answers';
import type { WizardState } from '../../source/wizard/wizard-state';
import { wrapLine } from '../../source/output/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { TextField } from '../text-field/text-field';
import { Tinted } from '../theme/theme';
import { defaultAnswer } from '../../source/wizard/defaults';
import { WIZARD_STEPS } from '../../source/wizard/questions';

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
  // The builder's user and profile are asked after this step: name the ones that will be offered.
  const profile = String(defaultAnswer('builder.profile', state.input, state.known, state.context));
  const user = String(defaultAnswer('builder.accessKey', state.input, state.known, state.context));
  if (secret.keepProfile) {
    return (
      <StepPanel title={title} why={why} width={width} hints={[{ key: 'Enter', action: 'accept' }, { key: 'k', action: 'use a new one' }, { key: 'Esc', action: 'back' }, { key: 'Ctrl-C', action: 'cancel' }]}>
        <Tinted tone="accent">{`Keep the secret in AWS profile ${profile}`}</Tinted>
        {wrapLine(
          'For a builder user that already exists: its secret is read from your AWS credentials file. When the profile has none, a new secret is generated when the plan is made.',
          width,
        ).map((row, i) => (
          <Tinted key={i}>{row}</Tinted>
        ))}
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
        { key: 'r', action: 'new' },
        { key: 'v', action: secret.revealed ? 'hide' : 'show' },
        { key: 'e', action: 'own' },
        { key: 'k', action: 'keep' },
        { key: 'Esc', action: 'back' },
      ]}
    >
      <Tinted tone="accent">{`Secret for ${user} (${secret.value.length} characters)`}</Tinted>
      <Tinted>{`› ${shown}`}</Tinted>
      <Box marginTop={1} flexDirection="column">
        {wrapLine(
          'Drawn like `pwgen -cnysB 32` from symbols that survive INI, JSON, URLs, Nix strings and shells. r draws a new one, v shows it, e types your own; k keeps the secret your AWS profile holds (a builder user that exists already).',
          width,
        ).map((row, i) => (
          <Tinted key={i} tone="muted">
            {row}
          </Tinted>
        ))}
      </Box>
    </StepPanel>
  );
}
