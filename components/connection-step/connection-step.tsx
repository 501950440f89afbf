/**
 * Testing the connection before going on: a spinner while the admin login (or, on plain S3, the
 * builder login) is tried against the endpoint, then on failure what went wrong and which answer
 * to fix, on the same screen, with keys to edit that answer and to try again.
 */
import { Box } from 'ink';
import Spinner from 'ink-spinner';
import { editableField, type WizardState } from '../../source/wizard/wizard-state';
import { clampRows, wrapLine } from '../../source/output/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { Tinted } from '../theme/theme';
import { QUESTIONS, WIZARD_STEPS } from '../../source/wizard/questions';

export interface ConnectionStepProps {
  readonly state: WizardState;
  readonly width: number;
}

const STEP = WIZARD_STEPS.find((s) => s.id === 'backend');

function fieldLabel(field: string): string {
  const question = QUESTIONS.find((q) => q.field === field);
  return question ? `${question.label} (${field})` : field;
}

export function ConnectionStep({ state, width }: ConnectionStepProps) {
  const { phase } = state;
  const target = `${state.input.endpoint ?? '(no endpoint)'} as ${state.input.backend ?? 'minio'}`;
  if (phase.name === 'connection-failed') {
    const field = editableField(state, phase.field ?? 'endpoint');
    return (
      <StepPanel
        title="connection test"
        why={STEP?.why ?? ''}
        width={width}
        hints={[
          { key: 'e', action: `edit ${field}` },
          { key: 'r', action: 'retry' },
          { key: 'Esc', action: 'back' },
          { key: 'Ctrl-C', action: 'cancel' },
        ]}
      >
        <Tinted tone="error">{`✘ Could not connect to ${target}`}</Tinted>
        <Box flexDirection="column">
          {clampRows(wrapLine(phase.message, width - 2), 8).map((row, i) => (
            <Tinted key={i}>{`  ${row}`}</Tinted>
          ))}
        </Box>
        <Box marginTop={1}>
          <Tinted tone="warning">{`Fix: ${fieldLabel(field)}`}</Tinted>
        </Box>
      </StepPanel>
    );
  }
  const doing = phase.name === 'detecting' ? `Looking at what ${state.input.endpoint ?? '(no endpoint)'} holds already…` : `Testing ${target}…`;
  return (
    <StepPanel title={phase.name === 'detecting' ? 'existing setup' : 'connection test'} why={STEP?.why ?? ''} width={width} hints={[{ key: 'Esc', action: 'back' }, { key: 'Ctrl-C', action: 'cancel' }]}>
      <Box>
        <Tinted tone="accent">
          <Spinner type="dots" />
        </Tinted>
        <Tinted>{` ${doing}`}</Tinted>
      </Box>
    </StepPanel>
  );
}
