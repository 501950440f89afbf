/**
 * A run of the built CLI in its own process that meets a fault right after the server carried out
 * one chosen request (SPEC 10, "never lose a secret that works"): a proxy in front of the server
 * lets that request through once and never passes its answer on, as a lost answer does; with
 * `process killed`, the CLI process is also killed at that moment. Shared by the Ceph RGW and
 * MinIO secret-never-lost suites.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy';
import type { CliSandbox } from './run-cli';

const CLI = resolve('dist/cli.js');

export type Fault = 'answer lost' | 'process killed';

export interface ChildRun {
  readonly done: Promise<{ code: number | null; signal: string | null; stdout: string }>;
  kill(): void;
}

/** The built CLI in its own process, so it can really be killed. */
export function runChild(sandbox: CliSandbox, args: readonly string[]): ChildRun {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: sandbox.cwd, env: { PATH: process.env['PATH'], HOME: sandbox.home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.resume();
  return {
    done: new Promise((resolveDone) => child.on('exit', (code, signal) => resolveDone({ code, signal, stdout }))),
    kill: () => child.kill('SIGKILL'),
  };
}

export interface FaultyProxy {
  readonly proxy: RecordingProxy;
  /** true until the chosen request has met the fault */
  armed(): boolean;
  /** starts `args` in a child process the fault can kill; resolves when it has exited */
  run(sandbox: CliSandbox, args: readonly string[]): ChildRun['done'];
}

/** A proxy to `upstream` that drops the answer to the first request `matches` picks. */
export async function faultyProxy(upstream: string, fault: Fault, matches: (request: { readonly method: string; readonly url: string }) => boolean): Promise<FaultyProxy> {
  let armed = true;
  let child: ChildRun | undefined;
  const proxy = await startRecordingProxy(upstream, {
    onAnswer: (request) => {
      if (!armed || !matches(request)) return 'forward';
      armed = false;
      if (fault === 'process killed') child?.kill();
      return 'drop';
    },
  });
  return {
    proxy,
    armed: () => armed,
    run: (sandbox, args) => {
      child = runChild(sandbox, args);
      return child.done;
    },
  };
}
