/**
 * The server steps of SPEC 5 for the chosen backend, in STEP_ORDER. Loaded on demand: it pulls in
 * the S3 client and the admin clients.
 *   minio: connect, bucket, user, policy, attach (admin API or mc), anonymous, cache-info, expiry
 *   ceph:  connect, bucket, user (Admin Ops), policy + attach (a bucket-policy statement), anonymous, cache-info, expiry
 *   s3:    connect, bucket, anonymous, cache-info, expiry (the builder's keys are made elsewhere)
 * A private cache (`anonymous: "none"`) adds the reader's steps: on minio reader-user,
 * reader-policy (GetObject only) and reader-attach; on ceph reader-user and reader-policy (a
 * bucket-policy statement); none on s3, where the reader's keys are made elsewhere.
 */
import type { Answers } from '../answers/answers';
import { s3Steps } from '../backends/s3/s3-steps';
import type { Connections } from '../connections/connections';
import type { Effects } from '../effects';
import type { SaveBackup } from '../files/save-server-backup';
import { STEP_ORDER, type ServerStep } from '../steps/server-step';

export interface ServerStepsInput {
  readonly answers: Answers;
  readonly effects: Effects;
  /** every client of the steps (connections/) */
  readonly connections: Connections;
  /** the builder secret as known now (answers, AWS profile, generated; on ceph set by the user step) */
  readonly builderSecret: () => string | undefined;
  /** called by the ceph user step with the secret the server generated or holds */
  readonly onBuilderSecret: (secret: string) => void;
  /** private caches: the reader's secret as known now, and the ceph reader step's report of it */
  readonly readerSecret?: () => string | undefined;
  readonly onReaderSecret?: (secret: string) => void;
  /** saves a builder secret locally before (MinIO) or as soon as (Ceph) the server holds it */
  readonly keepBuilderSecret?: (secret: string) => Promise<void>;
  /** the same for the reader's secret (private caches) */
  readonly keepReaderSecret?: (secret: string) => Promise<void>;
  /** the rendered nix-cache-info */
  readonly cacheInfo: string;
  /** saves a server document before settings of others in it are replaced (`serverBackupSaver`) */
  readonly saveBackup: SaveBackup;
}

export async function buildServerSteps(input: ServerStepsInput): Promise<ServerStep[]> {
  const { answers, effects, connections } = input;
  const client = await connections.s3ForSteps();
  const steps = s3Steps({ answers, client, cacheInfoContent: input.cacheInfo, saveBackup: input.saveBackup });
  // Each backend's admin client is loaded only for that backend (MinIO's pulls in Argon2 and execa).
  if (answers.backend === 'minio') {
    const { minioAdminSteps } = await import('../backends/minio/minio-steps');
    steps.push(
      ...minioAdminSteps({
        answers,
        ...connections.minioSteps(),
        builderSecret: input.builderSecret,
        readerSecret: () => input.readerSecret?.(),
        ...(input.keepBuilderSecret ? { keepSecret: input.keepBuilderSecret } : {}),
        ...(input.keepReaderSecret ? { keepReaderSecret: input.keepReaderSecret } : {}),
        env: effects.env,
      }),
    );
  } else if (answers.backend === 'ceph') {
    const { cephUserStep } = await import('../backends/ceph/ceph-user-step');
    const { cephUserOwnership } = await import('../backends/ceph/user-grants');
    const ownership = cephUserOwnership(client, answers.bucket);
    const rgw = await connections.rgwAdmin();
    steps.push(
      cephUserStep({ answers, admin: rgw, ownership, env: effects.env, knownBuilderSecret: input.builderSecret, onSecret: input.onBuilderSecret, ...(input.keepBuilderSecret ? { keepSecret: input.keepBuilderSecret } : {}) }),
    );
    if (answers.anonymous === 'none') {
      steps.push(
        cephUserStep({
          answers,
          admin: rgw,
          ownership,
          env: effects.env,
          knownBuilderSecret: () => input.readerSecret?.(),
          onSecret: (secret) => input.onReaderSecret?.(secret),
          role: { id: 'reader-user', label: 'reader', accessKey: answers.reader.accessKey },
          ...(input.keepReaderSecret ? { keepSecret: input.keepReaderSecret } : {}),
        }),
      );
    }
  }
  return steps.sort((a, b) => STEP_ORDER.indexOf(a.id) - STEP_ORDER.indexOf(b.id));
}
