/**
 * The signing key and the builder secret a run works with (SPEC 3): an existing secret key file
 * is reused, never overwritten; the builder secret comes from the answers, else from the AWS
 * profile written by an earlier run, else it is generated (on ceph the server generates it).
 */
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import { StepError, UsageError } from '../errors';
import { readRegularFile } from '../files/regular-file';
import { resolveFilePath } from '../files/resolve-file-path';
import { generateNixSecretKey, parseNixSecretKey, type NixSecretKey } from '../keys/nix-secret-key';
import { generateBuilderSecret } from '../secrets/generate-builder-secret';
import { readPendingSecret } from '../state/pending-secret';
import { readAwsProfile } from '../files/read-aws-profile';

/** Reads a file the answers name, or null when missing; a FIFO, device or folder is bad input naming `field`. */
export async function readIfExists(path: string, field = 'files'): Promise<string | null> {
  try {
    return await readRegularFile(path, field);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StepError(`Could not read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'files', 'Check its permissions.');
  }
}

export async function loadOrGenerateKey(answers: Answers, effects: Effects): Promise<{ key: NixSecretKey; reused: boolean }> {
  const path = resolveFilePath(answers.key.secretFile, effects);
  const existing = await readIfExists(path, 'key.secretFile');
  if (existing !== null) return { key: parseNixSecretKey(existing, path), reused: true };
  return { key: generateNixSecretKey(answers.key.name, (n) => effects.randomBytes(n)), reused: false };
}

export interface BuilderSecret {
  readonly secret: string | undefined;
  readonly source: 'answers' | 'pending' | 'aws-profile' | 'generated' | 'server';
}

export async function knownBuilderSecret(answers: Answers, effects: Effects): Promise<BuilderSecret> {
  if (answers.builder.secretKey !== undefined) return { secret: answers.builder.secretKey, source: 'answers' };
  // A secret an earlier run set (or was about to set) on the server but did not get into the AWS
  // profile: newer than whatever the profile holds, and the one the server may now have.
  const pending = await readPendingSecret(effects, answers, answers.builder.accessKey);
  if (pending) return { secret: pending.secretKey, source: 'pending' };
  const content = await readIfExists(resolveFilePath(answers.files.awsCredentials, effects), 'files.awsCredentials');
  const profile = content === null ? undefined : readAwsProfile(content, answers.builder.profile);
  if (profile?.accessKeyId === answers.builder.accessKey && profile.secretAccessKey) {
    return { secret: profile.secretAccessKey, source: 'aws-profile' };
  }
  // On ceph the server generates the secret: one sent in a query string lands in RGW's access log.
  if (answers.backend === 'ceph') return { secret: undefined, source: 'server' };
  return { secret: generateBuilderSecret((n) => effects.randomBytes(n)), source: 'generated' };
}

/**
 * The reader's secret on a private cache (SPEC 2 `reader`): from the answers, else from the reader
 * credentials file an earlier run wrote, else generated (on ceph the server generates it).
 * undefined on a public cache, where there is no reader.
 */
export async function knownReaderSecret(answers: Answers, effects: Effects): Promise<BuilderSecret | undefined> {
  if (answers.anonymous !== 'none') return undefined;
  if (answers.reader.secretKey !== undefined) return { secret: answers.reader.secretKey, source: 'answers' };
  const pending = await readPendingSecret(effects, answers, answers.reader.accessKey, 'reader');
  if (pending) return { secret: pending.secretKey, source: 'pending' };
  const content = await readIfExists(resolveFilePath(answers.files.readerCredentials, effects));
  const profile = content === null ? undefined : readAwsProfile(content, answers.reader.profile);
  if (profile?.accessKeyId === answers.reader.accessKey && profile.secretAccessKey) {
    return { secret: profile.secretAccessKey, source: 'aws-profile' };
  }
  if (answers.backend === 'ceph') return { secret: undefined, source: 'server' };
  return { secret: generateBuilderSecret((n) => effects.randomBytes(n)), source: 'generated' };
}
