/** The one JSON result of `--json` (SPEC 7). Secrets never appear: nothing here holds one. */
import type { FileReport } from '../files/planned-file';
import { retryCount } from '../requests/request-rules';
import type { StepStatus } from '../steps/server-step';

/** A step of any command: setup's server steps (SPEC 5) or a rotation's steps. */
export interface JsonStep {
  readonly id: string;
  readonly status: StepStatus;
  readonly detail: string;
}

export interface JsonResult {
  readonly ok: boolean;
  readonly command: string;
  readonly dryRun: boolean;
  readonly steps: readonly JsonStep[];
  readonly files: readonly FileReport[];
  readonly next: readonly string[];
  readonly warnings?: readonly string[];
  /** `rotate key`: what the re-signing of the cache's narinfos found and did */
  readonly resign?: unknown;
  /** `doctor`: the cache's inventory, signatures and findings (source/doctor/doctor-summary.ts doctorJson) */
  readonly doctor?: unknown;
  readonly error?: { readonly message: string; readonly field?: string; readonly step?: string };
  /** `retries`: requests sent again under the retry rule (requests/request-rules.ts) in this command */
  readonly requests?: { readonly retries: number };
}

/** The result as printed; the command's retry count is added from its request rules. */
export function formatJsonResult(result: JsonResult): string {
  return JSON.stringify({ ...result, requests: result.requests ?? { retries: retryCount() } }, null, 2) + '\n';
}
