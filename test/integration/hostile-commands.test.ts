/**
 * Issue 16, whole commands against the hostile-server stand-in on 127.0.0.1
 * (test/helpers/hostile-http-server.ts): each runs the built CLI in its own process, so "it ended"
 * means the process exited by itself (`setup --dry-run` once printed its 45 s timeout and never
 * exited), and its peak memory is read from /proc (an endless body once grew it to 23 GB, a
 * 100 MB one to 0.9 GB). Needs `node scripts/build.mjs` first.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HostileBehaviour, type HostileServer, type HostileServerOptions, startHostileServer } from '../helpers/hostile-http-server';
import { makeCliSandbox } from '../helpers/run-cli';

const CLI = resolve('dist/cli.js');
const PEAK_LIMIT_KB = 300 * 1024;

interface Ended {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** the process's peak resident memory (VmHWM), in KiB, as last read before it exited */
  readonly peakKb: number;
}

/** Runs the built CLI against `endpoint` with minimal MinIO answers; resolves when the process exits. */
function runCli(endpoint: string, args: readonly string[]): Promise<Ended> {
  const sandbox = makeCliSandbox();
  sandbox.writeAnswers({ backend: 'minio', endpoint, admin: { accessKey: 'admin', secretKey: 'Admin-Secret-1' }, bucket: 'cache' });
  const child = spawn(process.execPath, [CLI, ...args, '--answers', 'answers.json'], { cwd: sandbox.cwd, env: { PATH: process.env['PATH'], HOME: sandbox.home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peakKb = 0;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const sample = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm !== undefined) peakKb = Math.max(peakKb, Number(hwm));
    } catch {
      // exited between two reads
    }
  }, 50);
  return new Promise((resolveEnded) =>
    child.on('exit', (code) => {
      clearInterval(sample);
      resolveEnded({ code, stdout, stderr, peakKb });
    }),
  );
}

describe.skipIf(!existsSync(CLI))('commands against a hostile server (skipped without dist/cli.js: node scripts/build.mjs)', () => {
  let server: HostileServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const hostile = async (behaviour: HostileBehaviour, options?: HostileServerOptions) => (server = await startHostileServer(behaviour, options));

  it('setup --dry-run against an endless chunked body stops with "larger than", exits 1, and stays small', async () => {
    const { endpoint } = await hostile('endless-chunked');
    const ended = await runCli(endpoint, ['setup', '--dry-run', '--json']);
    expect(ended.code).toBe(1);
    const json = JSON.parse(ended.stdout) as { ok: boolean; steps: { id: string; status: string; detail: string }[] };
    expect(json.ok).toBe(false);
    expect(json.steps.find((step) => step.id === 'connect')).toMatchObject({ status: 'failed', detail: expect.stringContaining('larger than') });
    expect(ended.peakKb).toBeGreaterThan(0);
    expect(ended.peakKb).toBeLessThan(PEAK_LIMIT_KB);
  });

  it('setup --yes against a 100 MB body stops with "larger than", exits 1, and stays small', async () => {
    const { endpoint } = await hostile('huge-body');
    const ended = await runCli(endpoint, ['setup', '--yes', '--json']);
    expect(ended.code).toBe(1);
    expect(ended.stdout).toContain('larger than');
    expect(ended.peakKb).toBeGreaterThan(0);
    expect(ended.peakKb).toBeLessThan(PEAK_LIMIT_KB);
  });

  it('setup --dry-run against a byte every 2 s ends within its deadlines (45 s for the checks) and the process exits', async () => {
    const { endpoint } = await hostile('slow-drip', { dripMs: 2_000 });
    const ended = await runCli(endpoint, ['setup', '--dry-run', '--json']);
    expect(ended.code).toBe(1);
    const json = JSON.parse(ended.stdout) as { steps: { id: string; status: string; detail: string }[] };
    // the stand-in answers a HEAD whole (it carries no body): once one came back before, the
    // time-out is said as one after earlier answers of the command
    expect(json.steps.find((step) => step.id === 'connect')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/did not answer in time|answered earlier requests of this command, then gave no complete answer to one in time|45 s/),
    });
    expect(ended.peakKb).toBeLessThan(PEAK_LIMIT_KB);
  }, 120_000);
});
