/**
 * A step's question: a line of text (checked live against the same rules as an answers file, the
 * broken rule shown under the field), a list of choices, or a notice with nothing to answer.
 */
import { Box } from 'ink';
import type { QuestionView } from '../../source/wizard/step-views';
import { ChoiceList } from '../choice-list/choice-list';
import { truncate, wrapLine } from '../../source/text/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { TextField } from '../text-field/text-field';
import { Tinted } from '../theme/theme';
import { WIZARD_STEPS } from '../../source/wizard/questions';

export interface QuestionStepProps {
  /** the question and what it shows (source/wizard/step-views.ts) */
  readonly view: QuestionView;
  readonly width: number;
}

export function QuestionStep({ view, width }: QuestionStepProps) {
  const { question, draft } = view;
  const step = WIZARD_STEPS.find((s) => s.id === question.step);
  const error = question.kind === 'text' ? (() => {
    const parsed = question.parse(draft.text);
    return parsed.ok ? undefined : parsed.message;
  })() : undefined;
  // An empty required field is not an error yet, but Enter does nothing there: say why, quietly.
  const emptyRequired = error === 'is required' && draft.text === '';
  const showError = error !== undefined && !emptyRequired;
  const esc = { key: 'Esc', action: view.escQuits ? 'quit' : 'back' };
  const hints =
    question.kind === 'select'
      ? [{ key: '↑↓', action: 'choose' }, { key: 'Enter', action: 'accept' }, esc, { key: 'Ctrl-C', action: 'cancel' }]
      : [{ key: 'Enter', action: question.kind === 'notice' ? 'continue' : 'accept' }, esc, { key: 'Ctrl-C', action: 'cancel' }];
  return (
    <StepPanel title={step?.title ?? question.step} why={step?.why ?? ''} width={width} hints={hints}>
      {view.earlier.map((row) => (
        <Tinted key={row.label} tone="muted">{`✔ ${row.label}: ${row.value}`}</Tinted>
      ))}
      <Tinted tone="accent">{question.label}</Tinted>
      {question.help
        ? wrapLine(question.help, width).map((row, i) => (
            <Tinted key={`help-${i}`} tone="muted">
              {row}
            </Tinted>
          ))
        : null}
      {question.kind === 'text' ? (
        <>
          <TextField draft={draft} width={width} secret={question.secret ?? false} placeholder={question.placeholder} />
          {emptyRequired ? <Tinted tone="muted">{truncate(`${question.field} is required: type a value, then Enter`, width)}</Tinted> : null}
          {showError ? (
            <Box flexDirection="column">
              {wrapLine(`✘ ${question.field} ${error}`, width, '  ').map((row, i) => (
                <Tinted key={i} tone="error">{row}</Tinted>
              ))}
            </Box>
          ) : null}
        </>
      ) : null}
      {question.kind === 'select' ? <ChoiceList choices={view.choices} selected={view.selected} width={width} /> : null}
      {question.kind === 'notice'
        ? wrapLine(question.text, width).map((row, i) => <Tinted key={i}>{row}</Tinted>)
        : null}
    </StepPanel>
  );
}
