/**
 * One deadline for a whole read-only check (`--dry-run`, the review screen): a server that accepts
 * connections and never answers must not cost every step its own timeout (8 × 30 s). Once the
 * endpoint is found unreachable, or the deadline has passed, the remaining checks fail at once.
 */
import { withDeadline } from '../requests/request-rules';
import type { CheckResult, ServerStep, StepRun } from './server-step';

export const CHECK_DEADLINE_MS = 45_000;
/** How long after the check's deadline its requests are cut off (timers fire in the order they are due). */
const REQUEST_GRACE_MS = 250;

/** Steps whose checks share one deadline; apply is left as it is. */
export function withOneCheckDeadline(steps: readonly ServerStep[], deadlineMs = CHECK_DEADLINE_MS, now: () => number = Date.now): ServerStep[] {
  const end = now() + deadlineMs;
  let unreachable: string | undefined;
  return steps.map((step) => {
    // The run is passed on, so the steps still share one read of each document (the read cache).
    const check = async (run?: StepRun): Promise<CheckResult> => {
      if (unreachable !== undefined) throw new Error(`not checked: ${unreachable}`);
      const left = end - now();
      if (left <= 0) throw new Error(`not checked: the whole check ran out of its ${Math.round(deadlineMs / 1000)} s`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within the ${Math.round(deadlineMs / 1000)} s the whole check may take`)), left);
      });
      try {
        // The deadline reaches the requests themselves (request-rules.ts): they are cut off just
        // after it, so nothing is left running (a dripping server kept `--dry-run` from exiting).
        // Just after, not at it: the race above ends the check first and says why in these words.
        return await Promise.race([withDeadline(left + REQUEST_GRACE_MS, () => step.check(run)), timeout]);
      } catch (error) {
        if (step.id === 'connect' || left <= 0 || now() >= end) unreachable ??= `step "${step.id}" found no working connection to the endpoint`;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    };
    return Object.assign(Object.create(step) as ServerStep, { check });
  });
}
