import { FileParseError } from '../errors';
import { readAwsCredentials } from './render-aws-credentials';

/**
 * Reads one profile's keys from an AWS shared credentials file, so a re-run reuses the builder
 * secret written last time instead of making (and setting) a new one. Read-only and lenient: a
 * file botocore refuses gives undefined (the writer refuses it); the line rules are the writer's own.
 */
export interface AwsProfileKeys {
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

export function readAwsProfile(content: string, profile: string): AwsProfileKeys | undefined {
  const values = readAll(content)?.get(profile);
  if (values === undefined) return undefined;
  return { accessKeyId: values['aws_access_key_id'], secretAccessKey: values['aws_secret_access_key'] };
}

/** The file read with botocore's rules (the writer's own reader); undefined when botocore refuses it. */
function readAll(content: string): Map<string, Record<string, string>> | undefined {
  try {
    return readAwsCredentials(content, 'the AWS credentials file');
  } catch (error) {
    if (error instanceof FileParseError) return undefined;
    throw error;
  }
}

/**
 * Which profiles hold keys, as profile → access key ID (no secrets): lets the wizard offer to keep
 * the secret an earlier run wrote instead of proposing a new one for a user that already exists.
 */
export function readProfileAccessKeys(content: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, values] of readAll(content) ?? []) {
    const accessKeyId = values['aws_access_key_id'];
    if (accessKeyId && values['aws_secret_access_key']) found[name] = accessKeyId;
  }
  return found;
}
