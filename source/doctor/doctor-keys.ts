/**
 * What the doctor reads the bucket with and which keys it judges signatures by (issue 18):
 *  - the builder's profile (it may list and get: all a scan needs), else the admin keys;
 *  - the keys the machines trust: the current public key (key.publicFile, else derived from
 *    key.secretFile) and the previous ones a rotation keeps trusted (answers key.trusted).
 */
import type { Client } from 'minio';
import type { Answers } from '../answers/answers';
import { connectionsFor } from '../connections/connections';
import type { Effects } from '../effects';
import { FileParseError, UsageError } from '../errors';
import { resolveFilePath } from '../files/resolve-file-path';
import { nativeVerifier, type NativeVerifier } from '../keys/native-ed25519';
import { parseNixPublicKey } from '../keys/nix-public-key';
import { convertSecretKeyToPublic } from '../keys/nix-secret-key';
import { knownBuilderSecret, readIfExists } from '../session/prepare-secrets';
import { wizardCommandLine } from '../text/wizard-command';

export interface DoctorClient {
  readonly client: Client;
  /** whose keys sign its requests */
  readonly who: 'builder' | 'admin';
}

export async function doctorClient(answers: Answers, effects: Effects): Promise<DoctorClient> {
  const builder = await knownBuilderSecret(answers, effects);
  let keys: { accessKey: string; secretKey: string; who: 'builder' | 'admin' } | undefined;
  if ((builder.source === 'answers' || builder.source === 'aws-profile') && builder.secret) {
    keys = { accessKey: answers.builder.accessKey, secretKey: builder.secret, who: 'builder' };
  } else if (answers.backend !== 's3' && answers.admin.accessKey && answers.admin.secretKey) {
    keys = { accessKey: answers.admin.accessKey, secretKey: answers.admin.secretKey, who: 'admin' };
  }
  if (keys === undefined) {
    throw new UsageError(
      `doctor reads the bucket with the builder's profile [${answers.builder.profile}] in ${answers.files.awsCredentials} or the admin keys, and neither is known. Run \`${wizardCommandLine(effects.env, 'setup')}\` (it writes the profile), or give admin.accessKey and admin.secretKey.`,
      'builder.profile',
    );
  }
  const client = await (await connectionsFor(answers, effects)).s3(keys);
  return { client, who: keys.who };
}

/** A key that does not parse is bad input (exit 2), naming the field and the rule. */
function asInput<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FileParseError) throw new UsageError(error.message, field);
    throw error;
  }
}

/** The public keys (`NAME:BASE64`) the machines trust, current first; an unreadable key file is bad input. */
export async function trustedKeyTexts(answers: Answers, effects: Effects): Promise<string[]> {
  const texts: string[] = [];
  const publicText = await readIfExists(resolveFilePath(answers.key.publicFile, effects));
  if (publicText !== null && publicText.trim() !== '') {
    asInput('key.publicFile', () => parseNixPublicKey(publicText.trim(), answers.key.publicFile));
    texts.push(publicText.trim());
  } else {
    const secretText = await readIfExists(resolveFilePath(answers.key.secretFile, effects));
    if (secretText !== null && secretText.trim() !== '') texts.push(asInput('key.secretFile', () => convertSecretKeyToPublic(secretText.trim(), answers.key.secretFile)));
  }
  for (const [index, text] of answers.key.trusted.entries()) {
    asInput(`key.trusted[${index}]`, () => parseNixPublicKey(text, `key.trusted[${index}]`));
    if (!texts.includes(text)) texts.push(text);
  }
  return texts;
}

export function trustedVerifiers(texts: readonly string[]): NativeVerifier[] {
  return texts.map((text, index) => nativeVerifier(parseNixPublicKey(text, index === 0 ? 'key.publicFile' : `key.trusted[${index - 1}]`)));
}
