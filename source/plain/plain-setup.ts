/**
 * `setup --plain`: the wizard as plain sequential prompts (@inquirer/prompts) for terminals and
 * people that do not want a full-screen UI. It walks the same state machine as the full-screen UI
 * (source/wizard/wizard-state.ts) over the same question table and defaults, and makes its calls
 * through the same phase runner (source/wizard/run-phase.ts), so it asks the same things in the
 * same order, skips what `initial` answers, tests the connection at the same point and applies
 * the same plan. Ctrl-C at any prompt (Inquirer's ExitPromptError) cancels with nothing written
 * and nothing changed (setup says so, once); Ctrl-C while applying lets the running step finish,
 * then stops (exit 130).
 */
import { confirm, input, password, select } from '@inquirer/prompts';
import { validateAnswerField } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { StoppedError } from '../errors';
import { terminalText } from '../text/terminal-text';
import { commandRows } from '../text/wrap-command';
import { wrapLine } from '../text/wrap-line';
import { retryText, type StepEvent } from '../steps/run-steps';
import type { StepStatus } from '../steps/server-step';
import { generateBuilderSecret } from '../secrets/generate-builder-secret';
import { choiceToAnswer, WIZARD_STEPS, type SelectQuestion, type TextQuestion } from '../wizard/questions';
import { defaultAnswer } from '../wizard/defaults';
import { runPhase } from '../wizard/run-phase';
import { newGatheredMemo } from '../wizard/resolve-gathered';
import { secretView } from '../wizard/step-views';
import { createInitialState, currentQuestion, editableField, menuOf, offeredAnswer, wizardReducer, type WizardAction, type WizardState } from '../wizard/wizard-state';
import { promptContext, type PromptContext } from './prompt-context';
import type { WizardEntryInput, WizardEntryOutcome } from '../wizard/wizard-entry';

const MARKS: Record<StepStatus, string> = { done: '✔', changed: '✔', todo: '+', conflict: '✘', skipped: '–', failed: '✘' };
const ACTIONS: Record<string, string> = { 'would-create': 'create', 'would-update': 'update', unchanged: 'unchanged', created: 'created', updated: 'updated' };

function isExitPrompt(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

export async function runPlainSetup(input: WizardEntryInput): Promise<WizardEntryOutcome> {
  try {
    return await walk(input);
  } catch (error) {
    // Said once, by setup (report-failure.ts), for every way of cancelling.
    if (isExitPrompt(error)) return { outcome: 'cancelled' };
    throw error;
  }
}

async function walk({
  initial,
  session,
  effects,
  io,
  mcAliases,
  profileAccessKeys = {},
  known,
  menuFor,
}: WizardEntryInput): Promise<WizardEntryOutcome> {
  const context = promptContext(io);
  // Wrapped here at spaces: left to the terminal, long sentences would break inside words.
  const columns = Math.max(40, io.stdout.columns ?? 80);
  // Through terminalText: what is said quotes servers (connection errors), files and answers.
  const say = (text: string) => io.stdout.write(terminalText(`${wrapLine(text, columns, '  ').join('\n')}\n`));
  const aliases = mcAliases;
  let state: WizardState = createInitialState({
    initial,
    context: { aliases, env: effects.env, profileAccessKeys },
    generatedSecret: generateBuilderSecret(effects.randomBytes),
    ...(known ? { known } : {}),
    menu: menuFor !== undefined,
  });
  const dispatch = (action: WizardAction) => {
    state = wizardReducer(state, action);
  };
  // one memo for the run: each phase resolves the answers again only when one changed
  const deps = { session, effects, gathered: newGatheredMemo() };
  let lastStep: string | undefined;

  for (;;) {
    const phase = state.phase;
    switch (phase.name) {
      case 'menu': {
        const entries = menuOf(state);
        const item = await select(
          {
            message: terminalText(`What would you like to do with ${menuFor ?? 'the remembered setup'}?`),
            choices: entries.map((m) => ({ name: `${m.label}  (${m.hint})`, value: m.value })),
            // the whole menu at once: an entry may wrap to a second line
            pageSize: entries.length * 2,
          },
          context,
        );
        dispatch({ type: 'choose', item });
        break;
      }
      case 'chosen':
        return { outcome: 'chosen', item: phase.item };
      case 'detecting': {
        say(`Looking at what ${state.input.endpoint ?? '(no endpoint)'} holds already…`);
        await runPhase(state, deps, dispatch);
        break;
      }
      case 'asking': {
        const question = currentQuestion(state);
        if (!question) throw new Error('the wizard lost its place');
        if (question.step !== lastStep) {
          lastStep = question.step;
          const step = WIZARD_STEPS.find((s) => s.id === question.step);
          say(`\n— ${step?.title ?? question.step}: ${step?.why ?? ''}`);
        }
        if (question.kind === 'text') dispatch({ type: 'answer', value: await askText(question, state, context) });
        else if (question.kind === 'select') dispatch({ type: 'answer', value: await askSelect(question, state, context) });
        else if (question.kind === 'notice') {
          say(question.text);
          dispatch({ type: 'answer', value: undefined });
        } else {
          dispatch({ type: 'answer', value: await askBuilderSecret(state, effects, context, say) });
        }
        break;
      }
      case 'testing-connection': {
        say(`Testing the connection to ${state.input.endpoint ?? '(no endpoint)'}…`);
        await runPhase(state, deps, dispatch);
        if (state.connectionDetail && state.phase.name !== 'connection-failed') say(`✔ ${state.connectionDetail}`);
        break;
      }
      case 'connection-failed': {
        const field = editableField(state, phase.field ?? 'endpoint');
        say(`✘ Could not connect: ${phase.message}`);
        say(`  Fix: ${field}`);
        const next = await select(
          {
            message: 'What now?',
            choices: [
              { name: `Edit ${field}`, value: 'edit' },
              { name: 'Try again', value: 'retry' },
              { name: 'Cancel (nothing is written)', value: 'cancel' },
            ],
          },
          context,
        );
        dispatch(next === 'edit' ? { type: 'edit-field', field } : next === 'retry' ? { type: 'retry' } : { type: 'cancel' });
        break;
      }
      case 'preparing': {
        say('\n— review: each server step checked read-only; nothing is changed yet.');
        await runPhase(state, deps, dispatch, { onStepEvent: (event) => printCheck(event, say, columns) });
        const review = state.review;
        if (review && state.phase.name === 'review') {
          for (const warning of review.plan.warnings) say(`⚠ ${warning}`);
          say('Files:');
          for (const preview of review.previews) {
            say(`  ${(preview.removes ? 'removal' : (ACTIONS[preview.action] ?? preview.action)).padEnd(9)} ${preview.path}  (${preview.title})`);
            if (preview.removes) say(`            removes ${preview.removes}`);
          }
        }
        break;
      }
      case 'prepare-failed': {
        say(`✘ Could not prepare the plan: ${phase.message}`);
        const again = await confirm({ message: 'Try again?', default: true }, context);
        dispatch(again ? { type: 'retry' } : { type: 'cancel' });
        break;
      }
      case 'review': {
        const conflicts = state.review?.reports.filter((r) => r.status === 'conflict').length ?? 0;
        if (conflicts > 0) say(`✘ ${conflicts} step(s) cannot be done as things are; applying would stop there.`);
        const apply = await confirm({ message: 'Apply these changes and write the files?', default: true }, context);
        dispatch(apply ? { type: 'confirm' } : { type: 'cancel' });
        break;
      }
      case 'applying': {
        say('\n— apply (Ctrl-C stops after the running step)');
        // No prompt is open while applying, so Ctrl-C arrives as SIGINT: the running step finishes,
        // then the run stops. Said once however often Ctrl-C is pressed.
        const onInterrupt = () => {
          if (state.apply?.stopping) return;
          say('Stopping: the running step finishes, then the run stops.');
          dispatch({ type: 'cancel' });
        };
        process.on('SIGINT', onInterrupt);
        try {
          await runPhase(state, deps, dispatch, { onStepEvent: (event) => printApply(event, say), shouldStop: () => state.apply?.stopping === true });
        } finally {
          process.off('SIGINT', onInterrupt);
        }
        break;
      }
      case 'applied': {
        const result = state.apply?.result;
        // Stopped with Ctrl-C: setup says what ran and what did not, and exits 130; nothing to retry now.
        if (result?.error && !(result.error instanceof StoppedError)) {
          say(`✘ step "${result.error.step}": ${result.error.message}`);
          say(`  What to do: ${result.error.hint ?? 'fix the cause, then try again: steps already done are skipped.'}`);
          const again = await confirm({ message: 'Run the steps again?', default: true }, context);
          dispatch(again ? { type: 'retry' } : { type: 'finish' });
          break;
        }
        // The files and next commands are printed by setup once the wizard is done (print-end-screen.ts).
        dispatch({ type: 'finish' });
        break;
      }
      case 'finished': {
        const result = state.apply?.result;
        const plan = state.review?.plan;
        if (!result || !plan) throw new Error('finished without a result');
        return { outcome: 'applied', result, plan };
      }
      case 'cancelled':
        return { outcome: 'cancelled' };
    }
  }
}

async function askText(question: TextQuestion, state: WizardState, context: PromptContext): Promise<unknown> {
  const initialText = state.draft.text;
  const validate = (text: string) => {
    const parsed = question.parse(text);
    return parsed.ok ? true : `${question.field} ${parsed.message}`;
  };
  const keeps = question.secret && initialText !== '' ? ' (Enter keeps the current one)' : '';
  const message = `${question.help ? `${question.label} (${question.help})` : question.label}${keeps}`;
  const text = question.secret
    ? await password({ message, mask: '*', validate: (value) => validate(value === '' ? initialText : value) }, context).then((value) => (value === '' ? initialText : value))
    : await input({ message, default: initialText, validate }, context);
  const parsed = question.parse(text);
  return parsed.ok ? parsed.value : undefined;
}

async function askSelect(question: SelectQuestion, state: WizardState, context: PromptContext): Promise<unknown> {
  const choices = question.choices(state.input, state.context);
  const wanted = choices[state.choice]?.value ?? String(offeredAnswer(state, question));
  const value = await select(
    {
      message: terminalText(question.help ? `${question.label} (${question.help})` : question.label),
      // Choices can come from files (mc aliases from its config): shown, not acted on.
      choices: choices.map((c) => ({ name: terminalText(c.hint ? `${c.label}  (${c.hint})` : c.label), value: c.value })),
      default: wanted,
    },
    context,
  );
  return choiceToAnswer(question.field, value);
}

/** The builder secret to answer, or undefined to keep the one in the AWS profile (see wizard-state.ts). */
async function askBuilderSecret(state: WizardState, effects: Effects, context: PromptContext, say: (text: string) => void): Promise<string | undefined> {
  let secret = state.secret.value;
  // The same default as the full-screen UI (secretView): keep the profile's secret when that
  // profile already holds this builder's keys, so Enter through a re-run changes nothing.
  const view = secretView(state);
  const profile = String(defaultAnswer('builder.profile', state.input, state.known, state.context));
  let choice = view.mode === 'keep' ? 'keep' : 'use';
  for (;;) {
    say(view.mode === 'keep' && choice === 'keep' ? `Builder secret: the one in AWS profile ${profile} is kept.` : `Builder secret: ${secret.length} characters, hidden.`);
    const action = await select(
      {
        message: 'Builder secret',
        choices: [
          { name: 'Use it', value: 'use' },
          { name: 'Show it', value: 'show' },
          { name: 'Generate another', value: 'new' },
          { name: 'Type my own', value: 'own' },
          { name: `Keep the secret in AWS profile ${profile} (a builder user that exists already)`, value: 'keep' },
        ],
        default: choice,
      },
      context,
    );
    choice = action === 'keep' ? 'keep' : 'use';
    if (action === 'use') return secret;
    if (action === 'keep') return undefined;
    if (action === 'show') say(`  ${secret}`);
    if (action === 'new') secret = generateBuilderSecret(effects.randomBytes);
    if (action === 'own') {
      secret = await password(
        {
          message: 'Your builder secret (8–40 characters)',
          mask: '*',
          validate: (value) => {
            const problem = validateAnswerField('builder.secretKey', value);
            return problem ? `builder.secretKey ${problem}` : true;
          },
        },
        context,
      );
    }
  }
}

function printCheck(event: StepEvent, say: (text: string) => void, columns: number) {
  if (event.type === 'retrying') say(`  ↻ ${retryText(event)}`);
  if (event.type !== 'finished') return;
  say(`  ${MARKS[event.report.status]} ${event.step.title}: ${event.report.status}${event.report.detail ? ` (${event.report.detail})` : ''}`);
  if (event.report.removes) say(`    − REMOVES ${event.report.removes}`);
  // Written as they are, not through say(): a command's rows are cut where they still paste.
  for (const row of commandRows(event.step.command, columns, '      $ ', '          ')) say(row);
}

function printApply(event: StepEvent, say: (text: string) => void) {
  if (event.type === 'applying') say(`  … ${event.step.title}`);
  if (event.type === 'retrying') say(`  ↻ ${retryText(event)}`);
  if (event.type === 'finished') say(`  ${MARKS[event.report.status]} ${event.step.title}: ${event.report.status}${event.report.detail ? ` (${event.report.detail})` : ''}`);
}
