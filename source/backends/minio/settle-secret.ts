/**
 * A distributed MinIO learns a user's new secret node by node (issue 20). On a 4-node cluster
 * behind a balancer, right after the cluster or one node started again, one node was seen refusing
 * a secret the wizard had just set (and still taking the one before it) for more than 3 minutes
 * while the other three took it at once; setting the same secret again, which makes the node that
 * takes it tell every other node, ended it. So after the wizard gives MinIO a secret it sends
 * `SETTLE_CHECKS` requests signed with it together, each on a connection of its own (behind a
 * balancer they spread over the nodes), and all must take it. A refusal sends the same secret
 * again (the one saved before the first add-user: nothing new is set, nothing is lost) and asks
 * anew after a pause that doubles, at most `SETTLE_RESENDS` times. On one server this costs one round of cheap requests.
 */
import { currentRules, RETRY_BASE_MS } from '../../requests/request-rules';
import type { KeysCheck } from './builder-keys-check';

/** Requests sent together that must all take the secret: two for each node of a 4-node cluster. */
export const SETTLE_CHECKS = 8;
/**
 * How many times the same secret is sent again before the wizard stops and says so. With the
 * pauses after each (1, 2, 4, 8 s) that is 15 s: right after a restart a node was seen answering
 * InvalidAccessKeyId for a user it had known before for that long, until its IAM was loaded.
 */
export const SETTLE_RESENDS = 4;

export interface SettleInput {
  /** one request signed with the secret (builderKeysChecker) */
  readonly check: () => Promise<KeysCheck>;
  /** sends the same secret again (add-user with the secret already set) */
  readonly resend: () => Promise<void>;
}

/** What settling came to: the last check, and how many times the secret was sent again. */
export type Settled = KeysCheck & { readonly resent: number };

export async function settleSecret(input: SettleInput): Promise<Settled> {
  for (let resent = 0; ; resent++) {
    const answers = await Promise.all(Array.from({ length: SETTLE_CHECKS }, () => input.check()));
    const last = answers.find((answer) => !answer.works) ?? answers[0]!;
    if (last.works || resent >= SETTLE_RESENDS) return { ...last, resent };
    await input.resend();
    await currentRules().sleep(RETRY_BASE_MS * 2 ** resent);
  }
}

/** " (sent N more times before every request took it: …)", or nothing when the first time was enough. */
export function resentNote(settled: Settled): string {
  return settled.resent === 0 ? '' : ` (sent ${settled.resent} more time${settled.resent === 1 ? '' : 's'} before every request took it: a node of a cluster still refused it)`;
}
