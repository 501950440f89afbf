/**
 * The wizard's one state machine (STYLE 4): a reducer over a discriminated union of actions,
 * pure and free of React, keys, screen size and layout, so it is unit-tested on its own and both
 * front ends walk it: the full-screen UI (components/, which turns keys into these actions and
 * scrolls its own views) and the plain prompts (`--plain`). The calls to the server and the disk
 * (detecting an existing setup, the connection test, the plan, apply) are made by one phase runner
 * (run-phase.ts) when the phase asks for them, and report back with actions.
 *
 * Moving forward skips questions answered beforehand (an answers file, the environment, an mc
 * alias); Esc walks back through every question that applies, pre-filled or not, and keeps every
 * answer. Remembered answers and what the server shows are defaults, not answers: each question
 * is asked with them pre-filled (defaults.ts). Entering the backend step first looks at what the
 * server holds already; crossing from the backend step to the next one runs the connection test,
 * unless it already passed for the same connection answers.
 */
import type { AnswersInput } from '../answers/answers-schema';
import { StoppedError } from '../errors';
import type { ApplyResult, FilePreview, SetupPlan } from '../session/setup-session';
import type { StepEvent } from '../steps/run-steps';
import type { StepReport } from '../steps/server-step';
import { getField, mergeAnswers, setField } from '../answers/answer-fields';
import { defaultAnswer, knownAnswers, NOTHING_KNOWN, rememberedFor, type KnownSetup } from './defaults';
import { menuEntries, type MenuEntry, type MenuItem } from './menu';
import {
  ALIAS_FIELDS,
  answeredBeforehand,
  applySourceChoice,
  connectionKey,
  QUESTIONS,
  questionApplies,
  TYPE_ENDPOINT,
  WIZARD_STEPS,
  type Question,
  type QuestionContext,
  type WizardStepId,
} from './questions';
import { textDraft, type TextDraft } from './text-draft';

export type Phase =
  /** the opening menu of a remembered setup */
  | { readonly name: 'menu' }
  /** a menu entry other than "update" was chosen: the wizard closes and that command runs */
  | { readonly name: 'chosen'; readonly item: MenuItem }
  | { readonly name: 'asking' }
  /** looking at what the server holds already (backend, expiry, anonymous access), for the defaults */
  | { readonly name: 'detecting' }
  | { readonly name: 'testing-connection' }
  | { readonly name: 'connection-failed'; readonly message: string; readonly field: string | undefined }
  | { readonly name: 'preparing'; readonly progress: string | undefined }
  | { readonly name: 'prepare-failed'; readonly message: string; readonly field: string | undefined }
  | { readonly name: 'review' }
  | { readonly name: 'applying' }
  | { readonly name: 'applied' }
  | { readonly name: 'cancelled' }
  /** the end screen was dismissed: the app exits with the apply result */
  | { readonly name: 'finished' };

export interface BuilderSecretState {
  readonly value: string;
  readonly revealed: boolean;
  /** typing one's own secret instead of the generated one */
  readonly typing: boolean;
  /**
   * Use the secret already in the AWS profile (a re-run for an existing builder user) instead of
   * the one shown: the answer is left out and the session takes the profile's, or generates one
   * when there is none. Without it a re-run would offer a new secret the existing user does not
   * have, and the user step would stop at a conflict (a secret is never reset silently).
   */
  readonly keepProfile: boolean;
  readonly draft: TextDraft;
}

export interface ReviewState {
  readonly plan: SetupPlan;
  readonly reports: readonly StepReport[];
  readonly previews: readonly FilePreview[];
  readonly revealed: boolean;
}

export type ApplyStepState =
  /** `retrying`: a request of the step is being sent again, and why (run-steps' retryText) */
  | { readonly state: 'checking' | 'applying'; readonly retrying?: string }
  | { readonly state: 'finished'; readonly report: StepReport };

export interface ApplyState {
  readonly steps: Readonly<Record<string, ApplyStepState>>;
  readonly result: ApplyResult | undefined;
  /** an unexpected failure (a bug, not a step error): shown with r to retry */
  readonly crash: string | undefined;
  /** Ctrl-C while applying: the running step finishes, then the run stops */
  readonly stopping: boolean;
}

export interface WizardState {
  readonly context: QuestionContext;
  /** the answers: given beforehand or answered in the wizard */
  readonly input: AnswersInput;
  /** remembered answers and what the server and files show: the defaults of a re-run */
  readonly known: KnownSetup;
  /** detectionKey() of the connection the server was last looked at with */
  readonly detectedFor: string | undefined;
  /**
   * Index in QUESTIONS of the question shown (phase `asking`), or where the flow resumes after the
   * connection test; QUESTIONS.length means after the last question.
   */
  readonly position: number;
  /** questions skipped on the way forward: answered beforehand or by the chosen mc alias */
  readonly skipped: ReadonlySet<string>;
  /** questions the user answered */
  readonly answered: ReadonlySet<string>;
  /** the text being typed for the current text question */
  readonly draft: TextDraft;
  /** the highlighted choice of the current select question, or of the menu */
  readonly choice: number;
  readonly secret: BuilderSecretState;
  /** connectionKey() of the answers the connection test passed with */
  readonly connectionOkFor: string | undefined;
  readonly connectionDetail: string | undefined;
  /** bumped each time a session call should run (again), so the effect re-runs on retry */
  readonly runId: number;
  readonly phase: Phase;
  readonly review: ReviewState | undefined;
  readonly apply: ApplyState | undefined;
}

export type WizardAction =
  | { readonly type: 'choose'; readonly item: MenuItem }
  | { readonly type: 'detected'; readonly answers: AnswersInput }
  | { readonly type: 'answer'; readonly value: unknown }
  | { readonly type: 'edit-draft'; readonly draft: TextDraft }
  | { readonly type: 'move-choice'; readonly delta: number }
  | { readonly type: 'go-back' }
  | { readonly type: 'cancel' }
  | { readonly type: 'set-connection-status'; readonly status: { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly message: string; readonly field?: string } }
  | { readonly type: 'edit-field'; readonly field: string }
  | { readonly type: 'retry' }
  | { readonly type: 'set-secret'; readonly secret: string }
  | { readonly type: 'toggle-secret-reveal' }
  | { readonly type: 'toggle-keep-profile-secret' }
  | { readonly type: 'type-own-secret' }
  | { readonly type: 'edit-secret-draft'; readonly draft: TextDraft }
  | { readonly type: 'stop-typing-secret' }
  | { readonly type: 'plan-progress'; readonly text: string }
  | { readonly type: 'plan-ready'; readonly plan: SetupPlan; readonly reports: readonly StepReport[]; readonly previews: readonly FilePreview[] }
  | { readonly type: 'plan-failed'; readonly message: string; readonly field?: string }
  | { readonly type: 'toggle-review-reveal' }
  | { readonly type: 'confirm' }
  | { readonly type: 'apply-event'; readonly event: StepEvent }
  | { readonly type: 'apply-finished'; readonly result: ApplyResult }
  | { readonly type: 'apply-crashed'; readonly message: string }
  | { readonly type: 'finish' };

export interface InitialWizardInput {
  readonly initial: AnswersInput;
  readonly context: QuestionContext;
  /** a freshly generated builder secret, offered on the builder secret step */
  readonly generatedSecret: string;
  /** remembered answers and what the files show @default nothing known */
  readonly known?: KnownSetup;
  /** open with the menu of a remembered setup @default false */
  readonly menu?: boolean;
}

const END = QUESTIONS.length;
const BACKEND_STEP_INDEX = WIZARD_STEPS.findIndex((s) => s.id === 'backend');
/** The answers that what the server shows can default. */
const DETECTED_FIELDS = ['backend', 'anonymous', 'expireDays'] as const;
/**
 * The names that what the server and the files show can default (detect-from-files.ts): each
 * counts while a question that applies asks it (no policy name on Ceph, no reader on a public cache).
 */
const NAME_FIELDS = ['builder.accessKey', 'builder.profile', 'reader.accessKey', 'reader.profile', 'policyName', 'alias', 'key.name', 'key.secretFile', 'key.publicFile'] as const;
const stepIndex = (id: WizardStepId) => WIZARD_STEPS.findIndex((s) => s.id === id);

function applies(state: WizardState, index: number): boolean {
  const question = QUESTIONS[index];
  return question !== undefined && questionApplies(question, state.input, state.context);
}

/** True when the question shown is the first that applies: Esc there leaves the wizard. */
export function atFirstQuestion(state: WizardState): boolean {
  return state.phase.name === 'asking' && !state.secret.typing && previous(state, state.position) === undefined;
}

/** The question shown, when the wizard is asking. */
export function currentQuestion(state: WizardState): Question | undefined {
  return state.phase.name === 'asking' ? QUESTIONS[state.position] : undefined;
}

/** What a question offers when it opens: its answer so far, else its default (defaults.ts). */
export function offeredAnswer(state: Pick<WizardState, 'input' | 'known' | 'context'>, question: Question): unknown {
  return defaultAnswer(question.field, state.input, state.known, state.context);
}

/** Sets up the draft, the highlighted choice or the secret panel for the question at `index`. */
function enter(state: WizardState, index: number): WizardState {
  const question = QUESTIONS[index];
  const base: WizardState = { ...state, position: index, phase: { name: 'asking' } };
  if (!question) return base;
  if (question.kind === 'text') return { ...base, draft: textDraft(question.format(offeredAnswer(state, question))) };
  if (question.kind === 'select') {
    const choices = question.choices(state.input, state.context);
    const wanted = question.initialValue
      ? question.initialValue(mergeAnswers(knownAnswers(state.known, state.input), state.input), state.context)
      : String(offeredAnswer(state, question));
    return { ...base, choice: Math.max(0, choices.findIndex((c) => c.value === wanted)) };
  }
  if (question.kind === 'builder-secret') {
    const given = getField(state.input, 'builder.secretKey');
    const value = typeof given === 'string' ? given : state.secret.value;
    // Asked after the builder user and its profile: until the user chooses here, keeping the
    // profile's secret is offered exactly when that profile holds that user's keys.
    const keepProfile = state.answered.has(question.id) ? state.secret.keepProfile : profileHoldsBuilder(state.input, state.known, state.context);
    return { ...base, secret: { ...state.secret, value, typing: false, revealed: false, keepProfile } };
  }
  return base;
}

function needsConnectionTest(state: WizardState, target: number): boolean {
  const question = QUESTIONS[target];
  const targetStep = question ? stepIndex(question.step) : WIZARD_STEPS.length;
  return targetStep > BACKEND_STEP_INDEX && state.connectionOkFor !== connectionKey(state.input);
}

/** The answers looking at the server depends on; a change to any of them means looking again. */
export function detectionKey(state: Pick<WizardState, 'input' | 'known' | 'context'>): string {
  const { input } = state;
  const bucket = defaultAnswer('bucket', input, state.known, state.context);
  // The anonymous mode too: choosing a private cache adds the reader, whose name is looked for then.
  return JSON.stringify([input.endpoint, input.region, input.caFile, input.insecure, input.admin?.accessKey, input.admin?.secretKey, input.admin?.mcAlias, bucket, input.anonymous]);
}

/**
 * True when entering `target` should first look at the server: on the way into the backend step
 * or beyond, once per connection, while one of the answers it can default is neither given nor
 * remembered.
 */
function needsDetection(state: WizardState, target: number): boolean {
  const question = QUESTIONS[target];
  const targetStep = question ? stepIndex(question.step) : WIZARD_STEPS.length;
  if (targetStep < BACKEND_STEP_INDEX || state.input.endpoint === undefined) return false;
  if (state.detectedFor === detectionKey(state)) return false;
  const open = (field: string) => getField(state.input, field) === undefined && getField(rememberedFor(state.known, state.input), field) === undefined;
  const asked = (field: string) => QUESTIONS.some((q) => q.field === field && questionApplies(q, state.input, state.context));
  return DETECTED_FIELDS.some(open) || NAME_FIELDS.some((field) => open(field) && asked(field));
}

/** Goes to `target` (a question index or END), looking at the server, testing the connection or preparing the plan on the way. */
function proceedTo(state: WizardState, target: number): WizardState {
  if (needsDetection(state, target)) {
    return { ...state, position: target, phase: { name: 'detecting' }, runId: state.runId + 1 };
  }
  if (needsConnectionTest(state, target)) {
    return { ...state, position: target, phase: { name: 'testing-connection' }, runId: state.runId + 1 };
  }
  if (target >= END) {
    return { ...state, position: END, phase: { name: 'preparing', progress: undefined }, runId: state.runId + 1, review: undefined };
  }
  return enter(state, target);
}

function nextForward(state: WizardState, from: number): number {
  for (let index = from + 1; index < END; index++) {
    const question = QUESTIONS[index];
    if (question && applies(state, index) && !state.skipped.has(question.id)) return index;
  }
  return END;
}

function previous(state: WizardState, from: number): number | undefined {
  for (let index = Math.min(from, END) - 1; index >= 0; index--) {
    if (applies(state, index)) return index;
  }
  return undefined;
}

/** The opening menu's entries for this setup (the answers given, else the remembered ones). */
export function menuOf(state: Pick<WizardState, 'input' | 'known'>): readonly MenuEntry[] {
  return menuEntries(state.input.anonymous ?? state.known.remembered.anonymous);
}

export function createInitialState({ initial, context, generatedSecret, known = NOTHING_KNOWN, menu = false }: InitialWizardInput): WizardState {
  const skipped = new Set(QUESTIONS.filter((q) => answeredBeforehand(q, initial, context)).map((q) => q.id));
  const given = initial.builder?.secretKey;
  // A re-run for a builder whose keys the AWS profile already holds keeps that secret by default:
  // a new one would only meet the user step's conflict (the server's user has the old one).
  const keepProfile = profileHoldsBuilder(initial, known, context);
  const state: WizardState = {
    input: initial,
    known,
    context,
    detectedFor: undefined,
    position: -1,
    skipped,
    answered: new Set(),
    draft: textDraft(''),
    choice: 0,
    secret: { value: given ?? generatedSecret, revealed: false, typing: false, keepProfile, draft: textDraft('') },
    connectionOkFor: undefined,
    connectionDetail: undefined,
    runId: 0,
    phase: { name: 'asking' },
    review: undefined,
    apply: undefined,
  };
  return menu ? { ...state, phase: { name: 'menu' } } : proceedTo(state, nextForward(state, -1));
}

/**
 * True when no builder secret is given and the AWS profile the builder will use already holds that
 * builder's access key: a re-run for an existing user keeps that secret by default (a new one would
 * only meet the user step's conflict: the server's user has the old one).
 */
function profileHoldsBuilder(input: AnswersInput, known: KnownSetup, context: QuestionContext): boolean {
  if (input.builder?.secretKey !== undefined) return false;
  const profile = String(defaultAnswer('builder.profile', input, known, context));
  return context.profileAccessKeys?.[profile] === defaultAnswer('builder.accessKey', input, known, context);
}

const NEW_APPLY: ApplyState = { steps: {}, result: undefined, crash: undefined, stopping: false };

function answer(state: WizardState, value: unknown): WizardState {
  const question = currentQuestion(state);
  if (!question) return state;
  let input = state.input;
  let skipped = state.skipped;
  if (question.field === '@source') {
    const choice = String(value);
    input = applySourceChoice(input, choice, state.context);
    const aliasQuestions = QUESTIONS.filter((q) => (ALIAS_FIELDS as readonly string[]).includes(q.field) && q.step === 'connection').map((q) => q.id);
    const nextSkipped = new Set(skipped);
    for (const id of aliasQuestions) {
      if (choice === TYPE_ENDPOINT) nextSkipped.delete(id);
      else nextSkipped.add(id);
    }
    skipped = nextSkipped;
  } else if (question.kind !== 'notice') {
    input = setField(input, question.field, value);
  }
  // Ceph makes the builder secret itself; one left over from choosing MinIO first must not be sent.
  if (question.field === 'backend' && value === 'ceph') input = setField(input, 'builder.secretKey', undefined);
  const answered = new Set(state.answered).add(question.id);
  const next: WizardState = { ...state, input, skipped, answered };
  return proceedTo(next, nextForward(next, state.position));
}

function goBack(state: WizardState): WizardState {
  switch (state.phase.name) {
    case 'asking': {
      if (state.secret.typing) return { ...state, secret: { ...state.secret, typing: false } };
      const index = previous(state, state.position);
      // Esc on the very first question leaves, like Ctrl-C (errors.ts: CancelledError); nothing was done yet.
      return index === undefined ? { ...state, phase: { name: 'cancelled' } } : enter(state, index);
    }
    case 'menu':
      return { ...state, phase: { name: 'cancelled' } };
    case 'detecting':
    case 'testing-connection':
    case 'connection-failed':
    case 'preparing':
    case 'prepare-failed':
    case 'review': {
      const index = previous(state, state.position);
      return index === undefined ? state : { ...enter(state, index), review: undefined };
    }
    default:
      // Once applying has started there is no going back: the server may have changed.
      return state;
  }
}

/**
 * The answer the user can edit for a failure naming `field`: the field itself when one of the
 * questions that apply asks it, else the endpoint (a CA file named for an http endpoint, a field
 * the UI does not ask).
 */
export function editableField(state: WizardState, field: string): string {
  const index = questionForField(state, field);
  return index === undefined ? field : (QUESTIONS[index]?.field ?? field);
}

function questionForField(state: WizardState, field: string): number | undefined {
  const index = QUESTIONS.findIndex((q, i) => q.field === field && applies(state, i));
  if (index >= 0) return index;
  // Fields asked nowhere in the UI (insecure, adminVia on another backend): back to the endpoint.
  const endpoint = QUESTIONS.findIndex((q) => q.field === 'endpoint');
  return endpoint >= 0 ? endpoint : undefined;
}

function onApplyEvent(apply: ApplyState | undefined, event: StepEvent): ApplyState {
  const base: ApplyState = apply ?? NEW_APPLY;
  if (event.type === 'retrying') {
    const now = base.steps[event.step.id];
    const running = now === undefined || now.state === 'finished' ? 'applying' : now.state;
    return { ...base, steps: { ...base.steps, [event.step.id]: { state: running, retrying: event.notice.text } } };
  }
  const stepState: ApplyStepState =
    event.type === 'finished' ? { state: 'finished', report: event.report } : { state: event.type === 'checking' ? 'checking' : 'applying' };
  return { ...base, steps: { ...base.steps, [event.step.id]: stepState } };
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'choose':
      if (state.phase.name !== 'menu') return state;
      return action.item === 'update' ? proceedTo(state, nextForward(state, -1)) : { ...state, phase: { name: 'chosen', item: action.item } };
    case 'detected': {
      if (state.phase.name !== 'detecting') return state;
      // What was seen with other answers (another bucket) is dropped, not kept under the new
      // findings: a new bucket must not be offered the expiry or anonymous mode of another one.
      return proceedTo({ ...state, known: { ...state.known, detected: action.answers }, detectedFor: detectionKey(state) }, state.position);
    }
    case 'answer':
      return answer(state, action.value);
    case 'edit-draft':
      return { ...state, draft: action.draft };
    case 'move-choice': {
      if (state.phase.name === 'menu') {
        const count = menuOf(state).length;
        return { ...state, choice: (state.choice + action.delta + count) % count };
      }
      const question = currentQuestion(state);
      if (question?.kind !== 'select') return state;
      const count = question.choices(state.input, state.context).length;
      return { ...state, choice: (state.choice + action.delta + count) % count };
    }
    case 'go-back':
      return goBack(state);
    case 'cancel':
      // Applying is not interrupted half-way: the running step finishes, then the run stops (run-phase.ts).
      if (state.phase.name === 'applying') return { ...state, apply: { ...applyStateOf(state.apply), stopping: true } };
      // The end and failure screens exit with the result.
      if (state.phase.name === 'applied' || state.phase.name === 'finished' || state.phase.name === 'chosen') return state;
      return { ...state, phase: { name: 'cancelled' } };
    case 'set-connection-status': {
      if (state.phase.name !== 'testing-connection') return state;
      if (!action.status.ok) {
        return { ...state, phase: { name: 'connection-failed', message: action.status.message, field: action.status.field } };
      }
      const passed: WizardState = { ...state, connectionOkFor: connectionKey(state.input), connectionDetail: action.status.detail };
      return proceedTo(passed, state.position);
    }
    case 'edit-field': {
      const index = questionForField(state, action.field);
      if (index === undefined) return state;
      return { ...enter(state, index), review: undefined };
    }
    case 'retry':
      if (state.phase.name === 'connection-failed') return { ...state, phase: { name: 'testing-connection' }, runId: state.runId + 1 };
      if (state.phase.name === 'prepare-failed') return { ...state, phase: { name: 'preparing', progress: undefined }, runId: state.runId + 1 };
      if (state.phase.name === 'applied' && (state.apply?.result?.error || state.apply?.crash)) {
        return { ...state, phase: { name: 'applying' }, apply: NEW_APPLY, runId: state.runId + 1 };
      }
      return state;
    case 'set-secret':
      return { ...state, secret: { ...state.secret, value: action.secret, typing: false, keepProfile: false } };
    case 'toggle-keep-profile-secret':
      return { ...state, secret: { ...state.secret, keepProfile: !state.secret.keepProfile } };
    case 'toggle-secret-reveal':
      return { ...state, secret: { ...state.secret, revealed: !state.secret.revealed } };
    case 'type-own-secret':
      return { ...state, secret: { ...state.secret, typing: true, draft: textDraft('') } };
    case 'edit-secret-draft':
      return { ...state, secret: { ...state.secret, draft: action.draft } };
    case 'stop-typing-secret':
      return { ...state, secret: { ...state.secret, typing: false } };
    case 'plan-progress':
      return state.phase.name === 'preparing' ? { ...state, phase: { name: 'preparing', progress: action.text } } : state;
    case 'plan-ready':
      if (state.phase.name !== 'preparing') return state;
      return { ...state, phase: { name: 'review' }, review: { plan: action.plan, reports: action.reports, previews: action.previews, revealed: false } };
    case 'plan-failed':
      if (state.phase.name !== 'preparing') return state;
      return { ...state, phase: { name: 'prepare-failed', message: action.message, field: action.field } };
    case 'toggle-review-reveal':
      return state.review ? { ...state, review: { ...state.review, revealed: !state.review.revealed } } : state;
    case 'confirm':
      if (state.phase.name !== 'review' || !state.review) return state;
      return { ...state, phase: { name: 'applying' }, apply: NEW_APPLY, runId: state.runId + 1 };
    case 'apply-event':
      return state.phase.name === 'applying' ? { ...state, apply: onApplyEvent(state.apply, action.event) } : state;
    case 'apply-finished':
      if (state.phase.name !== 'applying') return state;
      return { ...state, phase: { name: 'applied' }, apply: { ...applyStateOf(state.apply), result: action.result } };
    case 'apply-crashed':
      if (state.phase.name !== 'applying') return state;
      return { ...state, phase: { name: 'applied' }, apply: { ...applyStateOf(state.apply), crash: action.message } };
    case 'finish':
      return state.phase.name === 'applied' ? { ...state, phase: { name: 'finished' } } : state;
  }
}

function applyStateOf(apply: ApplyState | undefined): ApplyState {
  return apply ?? NEW_APPLY;
}

export type StepListState = 'done' | 'current' | 'pending' | 'not-needed' | 'failed';

/** Each wizard step's state for the list on the left. */
export function stepListStates(state: WizardState): Record<WizardStepId, StepListState> {
  const phase = state.phase.name;
  const currentStep: WizardStepId | undefined =
    phase === 'asking'
      ? QUESTIONS[state.position]?.step
      : phase === 'detecting' || phase === 'testing-connection' || phase === 'connection-failed'
        ? 'backend'
        : phase === 'preparing' || phase === 'prepare-failed' || phase === 'review'
          ? 'review'
          : phase === 'applying' || phase === 'applied'
            ? 'apply'
            : undefined;
  // A run stopped with Ctrl-C did not fail: the apply step stays current, never marked ✘.
  const stopped = state.apply?.result?.error instanceof StoppedError;
  const applyFailed = !stopped && Boolean(state.apply?.result?.error || state.apply?.crash);
  const result = {} as Record<WizardStepId, StepListState>;
  for (const step of WIZARD_STEPS) {
    if (step.id === 'review') {
      result.review = currentStep === 'review' ? 'current' : state.apply ? 'done' : 'pending';
      continue;
    }
    if (step.id === 'apply') {
      result.apply =
        phase === 'applied' || phase === 'finished' ? (applyFailed ? 'failed' : stopped ? 'current' : 'done') : currentStep === 'apply' ? 'current' : 'pending';
      continue;
    }
    if (step.id === currentStep) {
      result[step.id] = 'current';
      continue;
    }
    const indexes = QUESTIONS.map((q, i) => (q.step === step.id && applies(state, i) ? i : -1)).filter((i) => i >= 0);
    if (indexes.length === 0) {
      result[step.id] = 'not-needed';
      continue;
    }
    const allAnswered = indexes.every((i) => {
      const id = QUESTIONS[i]?.id ?? '';
      return state.answered.has(id) || state.skipped.has(id);
    });
    result[step.id] = allAnswered ? 'done' : 'pending';
  }
  return result;
}
