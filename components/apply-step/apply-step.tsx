/**
 * Applying: each server step with a spinner while it is checked and applied, then its result;
 * then the files are written. On a failure: the step, its error and what to do, and r to run
 * again. At the end: the files written and the next commands (full width, to copy them whole).
 */
import { Box } from 'ink';
import Spinner from 'ink-spinner';
import { StoppedError } from '../../source/errors';
import type { WizardState } from '../../source/wizard/wizard-state';
import { clampRows, truncate, wrapLine } from '../../source/text/wrap-line';
import { LineViewport, scrollPosition } from '../line-viewport/line-viewport';
import { statusLook } from '../review-step/review-lines';
import { StepPanel } from '../step-panel/step-panel';
import { Tinted } from '../theme/theme';
import { WIZARD_STEPS } from '../../source/wizard/questions';
import { endViewport } from './end-lines';

/** What the apply screen shows: the phase, the plan's steps and how applying them went. */
export type ApplyView = Pick<WizardState, 'phase' | 'review' | 'apply'>;

export interface ApplyStepProps {
  readonly state: ApplyView;
  /** first row of the end screen shown (the UI's, clamped by the end screen's keys) */
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
}

const WHY = WIZARD_STEPS.find((s) => s.id === 'apply')?.why ?? '';

function StepRows({ state, width }: { readonly state: ApplyView; readonly width: number }) {
  const steps = state.review?.plan.steps ?? [];
  const progress = state.apply?.steps ?? {};
  const allFinished = steps.length > 0 && steps.every((s) => progress[s.id]?.state === 'finished');
  return (
    <Box flexDirection="column" width={width}>
      {steps.map((step) => {
        const entry = progress[step.id];
        if (!entry) return <Tinted key={step.id} tone="muted">{`· ${step.title}`}</Tinted>;
        if (entry.state !== 'finished') {
          return (
            <Box key={step.id} width={width} flexDirection="column">
              <Box width={width}>
                <Tinted tone="accent">
                  <Spinner type="dots" />
                </Tinted>
                <Tinted>{` ${step.title} — ${entry.state === 'checking' ? 'checking' : 'applying'}…`}</Tinted>
              </Box>
              {entry.retrying ? <Tinted tone="muted">{wrapLine(`  ↻ ${entry.retrying}`, width, '    ').join('\n')}</Tinted> : null}
            </Box>
          );
        }
        const look = statusLook(entry.report.status);
        return <Tinted key={step.id} tone={look.tone}>{truncate(`${look.mark} ${step.title} — ${entry.report.detail || look.word}`, width)}</Tinted>;
      })}
      {state.phase.name === 'applying' && allFinished ? (
        <Box>
          <Tinted tone="accent">
            <Spinner type="dots" />
          </Tinted>
          <Tinted> Writing files…</Tinted>
        </Box>
      ) : null}
    </Box>
  );
}

/** After a failure: the steps that failed, and how many were done or not run, in a few rows. */
function FailureSummary({ state, width }: { readonly state: ApplyView; readonly width: number }) {
  const reports = (state.review?.plan.steps ?? []).flatMap((step) => {
    const entry = state.apply?.steps[step.id];
    return entry?.state === 'finished' ? [{ step, report: entry.report }] : [];
  });
  const done = reports.filter((r) => r.report.status === 'done' || r.report.status === 'changed').length;
  const notRun = reports.filter((r) => r.report.status === 'skipped');
  return (
    <Box flexDirection="column" width={width}>
      <Tinted tone="success">{`✔ ${done} step(s) done`}</Tinted>
      {reports
        .filter((r) => r.report.status === 'failed' || r.report.status === 'conflict')
        .map(({ step, report }) => (
          <Tinted key={step.id} tone="error">
            {truncate(`✘ ${step.title} — ${report.status}`, width)}
          </Tinted>
        ))}
      {/* Steps that never started did not fail: named as not run, muted, never with ✘. */}
      {notRun.length > 0
        ? clampRows(wrapLine(`– ${notRun.length} step(s) not run: ${notRun.map((r) => r.step.id).join(', ')}`, width, '  '), 3).map((row, i) => (
            <Tinted key={`not-run-${i}`} tone="muted">
              {row}
            </Tinted>
          ))
        : null}
    </Box>
  );
}

export function ApplyStep({ state, scroll, width, height }: ApplyStepProps) {
  const result = state.apply?.result;
  const failed = Boolean(result?.error || state.apply?.crash);
  const { lines, page } = endViewport(failed ? undefined : result, width, height);

  if (state.phase.name === 'applying') {
    return (
      <StepPanel title="apply" why={WHY} width={width} hints={state.apply?.stopping ? [{ key: '', action: 'stopping after this step' }] : [{ key: 'Ctrl-C', action: 'stop after the running step' }]}>
        <StepRows state={state} width={width} />
        {state.apply?.stopping ? (
          <Tinted tone="warning">{truncate('Stopping: the running step finishes, then the run stops. Run setup again to continue.', width)}</Tinted>
        ) : null}
      </StepPanel>
    );
  }
  if (result?.error instanceof StoppedError) {
    return (
      <StepPanel title="apply — stopped" why={WHY} width={width} hints={[{ key: 'r', action: 'run the rest now' }, { key: 'q', action: 'quit' }]}>
        <FailureSummary state={state} width={width} />
        <Box marginTop={1} flexDirection="column">
          {wrapLine('Stopped at your request: the running steps finished, nothing else was started. Run setup again to continue; steps already done are skipped.', width, '  ').map((row, i) => (
            <Tinted key={i} tone="warning">
              {row}
            </Tinted>
          ))}
        </Box>
      </StepPanel>
    );
  }
  if (failed) {
    const error = result?.error;
    const message = error ? error.message : `unexpected error: ${state.apply?.crash ?? ''}`;
    return (
      <StepPanel title="apply — failed" why={WHY} width={width} hints={[{ key: 'r', action: 'retry' }, { key: 'q', action: 'quit' }]}>
        <FailureSummary state={state} width={width} />
        <Box marginTop={1} flexDirection="column">
          {clampRows(wrapLine(`✘ ${error ? `step "${error.step}": ` : ''}${message}`, width, '  '), 6).map((row, i) => (
            <Tinted key={i} tone="error">
              {row}
            </Tinted>
          ))}
          {clampRows(wrapLine(`What to do: ${error?.hint ?? 'fix the cause, then press r: steps already done are skipped.'}`, width, '  '), 4).map((row, i) => (
            <Tinted key={`hint-${i}`} tone="warning">
              {row}
            </Tinted>
          ))}
        </Box>
      </StepPanel>
    );
  }
  const position = scrollPosition(lines.length, scroll, page);
  return (
    <Box flexDirection="column" width={width}>
      <Tinted tone="success">{`✔ Your Nix binary cache is set up${position ? `  (${position})` : ''}`}</Tinted>
      <Box marginTop={1}>
        <LineViewport lines={lines} scroll={scroll} height={Math.min(page, lines.length)} width={width} />
      </Box>
      <Box marginTop={1}>
        <Tinted tone="muted">{position ? '↑↓ scroll · any other key to exit' : 'Press any key to exit'}</Tinted>
      </Box>
    </Box>
  );
}
