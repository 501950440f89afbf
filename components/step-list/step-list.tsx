/**
 * The wizard's steps down the left side, each with its state: ✔ answered, ▸ current, · pending,
 * – not needed for this backend, ✘ failed. The marks carry the meaning, so the list reads the same
 * without colour (NO_COLOR).
 */
import { Box } from 'ink';
import type { StepListState } from '../../source/wizard/wizard-state';
import { Tinted, type Tone } from '../theme/theme';
import { WIZARD_STEPS, type WizardStepId } from '../../source/wizard/questions';

const MARKS: Record<StepListState, { mark: string; tone: Tone }> = {
  done: { mark: '✔', tone: 'success' },
  current: { mark: '▸', tone: 'selected' },
  pending: { mark: '·', tone: 'muted' },
  'not-needed': { mark: '–', tone: 'muted' },
  failed: { mark: '✘', tone: 'error' },
};

export interface StepListProps {
  readonly states: Readonly<Record<WizardStepId, StepListState>>;
  /** the column's width, including the gap to the panel */
  readonly width: number;
}

export function StepList({ states, width }: StepListProps) {
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {WIZARD_STEPS.map((step) => {
        const { mark, tone } = MARKS[states[step.id]];
        return (
          <Box key={step.id} width={width - 1}>
            <Tinted tone={tone}>{`${mark} ${step.title}`}</Tinted>
          </Box>
        );
      })}
    </Box>
  );
}
