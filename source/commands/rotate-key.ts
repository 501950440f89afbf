/** The `rotate key` command: answers in, the engine in rotate/rotate-key.ts run, the result printed. */
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { printWarnings } from '../output/print-warnings';
import { printRotationEvent, printRotationResult } from '../rotate/print-rotation';
import { type RotationReport } from '../rotate/rotation-steps';
import type { CommandOptions } from './command-options';
import { confirmChange } from '../plain/confirm-change';
import { printResult, runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';
import { keyRotationWarning, rotateKey } from '../rotate/rotate-key';

export async function runRotateKey(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  const command = options.dropOld ? 'rotate key --drop-old' : 'rotate key';
  const collected: RotationReport[] = [];
  return runCommand({ io, json: options.json, command, steps: collected }, async () => {
    if (options.force && !options.dropOld) throw new UsageError('--force goes with --drop-old only.', '--force');
    // Re-signing uses the builder's keys; admin keys are not needed.
    const { input, answers, warnings } = await commandAnswers(options, io, effects, { offline: true });
    if (options.dropOld) {
      await confirmChange({ io, effects, yes: options.yes, json: options.json, warning: keyRotationWarning(answers, true), question: 'Trust only the current key from now on?' });
    } else if (options.confirm) {
      await confirmChange({ io, effects, yes: options.yes, json: options.json, warning: keyRotationWarning(answers, false), question: 'Rotate the signing key now?' });
    }
    let lastLine = 0;
    const result = await rotateKey({
      answers,
      effects,
      dropOld: options.dropOld,
      force: options.force,
      onEvent: (event) => {
        if (event.type === 'finished') collected.push(event.report);
        if (options.json) return;
        if (event.type === 'resign-progress') {
          const now = Date.now();
          if (event.done || now - lastLine > 2000) {
            lastLine = now;
            io.stderr.write(`  … ${event.counts.seen} narinfos looked at, ${event.counts.signed} re-signed, ${event.counts.already} already signed\n`);
          }
          return;
        }
        printRotationEvent(event, io.stderr);
      },
    });
    // An answers file that lists key.trusted wins over what the rotation remembered: say what it must say now.
    const given = input.key?.trusted;
    const listed = [...(given ?? [])].sort().join(' ');
    const allWarnings =
      given !== undefined && listed !== [...result.trusted].sort().join(' ')
        ? [...warnings, `key.trusted: the answers list the trusted keys themselves; set it to ${JSON.stringify(result.trusted)}, or remove it, before the next run`]
        : warnings;
    if (!options.json) printWarnings(allWarnings.slice(warnings.length), io.stderr);
    printResult(options, io, { ok: true, command, dryRun: false, steps: result.steps, files: result.files, next: result.next, warnings: allWarnings, resign: result.resign }, () => printRotationResult(result, io));
    return 0;
  });
}

