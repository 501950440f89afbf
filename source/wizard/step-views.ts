/**
 * What each asking screen shows, computed from the wizard's state in the core, so the views in
 * components/ take only the narrow state they render (issue 9): a question with the step's earlier
 * answers, the builder secret screen, the connection test. Pure functions of the state.
 */
import { backendOf } from '../answers/answer-defaults';
import { validateAnswerField } from '../answers/resolve-answers';
import { getField } from '../answers/answer-fields';
import { defaultAnswer } from './defaults';
import { QUESTIONS, questionApplies, WIZARD_STEPS, type Question, type QuestionChoice } from './questions';
import type { TextDraft } from './text-draft';
import { atFirstQuestion, editableField, type WizardState } from './wizard-state';

export interface AnsweredRow {
  readonly label: string;
  readonly value: string;
}

export interface QuestionView {
  readonly question: Question;
  /** the step's questions answered before this one (secrets masked) */
  readonly earlier: readonly AnsweredRow[];
  readonly draft: TextDraft;
  /** a select question's choices, and the highlighted one */
  readonly choices: readonly QuestionChoice[];
  readonly selected: number;
  /** Esc leaves the wizard (the first question) instead of going back */
  readonly escQuits: boolean;
}

export function questionView(state: WizardState, question: Question): QuestionView {
  const earlier: AnsweredRow[] = [];
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
    earlier.push({ label: other.label, value: shown });
  }
  return {
    question,
    earlier,
    draft: state.draft,
    choices: question.kind === 'select' ? question.choices(state.input, state.context) : [],
    selected: state.choice,
    escQuits: atFirstQuestion(state),
  };
}

export type SecretView =
  | { readonly mode: 'typing'; readonly draft: TextDraft; readonly error: string | undefined }
  | { readonly mode: 'keep'; readonly profile: string }
  | { readonly mode: 'generated'; readonly user: string; readonly value: string; readonly revealed: boolean };

export function secretView(state: WizardState): SecretView {
  const { secret } = state;
  if (secret.typing) {
    return { mode: 'typing', draft: secret.draft, error: secret.draft.text === '' ? undefined : validateAnswerField('builder.secretKey', secret.draft.text) };
  }
  // The builder's user and profile are asked before this step: name the ones answered (or offered).
  if (secret.keepProfile) return { mode: 'keep', profile: String(defaultAnswer('builder.profile', state.input, state.known, state.context)) };
  return { mode: 'generated', user: String(defaultAnswer('builder.accessKey', state.input, state.known, state.context)), value: secret.value, revealed: secret.revealed };
}

export type ConnectionView =
  | { readonly mode: 'testing' | 'detecting'; readonly endpoint: string; readonly target: string }
  | { readonly mode: 'failed'; readonly target: string; readonly message: string; readonly field: string; readonly fieldLabel: string };

export function connectionView(state: WizardState): ConnectionView {
  const endpoint = state.input.endpoint ?? '(no endpoint)';
  const target = `${endpoint} as ${backendOf(state.input)}`;
  const { phase } = state;
  if (phase.name === 'connection-failed') {
    const field = editableField(state, phase.field ?? 'endpoint');
    const question = QUESTIONS.find((q) => q.field === field);
    return { mode: 'failed', target, message: phase.message, field, fieldLabel: question ? `${question.label} (${field})` : field };
  }
  return { mode: phase.name === 'detecting' ? 'detecting' : 'testing', endpoint, target };
}

export interface RevisitableStep {
  readonly id: string;
  readonly title: string;
  /** the field of its first question that applies: where going back to it lands */
  readonly field: string;
}

/**
 * The steps the review can jump back to (instead of Esc through every question): each wizard
 * step with a question that applies to these answers, in order, and the field it opens at.
 */
export function revisitableSteps(state: Pick<WizardState, 'input' | 'context'>): RevisitableStep[] {
  return WIZARD_STEPS.flatMap((step) => {
    const first = QUESTIONS.find((q) => q.step === step.id && q.field !== '@source' && q.kind !== 'notice' && questionApplies(q, state.input, state.context));
    return first ? [{ id: step.id, title: step.title, field: first.field }] : [];
  });
}
