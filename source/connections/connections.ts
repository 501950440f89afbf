/**
 * Every client the wizard talks to the server with, made from the answers and the CA text in this
 * one place (STYLE 12, issue 17): the S3 client of the steps (admin keys; the builder's on plain
 * S3), an S3 client with any other keys (builder, reader), MinIO's admin client (its admin API or
 * mc), RGW's Admin Ops client, and the endpoint options of a single signed request. Each trusts the
 * same CAs (the system's plus the private one, see backends/trusted-cas) and honours `insecure`.
 *
 * The clients load on first use (`minio`, Argon2 and execa are large), so importing this module
 * costs nothing a command does not use.
 */
import { inspect } from 'node:util';
import type { Client } from 'minio';
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import type { RgwAdminClient } from '../backends/ceph/rgw-admin-client';
import { builderKeysChecker, type CheckBuilderKeys } from '../backends/minio/builder-keys-check';
import { lazyMinioAdmin, type MinioAdmin } from '../backends/minio/minio-admin';
import { s3StepKeys } from '../backends/s3/s3-step-keys';
import type { AccessKeys, EndpointOptions } from '../backends/signed-request';
import { readCaPem } from '../files/read-ca-pem';

/** What a connection needs of the answers. */
export type ConnectionAnswers = Pick<Answers, 'backend' | 'endpoint' | 'region' | 'caFile' | 'insecure' | 'admin' | 'adminVia' | 'builder'>;

/** The CA text as read once by the command (a fact): undefined when there is no `caFile`. */
export interface CaText {
  readonly caPem: string | undefined;
}

export interface Connections {
  /** the PEM text of the private CA, undefined without `caFile` */
  readonly caPem: string | undefined;
  /** the admin's keys as the answers hold them ('' when unknown: the connect step says so) */
  readonly adminKeys: AccessKeys;
  /** which keys sign the S3 steps' requests: the admin's, except on `s3`, which has only the builder's */
  readonly stepKeys: AccessKeys & { readonly who: 'admin' | 'builder' };
  /** the endpoint, region, CA and `insecure` for one signed request (admin APIs, probes) */
  endpointOptions(extra?: { readonly timeoutMs?: number }): EndpointOptions;
  /** an S3 client signing with `keys` (the builder's, the reader's, …) */
  s3(keys: AccessKeys): Promise<Client>;
  /** the S3 client of the server steps (`stepKeys`) */
  s3ForSteps(): Promise<Client>;
  /** MinIO's admin connection: the admin API, or mc [answers.adminVia]; made on its first call */
  minioAdmin(via?: 'api' | 'mc'): MinioAdmin;
  /** RGW's Admin Ops client with the admin's keys */
  rgwAdmin(): Promise<RgwAdminClient>;
  /** tells whether keys work, by a request the server must check the signature of */
  keysChecker(): CheckBuilderKeys;
  /** what MinIO's admin steps (and the name lookup) connect with */
  minioSteps(): { readonly makeAdmin: (via: 'api' | 'mc') => MinioAdmin; readonly checkBuilderKeys: CheckBuilderKeys };
  /** where it connects, never a key */
  toJSON(): { readonly endpoint: string; readonly region: string; readonly insecure: boolean; readonly privateCa: boolean };
  [inspect.custom](): string;
}

/**
 * The connections for these answers and this CA text. `effects` gives MinIO's admin API its
 * randomness (the madmin encryption) and mc its environment.
 */
export function connectionsFrom(answers: ConnectionAnswers, ca: CaText, effects: Pick<Effects, 'randomBytes' | 'env'>): Connections {
  const { endpoint, region, insecure } = answers;
  const { caPem } = ca;
  const adminKeys: AccessKeys = { accessKey: answers.admin.accessKey ?? '', secretKey: answers.admin.secretKey ?? '' };
  const stepKeys = s3StepKeys(answers);
  const endpointOptions = (extra: { readonly timeoutMs?: number } = {}): EndpointOptions => ({
    endpoint,
    region,
    insecure,
    ...(caPem === undefined ? {} : { caPem }),
    ...(extra.timeoutMs === undefined ? {} : { timeoutMs: extra.timeoutMs }),
  });
  const s3 = async (keys: AccessKeys): Promise<Client> => {
    const { createS3Client } = await import('../backends/s3/s3-connection');
    return createS3Client({ endpoint, region, accessKey: keys.accessKey, secretKey: keys.secretKey, insecure, ...(caPem === undefined ? {} : { caPem }) });
  };
  const connections: Connections = {
    caPem,
    adminKeys,
    stepKeys,
    endpointOptions,
    s3,
    s3ForSteps: () => s3(stepKeys),
    minioAdmin(via = answers.adminVia) {
      // Each admin client loads only for runs that use it (MinIO's API pulls in Argon2, mc execa).
      if (via === 'mc') {
        return lazyMinioAdmin('mc', async () => (await import('../backends/minio/mc-client')).createMcClient({ endpoint, caPem, insecure, admin: adminKeys, env: effects.env }));
      }
      return lazyMinioAdmin('api', async () =>
        (await import('../backends/minio/minio-admin-client')).createMinioAdminClient({ ...endpointOptions(), admin: adminKeys, randomBytes: (n) => effects.randomBytes(n) }),
      );
    },
    async rgwAdmin() {
      const { createRgwAdminClient } = await import('../backends/ceph/rgw-admin-client');
      return createRgwAdminClient({ endpoint, region, ...adminKeys, ...(caPem === undefined ? {} : { ca: caPem }), rejectUnauthorized: !insecure });
    },
    keysChecker: () => builderKeysChecker(endpointOptions()),
    minioSteps: () => ({ makeAdmin: (via) => connections.minioAdmin(via), checkBuilderKeys: connections.keysChecker() }),
    // It holds the admin's keys: printed or serialized, it says only where it connects (SPEC 10).
    toJSON: () => ({ endpoint, region, insecure, privateCa: caPem !== undefined }),
    [inspect.custom]: () => `Connections ${inspect({ endpoint, region, insecure, privateCa: caPem !== undefined })}`,
  };
  return connections;
}

/** The connections for these answers, reading `caFile` (readCaPem) when the command has not read it yet. */
export async function connectionsFor(answers: ConnectionAnswers, effects: Pick<Effects, 'randomBytes' | 'env'>, ca?: CaText): Promise<Connections> {
  return connectionsFrom(answers, ca ?? { caPem: await readCaPem(answers.caFile) }, effects);
}
