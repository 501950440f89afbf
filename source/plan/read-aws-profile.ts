/**
 * Reads one profile's keys from an AWS shared credentials file, so a re-run reuses the builder
 * secret written last time instead of making (and setting) a new one. Read-only and lenient: a
 * file it cannot read gives undefined; the writer (render-aws-credentials.ts) is the strict one.
 */
export interface AwsProfileKeys {
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

export function readAwsProfile(content: string, profile: string): AwsProfileKeys | undefined {
  let inSection = false;
  let found = false;
  const values: Record<string, string> = {};
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]/.exec(line);
    if (header) {
      inSection = header[1] === profile;
      found ||= inSection;
      continue;
    }
    if (!inSection) continue;
    const option = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (option) values[option[1]!.toLowerCase()] = option[2]!;
  }
  if (!found) return undefined;
  return { accessKeyId: values['aws_access_key_id'], secretAccessKey: values['aws_secret_access_key'] };
}

/**
 * Which profiles hold keys, as profile → access key ID (no secrets): lets the wizard offer to keep
 * the secret an earlier run wrote instead of proposing a new one for a user that already exists.
 */
export function readProfileAccessKeys(content: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of content.matchAll(/^\s*\[([^\]\r\n]+)\]/gm)) {
    const name = match[1]!;
    const keys = readAwsProfile(content, name);
    if (keys?.accessKeyId && keys.secretAccessKey) found[name] = keys.accessKeyId;
  }
  return found;
}
