/**
 * A step's question: a line of text (checked live against the same rules as an answers file, the
 * broken rule shown under the field), a list of choices, or a notice with nothing to answer.
 */
import { Box } from 'ink';
import { atFirstQuestion, type WizardState } from '../../source/wizard/wizard-state';
import { ChoiceList } from '../choice-list/choice-list';
import { wrapLine } from '../../source/output/wrap-line';
import { StepPanel } from '../step-panel/step-panel';
import { TextField } from '../text-field/text-field';
import { Tinted } from '../theme/theme';
import { getField } from '../../source/wizard/answer-fields';
import { QUESTIONS, questionApplies, WIZARD_STEPS, type Question } from '../../source/wizard/questions';

export interface QuestionStepProps {
  readonly state: WizardState;
  readonly question: Question;
  readonly width: number;
}

/** The step's other questions already answered, shown above the current one. */
function earlierAnswers(state: WizardState, question: Question): { label: string; value: string }[] {
  const rows: { label: string; value: string }[] = [];
  for (const other of QUESTIONS) {
    if (other === question) break;
    if (other.step !== question.step || !questionApplies(other, state.input, state.context)) continue;
    if (other.kind !== 'text' && other.kind !== 'select') continue;
    const value = getField(state.input, other.field);
    if (value === undefined) continue;
    const shown =
      other.kind === 'text'
        ? other.secret
          ? '********'
          : String(value)
        : (other.choices(state.input, state.context).find((c) => c.value === String(value))?.label ?? String(value));
    rows.push({ label: other.label, value: shown });
  }
  return rows;
}

export function QuestionStep({ state, question, width }: QuestionStepProps) {
  const step = WIZARD_STEPS.find((s) => s.id === question.step);
  const error = question.kind === 'text' ? (() => {
    const parsed = question.parse(state.draft.text);
    return parsed.ok ? undefined : parsed.message;
  })() : undefined;
  // An empty required field is not an error yet: say it only once something was typed.
  const showError = error !== undefined && !(error === 'is required' && state.draft.text === '');
  const esc = { key: 'Esc', action: atFirstQuestion(state) ? 'quit' : 'back' };
  const hints =
    question.kind === 'select'
      ? [{ key: '↑↓', action: 'choose' }, { key: 'Enter', action: 'accept' }, esc, { key: 'Ctrl-C', action: 'cancel' }]
      : [{ key: 'Enter', action: question.kind === 'notice' ? 'continue' : 'accept' }, esc, { key: 'Ctrl-C', action: 'cancel' }];
  return (
    <StepPanel title={step?.title ?? question.step} why={step?.why ?? ''} width={width} hints={hints}>
      {earlierAnswers(state, question).map((row) => (
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
          <TextField draft={state.draft} width={width} secret={question.secret ?? false} placeholder={question.placeholder} />
          {showError ? (
            <Box flexDirection="column">
              {wrapLine(`✘ ${question.field} ${error}`, width, '  ').map((row, i) => (
                <Tinted key={i} tone="error">{row}</Tinted>
              ))}
            </Box>
          ) : null}
        </>
      ) : null}
      {question.kind === 'select' ? <ChoiceList choices={question.choices(state.input, state.context)} selected={state.choice} width={width} /> : null}
      {question.kind === 'notice'
        ? wrapLine(question.text, width).map((row, i) => <Tinted key={i}>{row}</Tinted>)
        : null}
    </StepPanel>
  );
}
