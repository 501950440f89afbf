/**
 * Uploads a file with the aws CLI and an AWS profile exactly as the wizard wrote it (the file
 * through AWS_SHARED_CREDENTIALS_FILE, the profile by name), the way a builder's tools read it.
 * Resolves with the exit code and stderr, so tests can assert a refusal too.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function uploadWithProfile(options: {
  readonly endpoint: string;
  readonly credentialsFile: string;
  readonly profile: string;
  readonly bucket: string;
  readonly key: string;
  readonly dir: string;
}): Promise<{ code: number; stderr: string }> {
  const file = join(options.dir, `upload-${options.key.replace(/\W/g, '_')}`);
  writeFileSync(file, `uploaded as ${options.profile}\n`);
  const env = {
    PATH: process.env['PATH'],
    HOME: options.dir,
    AWS_SHARED_CREDENTIALS_FILE: options.credentialsFile,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
  const args = ['--endpoint-url', options.endpoint, '--profile', options.profile, 's3', 'cp', file, `s3://${options.bucket}/${options.key}`];
  return new Promise((resolve) => {
    execFile('aws', args, { env, encoding: 'utf8', timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}
