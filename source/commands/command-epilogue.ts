/**
 * The epilogue every command shares: its result as JSON on stdout under --json, else in words; a
 * failure reported the one way (output/report-failure.ts) with its exit code.
 */
import type { CliIo } from '../cli-io';
import { formatJsonResult, type JsonResult } from '../output/json-result';
import { reportFailure, type FailureContext } from '../output/report-failure';
import type { CommandOptions } from './command-options';

/** Runs a command's body; what it throws is reported (JSON or words) and becomes the exit code. */
export async function runCommand(failure: FailureContext, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportFailure(error, failure);
  }
}

/** The result: `json` on stdout under --json, else `inWords` prints it. */
export function printResult(options: Pick<CommandOptions, 'json'>, io: CliIo, json: JsonResult, inWords: () => void): void {
  if (options.json) io.stdout.write(formatJsonResult(json));
  else inWords();
}
