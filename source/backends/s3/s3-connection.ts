/**
 * The S3 connection every backend's S3 steps use (SPEC 5: the `minio` npm client for every S3
 * call). What can go wrong on it is explained in ../explain-connection-error.
 */
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { Client, type ClientOptions } from 'minio';
import type { Answers } from '../../answers/answers';
import { StepError } from '../../errors';
import { trustedCas } from '../trusted-cas';
import { ruledTransport } from './ruled-transport';

export interface S3ConnectionOptions {
  /** `http(s)://host[:port]` */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** PEM text of a private CA to trust in addition to the system's CAs */
  readonly caPem?: string;
  /** skip TLS verification (SPEC 10: the CLI warns loudly) */
  readonly insecure?: boolean;
  /** path-style requests (`host/bucket/key`) [true]: what MinIO and RGW without wildcard DNS need */
  readonly pathStyle?: boolean;
}

/** Creates a `minio` client for the endpoint, trusting `caPem` besides the system CAs. */
export function createS3Client(options: S3ConnectionOptions): Client {
  const url = new URL(options.endpoint);
  const useSSL = url.protocol === 'https:';
  const port = url.port === '' ? (useSSL ? 443 : 80) : Number(url.port);
  // the private CA is added to the system roots, never put in their place (see trustedCas)
  const transportAgent = useSSL
    ? new https.Agent({
        keepAlive: false,
        rejectUnauthorized: !options.insecure,
        ...(options.caPem !== undefined ? { ca: trustedCas(options.caPem) } : {}),
      })
    : new http.Agent({ keepAlive: false });
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return new Client({
    endPoint: hostname,
    port,
    useSSL,
    region: options.region,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    pathStyle: options.pathStyle ?? true,
    transportAgent,
    // every request goes by the wizard's request rules (deadline, size limits, the one retry rule)
    // (minio types it as node:http itself; it calls only `request(options, onResponse)`)
    transport: ruledTransport(useSSL) as unknown as ClientOptions['transport'],
    retryOptions: { disableRetry: true },
  });
}

/** Reads `caFile`; a file that cannot be read or holds no certificate is a `connect` failure. */
export async function loadCaPem(caFile: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(caFile, 'utf8');
  } catch (error) {
    throw new StepError(`Cannot read caFile ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'connect', 'Set caFile to a readable PEM file of your CA.');
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new StepError(`caFile ${caFile} holds no PEM certificate.`, 'connect', 'Set caFile to the PEM of your CA (the text starting "-----BEGIN CERTIFICATE-----").');
  }
  return text;
}

/** Which keys sign the S3 steps' requests: the admin's, except on `s3`, which has only the builder's. */
export function s3StepKeys(answers: Answers): { readonly accessKey: string; readonly secretKey: string; readonly who: 'admin' | 'builder' } {
  if (answers.backend === 's3') {
    return { accessKey: answers.builder.accessKey, secretKey: answers.builder.secretKey ?? '', who: 'builder' };
  }
  return { accessKey: answers.admin.accessKey ?? '', secretKey: answers.admin.secretKey ?? '', who: 'admin' };
}

/** The connection options for the S3 steps from the answers (reads `caFile`). */
export async function s3ConnectionFromAnswers(answers: Answers): Promise<S3ConnectionOptions> {
  const keys = s3StepKeys(answers);
  return {
    endpoint: answers.endpoint,
    region: answers.region,
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
    insecure: answers.insecure,
    ...(answers.caFile !== undefined ? { caPem: await loadCaPem(answers.caFile) } : {}),
  };
}
