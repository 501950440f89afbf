/**
 * The wizard's one phase runner: the call to the server or the disk that the state's phase asks
 * for (look at the existing setup, test the connection, prepare and check the plan, apply it),
 * reported back as actions. The full-screen UI runs it from an effect whenever the phase or runId
 * changes; `--plain` awaits it in its loop. Neither talks to the session itself (STYLE 2).
 */
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { retryText, type StepEvent } from '../steps/run-steps';
import type { SetupSession } from '../session/setup-session';
import { mergeAnswers } from '../answers/answer-fields';
import { rememberedFor } from './defaults';
import { detectCacheNames } from './detect-from-files';
import { gatherAnswers, type GatheredMemo } from './resolve-gathered';
import type { WizardAction, WizardState } from './wizard-state';

export interface PhaseRunnerDeps {
  readonly session: SetupSession;
  readonly effects: Pick<Effects, 'env' | 'home' | 'cwd'>;
  /** the run's last resolution of the answers, so each phase resolves again only when an answer changed @default none kept */
  readonly gathered?: GatheredMemo;
}

export interface PhaseRunOptions {
  /** false once the user has moved on (went back, retried): a late result is then dropped @default always true */
  readonly isCurrent?: () => boolean;
  /** asked between steps while applying: true stops the run there (Ctrl-C) @default never */
  readonly shouldStop?: () => boolean;
  /** every check while preparing and every event while applying, for a front end that prints them */
  readonly onStepEvent?: (event: StepEvent) => void;
  /** applying threw (a bug, not a step failure) */
  readonly onCrash?: (error: unknown) => void;
}

/** The phases that make a call; in every other phase the wizard waits for the user. */
export const RUNNING_PHASES = ['detecting', 'testing-connection', 'preparing', 'applying'] as const;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs what `state.phase` asks for and dispatches the outcome; resolves when done. Never rejects. */
export async function runPhase(state: WizardState, deps: PhaseRunnerDeps, dispatch: (action: WizardAction) => void, options: PhaseRunOptions = {}): Promise<void> {
  const { session, effects } = deps;
  const gather = () => gatherAnswers(state, effects, deps.gathered);
  const isCurrent = options.isCurrent ?? (() => true);
  const report = (action: WizardAction) => {
    if (isCurrent()) dispatch(action);
  };
  switch (state.phase.name) {
    case 'detecting': {
      const resolved = await gather();
      // Looking is best effort: without a complete connection there is just nothing detected.
      // The names are this cache's own where another cache holds the first-setup ones; those
      // given or remembered are kept as they are.
      const kept = mergeAnswers(rememberedFor(state.known, state.input), state.input);
      const [detected, names] = resolved.ok
        ? await Promise.all([session.detectExisting(resolved.answers).catch(() => ({})), detectCacheNames(session, resolved.answers, kept, effects).catch(() => ({}))])
        : [{}, {}];
      report({ type: 'detected', answers: mergeAnswers(detected, names) });
      return;
    }
    case 'testing-connection': {
      const resolved = await gather();
      if (!resolved.ok) {
        report({ type: 'set-connection-status', status: { ok: false, message: resolved.message, ...(resolved.field ? { field: resolved.field } : {}) } });
        return;
      }
      const status = await session.testConnection(resolved.answers).catch((error: unknown) => ({ ok: false as const, message: messageOf(error) }));
      report({ type: 'set-connection-status', status });
      return;
    }
    case 'preparing': {
      const resolved = await gather();
      if (!resolved.ok) {
        report({ type: 'plan-failed', message: resolved.message, ...(resolved.field ? { field: resolved.field } : {}) });
        return;
      }
      try {
        const plan = await session.prepareSetup(resolved.answers, resolved.warnings);
        if (!isCurrent()) return;
        const reports = await session.checkPlan(plan, (event) => {
          if (!isCurrent()) return;
          options.onStepEvent?.(event);
          if (event.type === 'checking') dispatch({ type: 'plan-progress', text: `Checking: ${event.step.title}…` });
          if (event.type === 'retrying') dispatch({ type: 'plan-progress', text: `Checking: ${retryText(event)}` });
        });
        if (!isCurrent()) return;
        dispatch({ type: 'plan-progress', text: 'Rendering the files…' });
        const previews = await session.previewFiles(plan);
        report({ type: 'plan-ready', plan, reports, previews });
      } catch (error) {
        report({ type: 'plan-failed', message: messageOf(error), ...(error instanceof UsageError && error.field ? { field: error.field } : {}) });
      }
      return;
    }
    case 'applying': {
      const plan = state.review?.plan;
      if (!plan) {
        dispatch({ type: 'apply-crashed', message: 'nothing to apply' });
        return;
      }
      // Applying is not abandoned half-way: its events and result are always taken.
      try {
        const result = await session.applyPlan(
          plan,
          (event) => {
            options.onStepEvent?.(event);
            dispatch({ type: 'apply-event', event });
          },
          options.shouldStop ? { shouldStop: options.shouldStop } : {},
        );
        dispatch({ type: 'apply-finished', result });
      } catch (error) {
        options.onCrash?.(error);
        dispatch({ type: 'apply-crashed', message: messageOf(error) });
      }
      return;
    }
    default:
      return;
  }
}
