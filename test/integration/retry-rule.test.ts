/**
 * Issue 20 item 1 against the real MinIO: a proxy in front of it (test/helpers/recording-proxy.ts)
 * answers the bucket creation 503 twice, as a busy node behind a balancer does, then lets it
 * through. Setup retries under the one rule, says so in its progress and in --json, and completes.
 * The backoff's sleep is injected (Effects.sleep), so nothing waits.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { minioTargets } from '../helpers/backend-targets';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { makeCliSandbox } from '../helpers/run-cli';

const row = minioTargets().find((candidate) => candidate.target?.adminVia === 'api') ?? minioTargets()[0]!;

describe.skipIf(row.target === null)(`a server that answers 503 twice, then works${row.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
  const target = row.target!;
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  /** A sandbox whose answers name a new bucket behind a proxy that refuses its creation twice. */
  async function sandboxBehindFlakyProxy() {
    const id = randomBytes(4).toString('hex');
    const bucket = `retry-${id}`;
    let refused = 0;
    proxy = await startRecordingProxy(target.endpoint, {
      answerInstead: ({ method, url }) => (method === 'PUT' && url.split('?')[0] === `/${bucket}` && !url.includes('?') && refused++ < 2 ? 503 : undefined),
    });
    const sandbox = makeCliSandbox();
    const slept: number[] = [];
    const effects = sandbox.effects.bind(sandbox);
    sandbox.effects = () => ({ ...effects(), sleep: async (ms: number) => void slept.push(ms) });
    sandbox.writeAnswers({ ...target.answers(proxy.endpoint), bucket, builder: { accessKey: `retry-builder-${id}` } });
    return { sandbox, slept, proxy, bucket };
  }

  it('--json counts the two retries and the setup completes', async () => {
    const { sandbox, slept, proxy, bucket } = await sandboxBehindFlakyProxy();
    const run = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    const json = JSON.parse(run.stdout) as { ok: boolean; requests: { retries: number }; steps: { id: string; status: string }[] };
    expect(run.code).toBe(0);
    expect(json.ok).toBe(true);
    expect(json.requests).toEqual({ retries: 2 });
    expect(json.steps.find((step) => step.id === 'bucket')?.status).toBe('changed');
    expect(slept).toHaveLength(2);
    expect(proxy.requests.filter((request) => request.method === 'PUT' && request.url === `/${bucket}`).map((request) => request.status)).toEqual([503, 503, 200]);
  });

  it('the progress says each retry, and the setup completes', async () => {
    const { sandbox } = await sandboxBehindFlakyProxy();
    const run = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/↻ .*bucket.*: the server answered 503; trying again in [\d.]+ s, attempt 2 of 4/i);
    expect(run.stderr).toMatch(/↻ .*bucket.*: the server answered 503; trying again in [\d.]+ s, attempt 3 of 4/i);
    expect(run.stderr).not.toMatch(/attempt 4 of 4/);
  });
});
