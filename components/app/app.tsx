/**
 * The wizard's screen: the steps on the left, the current step's panel beside them, sized to the
 * terminal (80×24 at least) and one row short of its height so Ink never has to clear the screen
 * to redraw. One screen is mounted at a time; keys reach it through the one `useInput` of
 * use-wizard-keys.ts and the reducer.
 */
import { Box, useApp, useStdout } from 'ink';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { AnswersInput } from '../../source/answers/answers-schema';
import type { WizardEntryOutcome } from '../../source/wizard/wizard-entry';
import type { Effects } from '../../source/effects';
import type { SetupSession } from '../../source/session/setup-session';
import type { KnownSetup } from '../../source/wizard/defaults';
import type { QuestionContext } from '../../source/wizard/questions';
import { currentQuestion, menuOf, stepListStates } from '../../source/wizard/wizard-state';
import { connectionView, questionView, revisitableSteps, secretView } from '../../source/wizard/step-views';
import { ApplyStep } from '../apply-step/apply-step';
import { ConnectionStep } from '../connection-step/connection-step';
import { wrapLine } from '../../source/text/wrap-line';
import { MenuStep } from '../menu-step/menu-step';
import { QuestionStep } from '../question-step/question-step';
import { ReviewStep } from '../review-step/review-step';
import { SecretStep } from '../secret-step/secret-step';
import { StepList } from '../step-list/step-list';
import { ColorProvider, Tinted } from '../theme/theme';
import { LIST_WIDTH, screenLayout, tooSmallMessage } from './screen-layout';
import { usePhaseRunner } from './use-phase-runner';
import { useWizardKeys } from './use-wizard-keys';
import { useWizardState } from './use-wizard-state';

export type WizardOutcome = WizardEntryOutcome;

export interface AppProps {
  readonly initial: AnswersInput;
  readonly session: SetupSession;
  readonly effects: Effects;
  readonly context: QuestionContext;
  /** the builder secret offered first (drawn by the caller, so the reducer stays pure) */
  readonly generatedSecret: string;
  /** remembered answers and what the files show: the defaults of a re-run @default nothing known */
  readonly known?: KnownSetup;
  /** open with the menu of a remembered setup, naming it ("endpoint/bucket") */
  readonly menuFor?: string | undefined;
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

export function App({ initial, session, effects, context, generatedSecret, known, menuFor, onExit, onCrash, columns = 80, rows = 24, colors = true, followResize = false }: AppProps) {
  const [ui, dispatch] = useWizardState({ initial, context, generatedSecret, ...(known ? { known } : {}), menu: menuFor !== undefined });
  const state = ui.wizard;
  const { exit } = useApp();
  const crash = useCallback((error: unknown) => onCrash?.(error), [onCrash]);
  usePhaseRunner({ state, dispatch, session, effects, onCrash: crash });

  const phase = state.phase.name;
  useEffect(() => {
    if (phase === 'cancelled') {
      onExit({ outcome: 'cancelled' });
      exit();
    } else if (state.phase.name === 'chosen') {
      onExit({ outcome: 'chosen', item: state.phase.item });
      exit();
    } else if (phase === 'finished') {
      const result = state.apply?.result;
      const plan = state.review?.plan;
      if (result && plan) onExit({ outcome: 'applied', result, plan });
      exit();
    }
  }, [phase, state.phase, state.apply, state.review, onExit, exit]);

  const size = useScreenSize(columns, rows, followResize);
  const layout = screenLayout(size.columns, size.rows);
  const { width, height, bodyHeight, panelWidth } = layout;
  useWizardKeys({ dispatch, layout, randomBytes: effects.randomBytes, isActive: phase !== 'cancelled' && phase !== 'finished' && phase !== 'chosen' });
  const question = currentQuestion(state);

  if (layout.tooSmall && phase !== 'cancelled') {
    // Below 80×24 rows would be drawn over each other: say so, in the room there is.
    return (
      <ColorProvider colors={colors}>
        <Box flexDirection="column" width={size.columns}>
          {wrapLine(tooSmallMessage(size.columns, size.rows), Math.max(20, size.columns)).map((row, i) => (
            <Tinted key={i} tone="warning">
              {row}
            </Tinted>
          ))}
        </Box>
      </ColorProvider>
    );
  }

  let panel: ReactNode = null;
  if (phase === 'menu') {
    panel = <MenuStep setup={menuFor ?? ''} entries={menuOf(state)} selected={state.choice} width={panelWidth} />;
  } else if (phase === 'asking' && question) {
    panel =
      question.kind === 'builder-secret' ? (
        <SecretStep key={question.id} view={secretView(state)} width={panelWidth} />
      ) : (
        <QuestionStep key={question.id} view={questionView(state, question)} width={panelWidth} />
      );
  } else if (phase === 'detecting' || phase === 'testing-connection' || phase === 'connection-failed') {
    panel = <ConnectionStep view={connectionView(state)} width={panelWidth} />;
  } else if (phase === 'preparing' || phase === 'prepare-failed' || phase === 'review') {
    panel = <ReviewStep phase={state.phase} review={state.review} scroll={ui.reviewScroll} width={panelWidth} height={bodyHeight} jump={ui.jump} steps={revisitableSteps(state)} />;
  } else if (phase === 'applying' || (phase === 'applied' && (state.apply?.result?.error || state.apply?.crash))) {
    panel = <ApplyStep state={state} scroll={ui.endScroll} width={panelWidth} height={bodyHeight} />;
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
            <ApplyStep state={state} scroll={ui.endScroll} width={width} height={bodyHeight} />
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
