/** The `rotate credentials` command: answers in, the engine in rotate/rotate-credentials.ts run, the result printed. */
import { backendOf } from '../answers/answer-defaults';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import type { RotationReport } from '../rotate/rotation-steps';
import { printRotationEvent, printRotationResult } from '../rotate/print-rotation';
import type { CommandOptions } from './command-options';
import { confirmChange } from '../plain/confirm-change';
import { printResult, runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';
import { type CredentialRole, credentialRotationWarning, refuseUnrotatable, rotateCredentials, s3Explanation } from '../rotate/rotate-credentials';

export async function runRotateCredentials(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  const role: CredentialRole = options.reader ? 'reader' : 'builder';
  const command = options.reader ? 'rotate credentials --reader' : 'rotate credentials';
  const collected: RotationReport[] = [];
  return runCommand({ io, json: options.json, command, steps: collected }, async () => {
    // The admin secret is never remembered: in a terminal it is asked for (or an mc alias's keys used).
    const { answers, warnings } = await commandAnswers(options, io, effects, {
      offline: false,
      // The s3 explanation needs no admin keys: say it before asking for them.
      refuseEarly: (started) => {
        if (backendOf(started) === 's3') throw new UsageError(`rotate credentials: ${s3Explanation(effects.env)}`, 'backend');
      },
    });
    refuseUnrotatable(answers, role, effects.env);
    await confirmChange({ io, effects, yes: options.yes, json: options.json, warning: credentialRotationWarning(answers, role), question: `Rotate the ${role} secret now?` });
    const result = await rotateCredentials({
      answers,
      role,
      effects,
      onEvent: (event) => {
        if (event.type === 'finished') collected.push(event.report);
        if (!options.json) printRotationEvent(event, io.stderr);
      },
    });
    printResult(options, io, { ok: true, command, dryRun: false, steps: result.steps, files: result.files, next: result.next, warnings }, () => printRotationResult(result, io));
    return 0;
  });
}
