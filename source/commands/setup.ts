/**
 * `nix-cache-wizard [setup]`: check and apply every server step (SPEC 5), write the files (SPEC 4),
 * print what to do next. Without missing answers or with --yes it runs straight through; in a
 * terminal it asks for what is missing (full-screen UI, or --plain prompts). Without --answers it
 * starts from the remembered answers of the last successful run, and keeps this run's answers
 * (without secrets) once it succeeds (SPEC 8).
 */
import { awsCredentialsDefault, mcConfigOf } from '../answers/answer-defaults';
import type { AnswerFacts } from '../answers/answer-facts';
import type { Answers } from '../answers/answers';
import type { AnswersInput } from '../answers/answers-schema';
import { resolveAnswers } from '../answers/resolve-answers';
import type { CliIo } from '../cli-io';
import type { FrontEndIo } from '../wizard/wizard-entry';
import type { Effects } from '../effects';
import { CancelledError } from '../errors';
import { rememberAnswers } from '../state/remembered-answers';
import { mergeAnswers } from '../answers/answer-fields';
import { detectCacheNames, detectFromFiles } from '../wizard/detect-from-files';
import { readMcConfigFact } from '../facts/mc-config';
import { expandUserPath } from '../paths/expand-user-path';
import { factsFor, readFacts } from '../facts/read-facts';
import { readStartingAnswers } from '../facts/starting-answers';
import { printApplyResult, printCheckReports } from '../output/print-report';
import { printWarnings } from '../output/print-warnings';
import { exitCodeOf } from '../output/report-failure';
import { createSetupSession } from '../session/create-setup-session';
import type { CaText } from '../connections/connections';
import { readIfExists } from '../session/prepare-secrets';
import { readProfileAccessKeys } from '../files/read-aws-profile';
import type { CommandOptions } from './command-options';
import { printResult, runCommand } from './command-epilogue';
import { completeAnswers } from './gather-answers';
import { runMenuChoice } from './run-menu-choice';

export async function runSetup(options: CommandOptions, io: FrontEndIo, effects: Effects): Promise<number> {
  return runCommand({ io, json: options.json, command: 'setup', dryRun: options.dryRun }, async () => {
    const { input, remembered } = await readStartingAnswers(options.answers, effects);
    const session = createSetupSession(effects, { outDir: options.out });
    // In a terminal the wizard always runs (it asks only what is missing, then shows the review).
    // With CI set, Ink draws only the final frame (is-in-ci), so a terminal would look frozen:
    // such runs are treated like runs without a terminal.
    const interactive = io.interactive && !effects.env['CI'];
    if (!options.yes && interactive && !options.json && !options.dryRun) {
      // An unreadable mc config only means there are no aliases to offer; typing an endpoint still works.
      const mcAliases = (await readMcConfigFact(mcConfigOf(input), effects)).aliases;
      const ask = options.plain || !io.loadFullScreenWizard ? (await import('../plain/plain-setup')).runPlainSetup : await io.loadFullScreenWizard();
      const awsPath = expandUserPath(input.files?.awsCredentials ?? awsCredentialsDefault(effects), effects);
      const awsContent = await readIfExists(awsPath).catch(() => null);
      const profileAccessKeys = awsContent === null ? {} : readProfileAccessKeys(awsContent);
      // Remembered answers are defaults, not answers: every question is asked with them pre-filled.
      // The key name is the existing key file's, whatever was remembered: that key is reused.
      // Only a remembered setup's key file is known to be this cache's; for a new one the names,
      // key files included, are looked for once the bucket is known (detectCacheNames).
      const fromFiles = remembered ? await detectFromFiles(input, effects) : {};
      const known = { remembered: mergeAnswers(remembered?.answers ?? {}, fromFiles), detected: fromFiles };
      const outcome = await ask({
        initial: remembered ? {} : input,
        session,
        effects,
        io,
        mcAliases,
        profileAccessKeys,
        known,
        ...(remembered ? { menuFor: remembered.name } : {}),
      });
      if (outcome.outcome === 'cancelled') throw new CancelledError('Cancelled; nothing was written and nothing changed on the server.');
      if (outcome.outcome === 'chosen') {
        if (outcome.item === 'update') throw new Error('the menu chose update outside the wizard');
        return await runMenuChoice(outcome.item, options, io, effects);
      }
      // What the end screen showed stays on the terminal once the full-screen view has closed, to
      // scroll and copy; a failure is printed whole (the UI shortens long messages), with what to do.
      printApplyResult(outcome.result, io);
      // Stopped with Ctrl-C while applying: 130, like any cancel (SPEC 1); a failed step: 1.
      if (outcome.result.error) return exitCodeOf(outcome.result.error);
      await keepAnswers(outcome.plan.answers, options, io, effects);
      return 0;
    }
    const facts = await readFacts(input, effects);
    const named = await withCacheNames(input, facts, session, effects);
    const namedFacts = await factsFor(named, effects, facts);
    const { answers, warnings } = completeAnswers(named, namedFacts, options, io, { offline: false });
    const code = await runStraight(answers, warnings, options, io, session, { caPem: namedFacts.caFile?.pem });
    if (code === 0 && !options.dryRun) await keepAnswers(answers, options, io, effects);
    return code;
  });
}

/**
 * The answers with this cache's own names where none are given (SPEC 2, "Many caches on one
 * server"): a first cache on a server keeps the first-setup names, a second one is given names of
 * its own, so that accepting the defaults never takes another cache's user, policy, profile,
 * alias or key. Incomplete answers are left as they are, to be reported naming what is missing.
 */
async function withCacheNames(input: AnswersInput, facts: AnswerFacts, session: ReturnType<typeof createSetupSession>, effects: Effects): Promise<AnswersInput> {
  const resolution = resolveAnswers(input, facts);
  if (!resolution.ok) return input;
  return mergeAnswers(await detectCacheNames(session, resolution.value.answers, input, effects), input);
}

/**
 * Keeps the answers of a successful run for the next one (SPEC 8). Not with --out: the files went
 * elsewhere, and a re-run from those answers would write the real places. A failure to keep them
 * only costs the next run its defaults, so it is a warning, not a failed setup.
 */
async function keepAnswers(answers: Answers, options: CommandOptions, io: CliIo, effects: Effects): Promise<void> {
  if (options.out !== undefined) return;
  try {
    await rememberAnswers(answers, effects);
  } catch (error) {
    if (!options.json) printWarnings([`could not keep the answers for the next run (${error instanceof Error ? error.message : String(error)})`], io.stderr);
  }
}

/** --yes, --dry-run, no TTY, or nothing left to ask: the same steps with no prompt. */
async function runStraight(
  answers: Answers,
  warnings: readonly string[],
  options: CommandOptions,
  io: CliIo,
  session: ReturnType<typeof createSetupSession>,
  ca: CaText,
): Promise<number> {
  const plan = await session.prepareSetup(answers, warnings, ca);
  const progress = options.json ? undefined : io.stderr;
  if (options.dryRun) {
    const reports = await session.checkPlan(plan, progress && ((event) => printCheckReports.onEvent(event, progress)));
    const previews = await session.previewFiles(plan);
    const files = previews.map((p) => ({ path: p.path, action: p.action }));
    const ok = !reports.some((r) => r.status === 'conflict' || r.status === 'failed');
    printResult(options, io, { ok, command: 'setup', dryRun: true, steps: reports, files, next: [], warnings }, () => printCheckReports.summary(reports, plan.steps, files, io.stdout));
    return ok ? 0 : 1;
  }
  const result = await session.applyPlan(plan, progress && ((event) => printCheckReports.onEvent(event, progress)));
  const error = result.error ? { error: { message: result.error.message + (result.error.hint ? ` ${result.error.hint}` : ''), step: result.error.step } } : {};
  printResult(options, io, { ok: !result.error, command: 'setup', dryRun: false, steps: result.steps, files: result.files, next: result.next, warnings, ...error }, () => printApplyResult(result, io));
  return result.error ? 1 : 0;
}
