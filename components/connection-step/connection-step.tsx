/**
 * Testing the connection before going on: a spinner while the admin login (or, on plain S3, the
 * builder login) is tried against the endpoint, then on failure what went wrong and which answer
 * to fix, on the same screen, with keys to edit that answer and to try again.
 */
import { Box } from 'ink';
import Spinner from 'ink-spinner';
import type { ConnectionView } from '../../source/wizard/step-views';
import { clampRows, wrapLine } from '../../source/text/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { Tinted } from '../theme/theme';
import { WIZARD_STEPS } from '../../source/wizard/questions';

export interface ConnectionStepProps {
  /** what the screen shows (source/wizard/step-views.ts) */
  readonly view: ConnectionView;
  readonly width: number;
}

const STEP = WIZARD_STEPS.find((s) => s.id === 'backend');

export function ConnectionStep({ view, width }: ConnectionStepProps) {
  if (view.mode === 'failed') {
    const { field, target } = view;
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
          {clampRows(wrapLine(view.message, width - 2), 8).map((row, i) => (
            <Tinted key={i}>{`  ${row}`}</Tinted>
          ))}
        </Box>
        <Box marginTop={1}>
          <Tinted tone="warning">{`Fix: ${view.fieldLabel}`}</Tinted>
        </Box>
      </StepPanel>
    );
  }
  const doing = view.mode === 'detecting' ? `Looking at what ${view.endpoint} holds already…` : `Testing ${view.target}…`;
  return (
    <StepPanel title={view.mode === 'detecting' ? 'existing setup' : 'connection test'} why={STEP?.why ?? ''} width={width} hints={[{ key: 'Esc', action: 'back' }, { key: 'Ctrl-C', action: 'cancel' }]}>
      <Box>
        <Tinted tone="accent">
          <Spinner type="dots" />
        </Tinted>
        <Tinted>{` ${doing}`}</Tinted>
      </Box>
    </StepPanel>
  );
}
