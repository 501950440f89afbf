/**
 * The process handling the test servers share (Ceph RGW in ceph-rgw.ts, MinIO in
 * minio-server.ts): is a process alive, its pid file, and stopping it for good.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The state letter of a /proc stat line (R, S, D, Z, …). */
function stateOf(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/**
 * True while `pid` runs; a zombie (exited, not yet reaped by its parent, which PID 1 may never do
 * here) counts as gone. A process counts as running while any of its threads does: when a
 * multi-threaded server (MinIO, radosgw) is killed, its main thread turns zombie first while
 * others finish (a thread in disk I/O can take seconds on a loaded machine), and until the last
 * one is gone the process still holds its files and its listening port (clean-clone run V of
 * issue 20: a node started again then failed "port already in use").
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readdirSync(`/proc/${pid}/task`).some((task) => {
      try {
        const state = stateOf(readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8'));
        return state !== 'Z' && state !== 'X';
      } catch {
        return false; // that thread is gone
      }
    });
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

/** The pid a pid file holds, or undefined when there is none (or nonsense). */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** How long a killed process may take to end before terminate says so. */
const KILL_WAIT_MS = 30_000;

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone, fails when it still runs 30 s after SIGKILL. */
export async function terminate(pid: number, graceMs = 5_000, pollMs = 25): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(pollMs);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  // every thread must end (isAlive): one in disk I/O on a loaded machine can take a while
  const killDeadline = Date.now() + KILL_WAIT_MS;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(pollMs);
  if (isAlive(pid)) throw new Error(`process ${pid} still runs ${KILL_WAIT_MS / 1000} s after SIGKILL`);
}
