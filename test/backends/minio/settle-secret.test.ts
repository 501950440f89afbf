/**
 * settleSecret (issue 20): after MinIO is given a secret, the wizard sends SETTLE_CHECKS requests
 * signed with it together, and all must take it; a refusal (one node of a cluster not yet told) sends the same secret
 * again. The checks here stand for four nodes behind a round-robin balancer, one of them stale.
 */
import { describe, expect, it } from 'vitest';
import { settleSecret } from '../../../source/backends/minio/settle-secret';
import { SETTLE_ASKS as SETTLE_CHECKS, SETTLE_RESENDS } from '../../../source/requests/settle-change';
import { runWithRequestRules } from '../../../source/requests/request-rules';
import type { KeysCheck } from '../../../source/backends/minio/builder-keys-check';

const taken: KeysCheck = { works: true, detail: 'the server accepted a request signed with it' };
const refused: KeysCheck = { works: false, detail: 'the server refused it (SignatureDoesNotMatch)' };

/** Four nodes asked in turn; `stale` refuses until the secret is sent again `staleUntil` times. */
function cluster(stale: number | undefined, staleUntil = 1) {
  let asked = 0;
  let resent = 0;
  const slept: number[] = [];
  return {
    check: async () => ((asked++ % 4 === stale && resent < staleUntil) ? refused : taken),
    resend: async () => void (resent += 1),
    asked: () => asked,
    slept,
    run: <T>(work: () => Promise<T>) => runWithRequestRules({ sleep: async (ms) => void slept.push(ms) }, work),
  };
}

describe('settleSecret', () => {
  it('on one server (or a cluster that took it everywhere): SETTLE_CHECKS requests, nothing sent again', async () => {
    const server = cluster(undefined);
    const settled = await server.run(() => settleSecret(server));
    expect(settled).toMatchObject({ works: true, resent: 0 });
    expect(server.asked()).toBe(SETTLE_CHECKS);
  });

  it('a node that still refuses: the same secret is sent again and then every node takes it', async () => {
    const server = cluster(2);
    const settled = await server.run(() => settleSecret(server));
    expect(settled).toMatchObject({ works: true, resent: 1 });
    // a round with the stale node's refusals, then a round every node took
    expect(server.asked()).toBe(2 * SETTLE_CHECKS);
    expect(server.slept).toEqual([1000]);
  });

  it('a node that never takes it: stops after SETTLE_RESENDS sends, saying it is refused', async () => {
    const server = cluster(0, Infinity);
    const settled = await server.run(() => settleSecret(server));
    expect(settled).toMatchObject({ works: false, resent: SETTLE_RESENDS, detail: refused.detail });
    expect(server.asked()).toBe(SETTLE_CHECKS * (SETTLE_RESENDS + 1));
    expect(server.slept).toEqual([1000, 2000, 4000, 8000]);
  });
});
