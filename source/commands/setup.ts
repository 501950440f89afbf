/**
 * `nix-cache-wizard [setup]`: check and apply every server step (SPEC 5), write the files (SPEC 4),
 * print what to do next. Without missing answers or with --yes it runs straight through; in a
 * terminal it asks for what is missing (full-screen UI, or --plain prompts).
 */
import type { Answers } from '../answers/answers';
import { requireCompleteAnswers } from '../answers/resolve-answers';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { CancelledError } from '../errors';
import { expandUserPath } from '../paths/expand-user-path';
import { formatJsonResult } from '../output/json-result';
import { printApplyResult, printCheckReports } from '../output/print-report';
import { formatStepError, reportFailure } from '../output/report-failure';
import { createSetupSession } from '../plan/create-setup-session';
import { readIfExists } from '../plan/prepare-secrets';
import { readProfileAccessKeys } from '../plan/read-aws-profile';
import type { CommandOptions } from './command-options';
import { initialAnswers } from './gather-answers';

export async function runSetup(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  const context = { io, json: options.json, command: 'setup', dryRun: options.dryRun };
  try {
    const input = initialAnswers(options, effects);
    const session = createSetupSession(effects, { outDir: options.out });
    // In a terminal the wizard always runs (it asks only what is missing, then shows the review).
    // With CI set, Ink draws only the final frame (is-in-ci), so a terminal would look frozen:
    // such runs are treated like runs without a terminal.
    const interactive = io.interactive && !effects.env['CI'];
    if (!options.yes && interactive && !options.json && !options.dryRun) {
      const mcConfigPath = expandUserPath(input.files?.mcConfig ?? '~/.mc/config.json', effects);
      const ask = options.plain
        ? (await import('./plain-setup')).runPlainSetup
        : (await import('../../components/run-wizard')).runWizard;
      const awsPath = expandUserPath(input.files?.awsCredentials ?? (effects.env['AWS_SHARED_CREDENTIALS_FILE'] || '~/.aws/credentials'), effects);
      const awsContent = await readIfExists(awsPath).catch(() => null);
      const profileAccessKeys = awsContent === null ? {} : readProfileAccessKeys(awsContent);
      const outcome = await ask({ initial: input, session, effects, io, mcConfigPath, profileAccessKeys });
      if (outcome.outcome === 'cancelled') throw new CancelledError();
      const error = outcome.result.error;
      if (error) {
        // The UI shortens long messages; the whole of it, and what to do, stays on the terminal.
        io.stderr.write(formatStepError(error, { rerun: true }));
        return 1;
      }
      return 0;
    }
    const { answers, warnings } = requireCompleteAnswers(input, effects);
    if (!options.json) for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
    return await runStraight(answers, warnings, options, io, session);
  } catch (error) {
    return reportFailure(error, context);
  }
}

/** --yes, --dry-run, no TTY, or nothing left to ask: the same steps with no prompt. */
async function runStraight(
  answers: Answers,
  warnings: readonly string[],
  options: CommandOptions,
  io: CliIo,
  session: ReturnType<typeof createSetupSession>,
): Promise<number> {
  const plan = await session.prepareSetup(answers, warnings);
  const progress = options.json ? undefined : io.stderr;
  if (options.dryRun) {
    const reports = await session.checkPlan(plan, progress && ((event) => printCheckReports.onEvent(event, progress)));
    const previews = await session.previewFiles(plan);
    const files = previews.map((p) => ({ path: p.path, action: p.action }));
    const ok = !reports.some((r) => r.status === 'conflict' || r.status === 'failed');
    if (options.json) {
      io.stdout.write(formatJsonResult({ ok, command: 'setup', dryRun: true, steps: reports, files, next: [], warnings }));
    } else {
      printCheckReports.summary(reports, plan.steps, files, io.stdout);
    }
    return ok ? 0 : 1;
  }
  const result = await session.applyPlan(plan, progress && ((event) => printCheckReports.onEvent(event, progress)));
  if (options.json) {
    io.stdout.write(
      formatJsonResult({
        ok: !result.error,
        command: 'setup',
        dryRun: false,
        steps: result.steps,
        files: result.files,
        next: result.next,
        warnings,
        ...(result.error ? { error: { message: result.error.message + (result.error.hint ? ` ${result.error.hint}` : ''), step: result.error.step } } : {}),
      }),
    );
  } else {
    printApplyResult(result, io);
  }
  return result.error ? 1 : 0;
}
