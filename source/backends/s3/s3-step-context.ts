/**
 * What the S3 steps read (STYLE: each step declares what it needs) and the shape of their manual
 * commands (SPEC 5: `mc` for MinIO, `aws s3api` / `radosgw-admin` for Ceph, `aws s3api` for S3;
 * secrets only as placeholders).
 */
import type { Client } from 'minio';
import type { Answers } from '../../answers/answers';
import type { SaveBackup } from '../../files/save-server-backup';
import { newStepRun, type StepRun } from '../../steps/server-step';
import { s3Documents, serverTraits, type S3Documents } from './s3-documents';
import { quoteForShell as shellWord } from '../../text/quote-for-shell';

/** Quotes a word for the manual commands shown to the user (one rule for every backend). */
export { shellWord };

export interface S3StepContext {
  /** the resolved answers; the steps read backend, endpoint, region, caFile, insecure, alias, bucket, builder.accessKey, anonymous, expireDays, files.cacheInfo */
  readonly answers: Answers;
  /**
   * A `minio` client for the endpoint (`createS3Client`), signed with the admin keys on `minio` and
   * `ceph`, with the builder keys on `s3` (which has no admin keys): see `s3StepKeys`.
   */
  readonly client: Client;
  /** the rendered `nix-cache-info` the `cache-info` step uploads */
  readonly cacheInfoContent: string;
  /**
   * Ceph only: the RGW uid of the builder, the principal of the write statement. Defaults to
   * `answers.builder.accessKey`, which the Ceph `user` step uses as the uid.
   */
  readonly builderUid?: string;
  /**
   * Saves a server document (bucket policy, lifecycle configuration) to a local backup file before
   * settings someone else made are replaced (`serverBackupSaver`); without it they are not replaced.
   */
  readonly saveBackup?: SaveBackup;
}

/** The bucket's documents through the run's shared reads (a run of its own when called alone). */
export function documentsOf(ctx: S3StepContext, run: StepRun = newStepRun()): S3Documents {
  return s3Documents(ctx.client, ctx.answers.bucket, run, serverTraits(ctx.answers.backend));
}

/** `aws` with the endpoint, region and TLS options, the keys as placeholders in the environment. */
export function awsPrefix(answers: Answers): string {
  const who = answers.backend === 's3' ? 'BUILDER' : 'ADMIN';
  const tls = answers.caFile !== undefined ? ` --ca-bundle ${shellWord(answers.caFile)}` : answers.insecure ? ' --no-verify-ssl' : '';
  return `AWS_ACCESS_KEY_ID="$${who}_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$${who}_SECRET_KEY" aws --endpoint-url ${shellWord(answers.endpoint)} --region ${shellWord(answers.region)}${tls}`;
}

/** `mc` with `--insecure` when asked; a private CA goes into `~/.mc/certs/CAs/` for mc. */
export function mcPrefix(answers: Answers): string {
  return answers.insecure ? 'mc --insecure' : 'mc';
}

/** `ALIAS/BUCKET` for mc. */
export function mcTarget(answers: Answers): string {
  return `${answers.alias}/${answers.bucket}`;
}
