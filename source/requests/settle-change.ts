/**
 * Settling a change on every node behind one endpoint (issue 20). A distributed MinIO learns a
 * change node by node: the node that takes a write tells the others, and each reloads it from the
 * drives. Right after the cluster or one node started again, a node was seen keeping what it held
 * before for minutes: a builder secret (it refused the new one), a bucket policy (it served the
 * one before: anonymous reads refused). Writing the same thing again, which makes MinIO tell every
 * node once more, ended it.
 *
 * So after such a change the wizard asks `SETTLE_ASKS` times together, each on a connection of its
 * own (behind a balancer they spread over the nodes: two for each node of a 4-node cluster), and
 * the answers must settle (all take the secret, all serve the same policy). When they do not, it
 * writes the same thing again (nothing new is set: what was written stays what it was) and asks
 * anew after a pause that doubles, at most `SETTLE_RESENDS` times (1 + 2 + 4 + 8 s). On one server
 * this costs one round of cheap requests.
 */
import { currentRules, RETRY_BASE_MS } from './request-rules';

/** Requests sent together whose answers must settle: two for each node of a 4-node cluster. */
export const SETTLE_ASKS = 8;
/**
 * How many times the same change is written again before the wizard stops and says so. With the
 * pauses after each (1, 2, 4, 8 s) that is 15 s: right after a restart a node was seen answering
 * InvalidAccessKeyId for a user it had known before for that long, until its IAM was loaded.
 */
export const SETTLE_RESENDS = 4;

export interface SettleInput<T> {
  /** one request asking what the server holds now */
  readonly ask: () => Promise<T>;
  /** whether these answers, asked together, say every node holds the change */
  readonly settled: (answers: readonly T[]) => boolean;
  /** writes the same change again */
  readonly resend: () => Promise<void>;
}

/** The last round of answers, whether it settled, and how many times the change was written again. */
export interface Settled<T> {
  readonly answers: readonly T[];
  readonly settled: boolean;
  readonly resent: number;
}

export async function settleChange<T>(input: SettleInput<T>): Promise<Settled<T>> {
  for (let resent = 0; ; resent++) {
    const answers = await Promise.all(Array.from({ length: SETTLE_ASKS }, () => input.ask()));
    const settled = input.settled(answers);
    if (settled || resent >= SETTLE_RESENDS) return { answers, settled, resent };
    await input.resend();
    await currentRules().sleep(RETRY_BASE_MS * 2 ** resent);
  }
}
