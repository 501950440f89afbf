/**
 * `setup --plain`: the wizard as plain sequential prompts (@inquirer/prompts) for terminals and
 * people that do not want a full-screen UI. It walks the same state machine as the full-screen UI
 * (components/app/wizard-state.ts, React-free) over the same question table, so it asks the same
 * things in the same order, skips what `initial` answers, tests the connection at the same point
 * and applies the same plan. Ctrl-C at any prompt (Inquirer's ExitPromptError) cancels with
 * nothing written and nothing changed.
 */
import { Writable } from 'node:stream';
import { confirm, input, password, select } from '@inquirer/prompts';
import { createInitialState, currentQuestion, editableField, wizardReducer, type WizardAction, type WizardState } from '../../components/app/wizard-state';
import { resolveGathered } from '../../components/app/resolve-gathered';
import {
  choiceToAnswer,
  getField,
  WIZARD_STEPS,
  type QuestionContext,
  type SelectQuestion,
  type TextQuestion,
} from '../../components/wizard-questions/wizard-questions';
import { readMcAliases, validateAnswerField } from '../answers/resolve-answers';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import type { StepEvent } from '../plan/run-steps';
import type { StepStatus } from '../plan/server-step';
import { generateBuilderSecret } from '../secrets/generate-builder-secret';
import type { WizardEntryInput, WizardEntryOutcome } from './wizard-entry';

const MARKS: Record<StepStatus, string> = { done: '✔', changed: '✔', todo: '+', conflict: '✘', skipped: '–', failed: '✘' };
const ACTIONS: Record<string, string> = { 'would-create': 'create', 'would-update': 'update', unchanged: 'unchanged', created: 'created', updated: 'updated' };

function isExitPrompt(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runPlainSetup(input: WizardEntryInput): Promise<WizardEntryOutcome> {
  try {
    return await walk(input);
  } catch (error) {
    if (isExitPrompt(error)) {
      input.io.stdout.write('\nCancelled; nothing was written and nothing changed on the server.\n');
      return { outcome: 'cancelled' };
    }
    throw error;
  }
}

async function walk({
  initial,
  session,
  effects,
  io,
  mcConfigPath,
  profileAccessKeys = {},
}: WizardEntryInput): Promise<WizardEntryOutcome> {
  const context = promptContext(io);
  const say = (text: string) => io.stdout.write(`${text}\n`);
  let aliases: QuestionContext['aliases'] = {};
  try {
    aliases = readMcAliases(mcConfigPath);
  } catch {
    aliases = {};
  }
  let state: WizardState = createInitialState({
    initial,
    context: { aliases, env: effects.env, profileAccessKeys },
    generatedSecret: generateBuilderSecret(effects.randomBytes),
  });
  const dispatch = (action: WizardAction) => {
    state = wizardReducer(state, action);
  };
  let lastStep: string | undefined;

  for (;;) {
    const phase = state.phase;
    switch (phase.name) {
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
        const resolved = resolveGathered(state, effects);
        if (!resolved.ok) {
          dispatch({ type: 'set-connection-status', status: { ok: false, message: resolved.message, ...(resolved.field ? { field: resolved.field } : {}) } });
          break;
        }
        const result = await session.testConnection(resolved.answers).catch((error: unknown) => ({ ok: false as const, message: messageOf(error) }));
        if (result.ok) say(`✔ ${result.detail}`);
        dispatch({ type: 'set-connection-status', status: result });
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
        const resolved = resolveGathered(state, effects);
        if (!resolved.ok) {
          dispatch({ type: 'plan-failed', message: resolved.message, ...(resolved.field ? { field: resolved.field } : {}) });
          break;
        }
        try {
          const plan = await session.prepareSetup(resolved.answers, resolved.warnings);
          for (const warning of plan.warnings) say(`⚠ ${warning}`);
          const reports = await session.checkPlan(plan, (event) => printCheck(event, say));
          const previews = await session.previewFiles(plan);
          say('Files:');
          for (const preview of previews) say(`  ${(ACTIONS[preview.action] ?? preview.action).padEnd(9)} ${preview.path}  (${preview.title})`);
          dispatch({ type: 'plan-ready', plan, reports, previews });
        } catch (error) {
          dispatch({ type: 'plan-failed', message: messageOf(error), ...(error instanceof UsageError && error.field ? { field: error.field } : {}) });
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
        const plan = state.review?.plan;
        if (!plan) throw new Error('nothing to apply');
        say('\n— apply');
        const result = await session.applyPlan(plan, (event) => printApply(event, say));
        dispatch({ type: 'apply-finished', result });
        break;
      }
      case 'applied': {
        const result = state.apply?.result;
        if (result?.error) {
          say(`✘ step "${result.error.step}": ${result.error.message}`);
          say(`  What to do: ${result.error.hint ?? 'fix the cause, then try again: steps already done are skipped.'}`);
          const again = await confirm({ message: 'Run the steps again?', default: true }, context);
          dispatch(again ? { type: 'retry' } : { type: 'finish' });
          break;
        }
        if (result) {
          say('\nFiles:');
          for (const file of result.files) say(`  ${file.action.padEnd(9)} ${file.path}`);
          say('\nNext, ready to paste:');
          for (const command of result.next) say(command.startsWith('#') ? command : `  ${command}`);
        }
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
        say('Cancelled; nothing was written and nothing changed on the server.');
        return { outcome: 'cancelled' };
    }
  }
}

type PromptContext = { readonly input: NodeJS.ReadableStream; readonly output: NodeJS.WritableStream };

/**
 * Inquirer pipes each prompt into `output` and ends that pipe when the prompt is done, which ends
 * any stream that is not process.stdout (a test's, an embedding program's). Each prompt therefore
 * gets a fresh pass-through that forwards writes, reports the terminal's width, and ends alone.
 */
function promptContext(io: CliIo): PromptContext {
  return {
    input: io.stdin as NodeJS.ReadableStream,
    get output() {
      const forward = new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          io.stdout.write(chunk);
          callback();
        },
      });
      return Object.assign(forward, { columns: io.stdout.columns ?? 80, rows: io.stdout.rows ?? 24, isTTY: io.stdout.isTTY ?? false });
    },
  };
}

async function askText(question: TextQuestion, state: WizardState, context: PromptContext): Promise<unknown> {
  const current = getField(state.input, question.field);
  const initialText = current === undefined ? question.initialText(state.input, state.context) : question.format(current);
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
  const current = getField(state.input, question.field);
  const wanted = current === undefined ? question.initialValue(state.input, state.context) : String(current);
  const value = await select(
    {
      message: question.help ? `${question.label} (${question.help})` : question.label,
      choices: choices.map((c) => ({ name: c.hint ? `${c.label}  (${c.hint})` : c.label, value: c.value })),
      default: wanted,
    },
    context,
  );
  return choiceToAnswer(question.field, value);
}

/** The builder secret to answer, or undefined to keep the one in the AWS profile (see wizard-state.ts). */
async function askBuilderSecret(state: WizardState, effects: Effects, context: PromptContext, say: (text: string) => void): Promise<string | undefined> {
  let secret = state.secret.value;
  for (;;) {
    say(`Builder secret: ${secret.length} characters, hidden.`);
    const action = await select(
      {
        message: 'Builder secret',
        choices: [
          { name: 'Use it', value: 'use' },
          { name: 'Show it', value: 'show' },
          { name: 'Generate another', value: 'new' },
          { name: 'Type my own', value: 'own' },
          { name: `Keep the secret in AWS profile ${state.input.builder?.profile ?? 'nixbuilder'} (a builder user that exists already)`, value: 'keep' },
        ],
      },
      context,
    );
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

function printCheck(event: StepEvent, say: (text: string) => void) {
  if (event.type !== 'finished') return;
  say(`  ${MARKS[event.report.status]} ${event.step.title}: ${event.report.status}${event.report.detail ? ` (${event.report.detail})` : ''}`);
  for (const line of event.step.command.split('\n')) say(`      $ ${line}`);
}

function printApply(event: StepEvent, say: (text: string) => void) {
  if (event.type === 'applying') say(`  … ${event.step.title}`);
  if (event.type === 'finished') say(`  ${MARKS[event.report.status]} ${event.step.title}: ${event.report.status}${event.report.detail ? ` (${event.report.detail})` : ''}`);
}
