/** The opening menu of a remembered setup (SPEC 8): what to do with it. */
import type { MenuEntry } from '../../source/wizard/menu';
import { wrapLine } from '../../source/text/wrap-line';
import { ChoiceList } from '../choice-list/choice-list';
import { StepPanel } from '../step-panel/step-panel';
import { Tinted } from '../theme/theme';

export interface MenuStepProps {
  /** the remembered setup, as "endpoint/bucket" */
  readonly setup: string;
  /** the entries, from menuEntries */
  readonly entries: readonly MenuEntry[];
  readonly selected: number;
  readonly width: number;
}

const WHY = 'A setup was found from your last successful run. Every choice starts from its answers; secrets are asked again, never remembered.';

export function MenuStep({ setup, entries, selected, width }: MenuStepProps) {
  return (
    <StepPanel title="welcome back" why={WHY} width={width} hints={[{ key: '↑↓', action: 'choose' }, { key: 'Enter', action: 'go' }, { key: 'Esc', action: 'quit' }]}>
      {wrapLine(`Your setup: ${setup}`, width, '  ').map((row, i) => (
        <Tinted key={i}>{row}</Tinted>
      ))}
      <Tinted tone="accent">What would you like to do with it?</Tinted>
      <ChoiceList choices={entries} selected={selected} width={width} />
    </StepPanel>
  );
}
