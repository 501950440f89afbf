/**
 * A distributed MinIO learns a user's new secret node by node (issue 20): on a 4-node cluster
 * behind a balancer, right after the cluster or one node started again, one node was seen refusing
 * a secret the wizard had just set (and still taking the one before it) for more than 3 minutes
 * while the other three took it at once; setting the same secret again ended it. So after the
 * wizard gives MinIO a secret it settles it (requests/settle-change.ts): requests signed with it
 * are sent together and all must take it; a refusal sends the same secret again (the one saved
 * before the first add-user: nothing new is set, nothing is lost).
 */
import { settleChange } from '../../requests/settle-change';
import type { KeysCheck } from './builder-keys-check';

export interface SettleInput {
  /** one request signed with the secret (builderKeysChecker) */
  readonly check: () => Promise<KeysCheck>;
  /** sends the same secret again (add-user with the secret already set) */
  readonly resend: () => Promise<void>;
}

/** What settling came to: the last check (a refusal, if any), and how many times the secret was sent again. */
export type Settled = KeysCheck & { readonly resent: number };

export async function settleSecret(input: SettleInput): Promise<Settled> {
  const { answers, resent } = await settleChange({ ask: input.check, settled: (checks) => checks.every((check) => check.works), resend: input.resend });
  return { ...(answers.find((answer) => !answer.works) ?? answers[0]!), resent };
}

/** " (sent N more times before every request took it: …)", or nothing when the first time was enough. */
export function resentNote(settled: Settled): string {
  return settled.resent === 0 ? '' : ` (sent ${settled.resent} more time${settled.resent === 1 ? '' : 's'} before every request took it: a node of a cluster still refused it)`;
}
