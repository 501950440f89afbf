/**
 * The review: first a spinner while every server step is checked read-only and the files are
 * rendered; then the steps with their state and command and the files with their diff, scrolled
 * within the screen, and a confirmation. Nothing has been changed or written at this point.
 */
import { Box } from 'ink';
import Spinner from 'ink-spinner';
import type { WizardState } from '../../source/wizard/wizard-state';
import { clampRows, wrapLine } from '../../source/text/wrap-line';
import { LineViewport, scrollPosition } from '../line-viewport/line-viewport';
import { StepPanel } from '../step-panel/step-panel';
import { Tinted } from '../theme/theme';
import { WIZARD_STEPS } from '../../source/wizard/questions';
import { reviewViewport } from './review-lines';
import { ChoiceList } from '../choice-list/choice-list';
import type { RevisitableStep } from '../../source/wizard/step-views';

export interface ReviewStepProps {
  readonly phase: WizardState['phase'];
  readonly review: WizardState['review'];
  /** first row shown (the UI's, clamped by the review's keys) */
  readonly scroll: number;
  readonly width: number;
  /** rows the panel may take */
  readonly height: number;
  /** the highlighted step of the "go back to" list, while it is open */
  readonly jump?: number | undefined;
  /** the steps that list offers (source/wizard/step-views.ts) */
  readonly steps?: readonly RevisitableStep[];
}

const STEP = WIZARD_STEPS.find((s) => s.id === 'review');
const WHY = STEP?.why ?? '';

export const REVIEW_WHY = WHY;

export function ReviewStep({ phase, review, scroll, width, height, jump, steps = [] }: ReviewStepProps) {
  const { lines, page } = reviewViewport(review, width, height, WHY);

  if (phase.name === 'preparing') {
    return (
      <StepPanel title="review" why={WHY} width={width} hints={[{ key: 'Esc', action: 'back' }, { key: 'Ctrl-C', action: 'cancel' }]}>
        <Box>
          <Tinted tone="accent">
            <Spinner type="dots" />
          </Tinted>
          <Tinted>{` ${phase.progress ?? 'Preparing the plan…'}`}</Tinted>
        </Box>
      </StepPanel>
    );
  }
  if (phase.name === 'prepare-failed') {
    return (
      <StepPanel title="review" why={WHY} width={width} hints={[{ key: 'r', action: 'retry' }, { key: 'Esc', action: 'back' }, { key: 'Ctrl-C', action: 'cancel' }]}>
        <Tinted tone="error">✘ Could not prepare the plan</Tinted>
        {clampRows(wrapLine(phase.message, width - 2), 10).map((row, i) => (
          <Tinted key={i}>{`  ${row}`}</Tinted>
        ))}
        {phase.field ? <Tinted tone="warning">{`Fix: ${phase.field} (Esc to go back to it)`}</Tinted> : null}
      </StepPanel>
    );
  }
  if (jump !== undefined) {
    return (
      <StepPanel title="review — go back to" why={WHY} width={width} hints={[{ key: '↑↓', action: 'choose' }, { key: 'Enter', action: 'go there' }, { key: 'Esc', action: 'close' }]}>
        <Tinted tone="accent">Go back to which step? Every answer is kept.</Tinted>
        <ChoiceList choices={steps.map((step) => ({ label: step.title, value: step.id }))} selected={jump} width={width} />
      </StepPanel>
    );
  }
  const position = scrollPosition(lines.length, scroll, page);
  // Short enough for the 59 columns of the panel at 80 columns; PgUp/PgDn are named in the title.
  const hints = [
    { key: 'Enter', action: 'apply' },
    ...(position ? [{ key: '↑↓', action: 'scroll' }] : []),
    { key: 'v', action: review?.revealed ? 'mask' : 'reveal' },
    { key: 'g', action: 'step' },
    { key: 'Esc', action: 'back' },
    // Without scrolling there is room for Ctrl-C too (it cancels on every screen).
    ...(position ? [] : [{ key: '^C', action: 'cancel' }]),
  ];
  return (
    <StepPanel title={position ? `review  (${position}, PgUp/PgDn)` : 'review'} why={WHY} width={width} hints={hints}>
      <LineViewport lines={lines} scroll={scroll} height={page} width={width} />
    </StepPanel>
  );
}
