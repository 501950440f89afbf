/**
 * The wizard's screen: the steps on the left, the current step's panel beside them, sized to the
 * terminal (80×24 at least) and one row short of its height so Ink never has to clear the screen
 * to redraw. One screen is mounted at a time; keys reach it through the one `useInput` of
 * use-wizard-keys.ts and the reducer.
 */
import { Box, useApp, useStdout } from 'ink';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { AnswersInput } from '../../source/answers/answers-schema';
import type { Effects } from '../../source/effects';
import type { SetupSession } from '../../source/plan/setup-session';
import { ApplyStep } from '../apply-step/apply-step';
import { ConnectionStep } from '../connection-step/connection-step';
import { QuestionStep } from '../question-step/question-step';
import { ReviewStep } from '../review-step/review-step';
import { SecretStep } from '../secret-step/secret-step';
import { StepList } from '../step-list/step-list';
import { ColorProvider, Tinted } from '../theme/theme';
import type { QuestionContext } from '../wizard-questions/wizard-questions';
import { LIST_WIDTH, screenLayout } from './screen-layout';
import { useSessionEffects } from './use-session-effects';
import { useWizardKeys } from './use-wizard-keys';
import { currentQuestion, stepListStates, useWizardState } from './use-wizard-state';
import type { WizardEntryOutcome } from '../../source/commands/wizard-entry';

export type WizardOutcome = WizardEntryOutcome;

export interface AppProps {
  readonly initial: AnswersInput;
  readonly session: SetupSession;
  readonly effects: Effects;
  readonly context: QuestionContext;
  /** the builder secret offered first (drawn by the caller, so the reducer stays pure) */
  readonly generatedSecret: string;
  /** called once, just before the app exits */
  readonly onExit: (outcome: WizardOutcome) => void;
  /** called when applying throws unexpectedly (a bug rather than a step failure) */
  readonly onCrash?: (error: unknown) => void;
  /** @default 80 */
  readonly columns?: number;
  /** @default 24 */
  readonly rows?: number;
  /** false when NO_COLOR is set @default true */
  readonly colors?: boolean;
  /** follow the terminal's size when it is resized (a real terminal) @default false */
  readonly followResize?: boolean;
}

/** The terminal's size, following resizes when asked (tests render at a fixed 80×24). */
function useScreenSize(columns: number, rows: number, followResize: boolean) {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns, rows });
  useEffect(() => {
    if (!followResize) return;
    const onResize = () => setSize({ columns: stdout.columns || columns, rows: stdout.rows || rows });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [followResize, stdout, columns, rows]);
  return size;
}

export function App({ initial, session, effects, context, generatedSecret, onExit, onCrash, columns = 80, rows = 24, colors = true, followResize = false }: AppProps) {
  const [state, dispatch] = useWizardState({ initial, context, generatedSecret });
  const { exit } = useApp();
  const crash = useCallback((error: unknown) => onCrash?.(error), [onCrash]);
  useSessionEffects({ state, dispatch, session, effects, onCrash: crash });

  const phase = state.phase.name;
  useEffect(() => {
    if (phase === 'cancelled') {
      onExit({ outcome: 'cancelled' });
      exit();
    } else if (phase === 'finished') {
      const result = state.apply?.result;
      const plan = state.review?.plan;
      if (result && plan) onExit({ outcome: 'applied', result, plan });
      exit();
    }
  }, [phase, state.apply, state.review, onExit, exit]);

  const size = useScreenSize(columns, rows, followResize);
  const layout = screenLayout(size.columns, size.rows);
  const { width, height, bodyHeight, panelWidth } = layout;
  useWizardKeys({ dispatch, layout, randomBytes: effects.randomBytes, isActive: phase !== 'cancelled' && phase !== 'finished' });
  const question = currentQuestion(state);

  let panel: ReactNode = null;
  if (phase === 'asking' && question) {
    panel =
      question.kind === 'builder-secret' ? (
        <SecretStep key={question.id} state={state} width={panelWidth} />
      ) : (
        <QuestionStep key={question.id} state={state} question={question} width={panelWidth} />
      );
  } else if (phase === 'testing-connection' || phase === 'connection-failed') {
    panel = <ConnectionStep state={state} width={panelWidth} />;
  } else if (phase === 'preparing' || phase === 'prepare-failed' || phase === 'review') {
    panel = <ReviewStep state={state} width={panelWidth} height={bodyHeight} />;
  } else if (phase === 'applying' || (phase === 'applied' && (state.apply?.result?.error || state.apply?.crash))) {
    panel = <ApplyStep state={state} width={panelWidth} height={bodyHeight} />;
  }
  const endScreen = (phase === 'applied' || phase === 'finished') && !panel;

  return (
    <ColorProvider colors={colors}>
      <Box flexDirection="column" width={width} height={height}>
        <Box width={width}>
          <Tinted tone="title">nix-cache-wizard</Tinted>
          <Tinted tone="muted">{'  a Nix binary cache on your S3 store'}</Tinted>
        </Box>
        {/* Never taller than the terminal, whatever a message holds: cut rather than scroll the screen. */}
        <Box marginTop={1} width={width} height={bodyHeight} overflow="hidden">
          {phase === 'cancelled' ? (
            <Tinted tone="warning">Cancelled; nothing was written and nothing changed on the server.</Tinted>
          ) : endScreen ? (
            <ApplyStep state={state} width={width} height={bodyHeight} />
          ) : (
            <>
              <StepList states={stepListStates(state)} width={LIST_WIDTH} />
              {panel}
            </>
          )}
        </Box>
      </Box>
    </ColorProvider>
  );
}
