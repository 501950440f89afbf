/**
 * A list of choices with one highlighted. Rendering only: the screen's key hook moves the
 * highlight (ink-select-input would mount a second `useInput`; the wizard keeps one).
 */
import { Box } from 'ink';
import { truncate } from '../../source/text/wrap-line';
import { Tinted } from '../theme/theme';
import type { QuestionChoice } from '../../source/wizard/questions';

export interface ChoiceListProps {
  readonly choices: readonly QuestionChoice[];
  readonly selected: number;
  readonly width: number;
}

export function ChoiceList({ choices, selected, width }: ChoiceListProps) {
  return (
    <Box flexDirection="column" width={width}>
      {choices.map((choice, index) => {
        const isSelected = index === selected;
        const label = `${isSelected ? '❯' : ' '} ${choice.label}`;
        const hint = choice.hint ? truncate(`  ${choice.hint}`, Math.max(0, width - label.length)) : '';
        return (
          <Box key={choice.value} width={width}>
            <Tinted tone={isSelected ? 'selected' : 'plain'}>{label}</Tinted>
            {hint ? <Tinted tone="muted">{hint}</Tinted> : null}
          </Box>
        );
      })}
    </Box>
  );
}
