/** The `prune` command: flags checked, answers in (the admin's keys), the engine in prune/ run, the result printed. */
import type { CliIo } from '../cli-io';
import { connectionsFor } from '../connections/connections';
import type { Effects } from '../effects';
import { CancelledError } from '../errors';
import { confirmChange } from '../plain/confirm-change';
import { keepDaysOf, parseKeepDays, pruneMinAge } from '../prune/prune-options';
import { planText, printPruneResult, progressLine } from '../prune/print-prune';
import { pruneCache, type PruneResult } from '../prune/prune-cache';
import { SWEPT_KINDS } from '../prune/plan-sweep';
import { loadPins, pruneReportPath, rememberPins } from '../prune/remembered-pins';
import type { CommandOptions } from './command-options';
import { printResult, runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';

export async function runPrune(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  const command = 'prune';
  return runCommand({ io, json: options.json, command }, async () => {
    const flags = options.prune ?? { keepDays: undefined, minAge: undefined, pins: undefined, apply: false };
    // Bad flags are refused before anything is read or asked.
    const keepDaysFlag = parseKeepDays(flags.keepDays);
    const minAgeMs = pruneMinAge(flags.minAge);
    const minAge = flags.minAge ?? '1h';
    // Deleting needs the admin's keys: the builder can delete nothing, by design.
    const { answers, warnings } = await commandAnswers(options, io, effects, { offline: false });
    const setup = { endpoint: answers.endpoint, bucket: answers.bucket };
    const pins = await loadPins(flags.pins, setup, effects);
    await rememberPins(pins, setup, effects);
    const keepDays = keepDaysOf(keepDaysFlag, answers.expireDays);
    const client = await (await connectionsFor(answers, effects)).s3ForSteps();
    const terminal = io.interactive && !effects.env['CI'] && !options.json && !options.yes;
    const shown = { keepDays, minAge, pinFiles: pins.files };
    let lastLine = 0;
    const result: PruneResult = await pruneCache({
      client,
      bucket: answers.bucket,
      now: () => effects.now(),
      keepDays,
      minAgeMs,
      pins: pins.hashes,
      apply: flags.apply,
      reportPath: pruneReportPath(setup, effects),
      // In a terminal the plan is shown and the deletion asked for (default no).
      ...(terminal && !flags.apply
        ? {
            decide: async (plan) => {
              const count = SWEPT_KINDS.reduce((sum, kind) => sum + plan.toFree[kind].count, 0);
              try {
                await confirmChange({ io, effects, yes: false, json: false, warning: planText(plan, shown), question: `Delete these ${count} objects now?` });
                return true;
              } catch (error) {
                if (error instanceof CancelledError) return false;
                throw error;
              }
            },
          }
        : {}),
      onProgress: (progress) => {
        if (options.json) return;
        const now = Date.now();
        if (progress.done || now - lastLine > 2000) {
          lastLine = now;
          io.stderr.write(`${progressLine(progress)}\n`);
        }
      },
    });
    const next = result.applied ? [`Every key deleted is listed in ${result.reportPath}.`] : ['Dry run: nothing was deleted. Run again with --apply to delete.'];
    const json = { ok: result.failedCount === 0, command, dryRun: !result.applied, steps: [], files: [], next, warnings, prune: { keepDays, minAgeMs, pinFiles: pins.files, ...result } };
    printResult(options, io, json, () => printPruneResult(result, shown, io));
    return result.failedCount > 0 ? 1 : 0;
  });
}
