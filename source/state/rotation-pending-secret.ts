/**
 * A builder secret on its way to the server (SPEC 10: "a secret set on the server is saved locally
 * first"). `rotate credentials` writes the new secret here (0600, atomic) BEFORE the server holds
 * it, and removes the file only after the AWS profile holds it and works. A run that stops in
 * between leaves the file, and the next run finishes the same change with the same secret instead
 * of making another: whatever the server holds, one of the profile's secret and the pending one
 * works. On Ceph the server makes the secret; the file then marks the change as begun, and gets
 * the secret as soon as the server's answer arrives.
 */
import { join } from 'node:path';
import type { Effects } from '../effects';
import { StepError } from '../errors';
import { readStateJson, removeStateFile, writeStateJson } from './state-file';
import { setupFileStem, stateDirPath } from './state-dir';

export interface RotationPending {
  /** the user whose secret changes */
  readonly accessKey: string;
  /** the new secret, or undefined while a server that makes it (Ceph) has not answered yet */
  readonly secret: string | undefined;
  /** ISO time the change began, to say so when a later run finishes it */
  readonly startedAt: string;
  /**
   * Where the server makes the secret: the SHA-256 (hex) of the secret it held before, so a later
   * run can tell whether the change reached the server without keeping the old secret itself.
   */
  readonly beforeSha256?: string | undefined;
}

export function rotationPendingPath(effects: Pick<Effects, 'env' | 'home'>, endpoint: string, bucket: string, accessKey: string): string {
  const user = accessKey.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(stateDirPath(effects), `rotation-pending-${setupFileStem({ endpoint, bucket })}-${user}.json`);
}

export async function readRotationPending(path: string): Promise<RotationPending | undefined> {
  const value = (await readStateJson(path)) as Partial<Record<keyof RotationPending, unknown>> | undefined;
  if (value === undefined) return undefined;
  if (typeof value.accessKey !== 'string' || typeof value.startedAt !== 'string' || !(value.secret === undefined || value.secret === null || typeof value.secret === 'string')) {
    throw new StepError(`The pending secret file ${path} is not one the wizard wrote.`, 'pending', 'Move it away (it may hold the builder secret the server has now) and run again.');
  }
  const before = typeof value.beforeSha256 === 'string' ? { beforeSha256: value.beforeSha256 } : {};
  return { accessKey: value.accessKey, secret: typeof value.secret === 'string' ? value.secret : undefined, startedAt: value.startedAt, ...before };
}

export async function writeRotationPending(path: string, pending: RotationPending): Promise<void> {
  await writeStateJson(path, {
    accessKey: pending.accessKey,
    secret: pending.secret ?? null,
    startedAt: pending.startedAt,
    ...(pending.beforeSha256 === undefined ? {} : { beforeSha256: pending.beforeSha256 }),
  });
}

export async function removeRotationPending(path: string): Promise<void> {
  await removeStateFile(path);
}
