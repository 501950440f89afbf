/**
 * A builder secret on its way to the AWS profile, or a reader secret on its way to the reader
 * credentials file (SPEC 10: never lose a secret that works).
 * It is saved here, 0600 in the state folder, BEFORE the request that sets it on the server (on
 * Ceph, where the server makes it, as soon as the answer arrives), and removed only once the AWS
 * profile holds it. A run killed, a write refused or an answer lost in between leaves this copy,
 * and the next run starts from it: it checks that the secret works and writes it to the profile.
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Effects } from '../effects';
import { writeSecretFileAtomically } from '../files/write-planned-files';
import { ensureStateDir, setupFileStem, stateDirPath, type SetupIdentity } from './state-dir';

export interface PendingSecret {
  readonly accessKey: string;
  readonly secretKey: string;
  /** ISO time it was saved */
  readonly saved: string;
}

type StateEffects = Pick<Effects, 'env' | 'home' | 'now'>;

/** Whose secret: each has its own pending copy, since their steps run at the same time. */
export type SecretRole = 'builder' | 'reader';

export function pendingSecretPath(effects: Pick<Effects, 'env' | 'home'>, setup: SetupIdentity, role: SecretRole = 'builder'): string {
  return join(stateDirPath(effects), `${setupFileStem(setup)}.pending-${role === 'builder' ? '' : `${role}-`}secret.json`);
}

export async function readPendingSecret(effects: Pick<Effects, 'env' | 'home'>, setup: SetupIdentity, accessKey: string, role: SecretRole = 'builder'): Promise<PendingSecret | undefined> {
  let text: string;
  try {
    text = await readFile(pendingSecretPath(effects, setup, role), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<PendingSecret>;
    if (value.accessKey === accessKey && typeof value.secretKey === 'string' && value.secretKey !== '') {
      return { accessKey, secretKey: value.secretKey, saved: String(value.saved ?? '') };
    }
  } catch {
    // a torn copy cannot happen (atomic write); anything else is not ours to use
  }
  return undefined;
}

export async function savePendingSecret(effects: StateEffects, setup: SetupIdentity, accessKey: string, secretKey: string, role: SecretRole = 'builder'): Promise<string> {
  await ensureStateDir(effects);
  const path = pendingSecretPath(effects, setup, role);
  const record: PendingSecret = { accessKey, secretKey, saved: effects.now().toISOString() };
  await writeSecretFileAtomically(path, `${JSON.stringify(record)}\n`);
  return path;
}

/** Called once the AWS profile (the reader credentials file) holds the secret. */
export async function dropPendingSecret(effects: Pick<Effects, 'env' | 'home'>, setup: SetupIdentity, role: SecretRole = 'builder'): Promise<void> {
  await unlink(pendingSecretPath(effects, setup, role)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
