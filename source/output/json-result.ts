/** The one JSON result of `--json` (SPEC 7). Secrets never appear: nothing here holds one. */
import type { FileReport } from '../files/planned-file';
import type { StepReport } from '../plan/server-step';

export interface JsonResult {
  readonly ok: boolean;
  readonly command: string;
  readonly dryRun: boolean;
  readonly steps: readonly StepReport[];
  readonly files: readonly FileReport[];
  readonly next: readonly string[];
  readonly warnings?: readonly string[];
  readonly error?: { readonly message: string; readonly field?: string; readonly step?: string };
}

export function formatJsonResult(result: JsonResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}
