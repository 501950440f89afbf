/**
 * The builder secret: the generated one, masked until revealed, with keys to draw another, reveal
 * it, or type one's own. A typed secret is checked as it is typed; the message names the character
 * that would not survive the files and commands it is written into.
 */
import { Box } from 'ink';
import type { SecretView } from '../../source/wizard/step-views';
import { wrapLine } from '../../source/text/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { TextField } from '../text-field/text-field';
import { Tinted } from '../theme/theme';
import { WIZARD_STEPS } from '../../source/wizard/questions';

export interface SecretStepProps {
  /** what the screen shows (source/wizard/step-views.ts) */
  readonly view: SecretView;
  readonly width: number;
}

const STEP = WIZARD_STEPS.find((s) => s.id === 'builder-secret');

export function SecretStep({ view, width }: SecretStepProps) {
  const title = STEP?.title ?? 'builder secret';
  const why = STEP?.why ?? '';
  if (view.mode === 'typing') {
    const { error } = view;
    return (
      <StepPanel title={title} why={why} width={width} hints={[{ key: 'Enter', action: 'use it' }, { key: 'Esc', action: 'keep generated' }, { key: 'Ctrl-C', action: 'cancel' }]}>
        <Tinted tone="accent">Type your own secret (8–40 characters)</Tinted>
        <TextField draft={view.draft} width={width} secret />
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
  if (view.mode === 'keep') {
    return (
      <StepPanel title={title} why={why} width={width} hints={[{ key: 'Enter', action: 'accept' }, { key: 'k', action: 'use a new one' }, { key: 'Esc', action: 'back' }, { key: 'Ctrl-C', action: 'cancel' }]}>
        <Tinted tone="accent">{`Keep the secret in AWS profile ${view.profile}`}</Tinted>
        {wrapLine(
          'For a builder user that already exists: its secret is read from your AWS credentials file. When the profile has none, a new secret is generated when the plan is made.',
          width,
        ).map((row, i) => (
          <Tinted key={i}>{row}</Tinted>
        ))}
      </StepPanel>
    );
  }
  const shown = view.revealed ? view.value : '*'.repeat(view.value.length);
  return (
    <StepPanel
      title={title}
      why={why}
      width={width}
      hints={[
        { key: 'Enter', action: 'accept' },
        { key: 'r', action: 'new' },
        { key: 'v', action: view.revealed ? 'hide' : 'show' },
        { key: 'e', action: 'own' },
        { key: 'k', action: 'keep' },
        { key: 'Esc', action: 'back' },
      ]}
    >
      <Tinted tone="accent">{`Secret for ${view.user} (${view.value.length} characters)`}</Tinted>
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
