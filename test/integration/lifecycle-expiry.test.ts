/**
 * SPEC 5 `expiry` on a real Ceph RGW: with the rules the expiry step writes, narinfos (and logs,
 * realisations, listings) expire, `nar/` NAR_MARGIN_DAYS "days" later, and `nix-cache-info` never
 * (notes/s3-policies-and-lifecycle.md).
 *
 * RGW's lifecycle "day" is shortened per run with `radosgw-admin --rgw-lc-debug-interval=N lc
 * process` (a day is N seconds; notes/ceph-rgw.md), which processes the rules to completion. It
 * runs on a private cluster (~2.5 s to start) without lifecycle threads: `lc process` walks every
 * bucket with rules, and the shared RGW collects many from other tests, which would make a pass
 * longer than a "day". So only these explicit passes expire anything, in this bucket alone. A pass over 188 rules takes about 40 s here, so the timing is chosen from the clock:
 * pass 1 uses a "day" as long as the narinfos' age, so they are due and NARs (due after 1 +
 * NAR_MARGIN_DAYS days) are not; pass 2 uses a one-second day, once the NARs are older than that.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { putLifecycleXml, readObjectText } from '../../source/backends/s3/s3-requests';
import { NAR_MARGIN_DAYS } from '../../source/backends/s3/lifecycle-rules';
import { s3Steps } from '../../source/backends/s3/s3-steps';
import { renderNixCacheInfo } from '../../source/files/render-nix-cache-info';
import { radosgwAdmin, startCephRgw, type CephRgw } from '../helpers/ceph-rgw';
import { makeAnswers } from '../backends/s3/answers-fixture';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');

/** How old the narinfos are when pass 1 starts, in seconds: longer than a pass takes. */
// 90 s, about twice what a pass over 188 rules takes here, so a slower CI machine still decides it.
const FIRST_DAY_SECONDS = Number(process.env['NIX_CACHE_LC_TEST_DAY'] ?? 90);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function hash(start: string): string {
  const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
  let out = start;
  while (out.length < 32) out += alphabet[randomBytes(1)[0]! % 32];
  return out;
}

describe.skipIf(rgw === null)(`lifecycle expiry on Ceph RGW${unavailable ? ` (${unavailable})` : ''}`, () => {
  let info: CephRgw;
  beforeAll(async () => {
    info = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
  });
  afterAll(async () => {
    await info?.stop();
  });

  it('expires narinfos, then nar/ NAR_MARGIN_DAYS later, and never nix-cache-info', { timeout: 900_000 }, async () => {
    // Given a cache bucket set up by the steps with expireDays 1
    const bucket = `expiry-${randomBytes(4).toString('hex')}`;
    const answers = makeAnswers({
      backend: 'minio',
      endpoint: info.endpoint,
      bucket,
      expireDays: 1,
      admin: { accessKey: info.accessKey, secretKey: info.secretKey },
    });
    const client = createS3Client({ endpoint: info.endpoint, region: 'us-east-1', accessKey: info.accessKey, secretKey: info.secretKey });
    const cacheInfoContent = renderNixCacheInfo(answers.cacheInfo);
    for (const step of s3Steps({ answers, client, cacheInfoContent })) {
      if ((await step.check()).status === 'todo') await step.apply();
    }

    try {
      // And objects as Nix writes them, with hashes that start like nix-cache-info and nar/
      const expiring = [
        `${hash('0')}.narinfo`,
        `${hash('z')}.narinfo`,
        `${hash('n0')}.narinfo`,
        `${hash('ni0')}.narinfo`,
        `${hash('nix')}.narinfo`,
        `${hash('na0')}.narinfo`,
        `${hash('nar')}.narinfo`,
        `${hash('nn')}.ls`,
        'log/abc-hello-2.12.drv',
        'realisations/sha256:0abc!out.doi',
        'debuginfo/0123abcd',
      ];
      const nars = [`nar/${hash('1')}.nar.xz`, `nar/${hash('n')}.nar`];
      const firstUpload = Date.now();
      for (const key of [...expiring, ...nars]) await client.putObject(bucket, key, Buffer.from(key));
      const lastUpload = Date.now();

      const keys = async (): Promise<string[]> => {
        const names: string[] = [];
        for await (const item of client.listObjectsV2(bucket, '', true)) names.push((item as { name: string }).name);
        return names.sort();
      };
      const pass = async (daySeconds: number): Promise<{ started: number; ended: number }> => {
        const started = Date.now();
        await radosgwAdmin(info, [`--rgw-lc-debug-interval=${daySeconds}`, '--rgw-lc-max-wp-worker=1', 'lc', 'process'], 600_000);
        return { started, ended: Date.now() };
      };

      // When a lifecycle pass runs once the narinfos are one "day" old
      const wait = lastUpload + FIRST_DAY_SECONDS * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      const day = Math.floor((Date.now() - lastUpload) / 1000);
      const first = await pass(day);

      // Then the narinfos, listings, logs, realisations and debug info are gone
      const afterFirst = await keys();
      expect(afterFirst.filter((key) => expiring.includes(key))).toEqual([]);
      // And nix-cache-info is still there, unchanged
      expect(afterFirst).toContain('nix-cache-info');
      expect(await readObjectText(client, bucket, 'nix-cache-info')).toBe(cacheInfoContent);
      // And the NARs are still there: the pass ended before they were 1 + NAR_MARGIN_DAYS "days" old
      const narDays = 1 + NAR_MARGIN_DAYS;
      const oldestNarAgeAtEnd = (first.ended - firstUpload) / 1000;
      if (oldestNarAgeAtEnd >= narDays * day) {
        throw new Error(
          `inconclusive: the lifecycle pass took ${Math.round((first.ended - first.started) / 1000)} s, so the NARs were ${Math.round(oldestNarAgeAtEnd)} s old (${narDays} "days" of ${day} s) before it ended; raise NIX_CACHE_LC_TEST_DAY`,
        );
      }
      expect(afterFirst.filter((key) => key.startsWith('nar/'))).toEqual([...nars].sort());

      // When a pass runs with a one-second "day", once every NAR is older than 1 + NAR_MARGIN_DAYS of them
      await sleep(Math.max(0, firstUpload + (narDays + 1) * 1000 - Date.now()));
      await pass(1);

      // Then the NARs are gone too, and nix-cache-info never goes
      expect(await keys()).toEqual(['nix-cache-info']);
      expect(await readObjectText(client, bucket, 'nix-cache-info')).toBe(cacheInfoContent);
    } finally {
      await putLifecycleXml(client, bucket, null);
    }
  });
});
