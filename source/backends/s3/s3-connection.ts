/**
 * The S3 connection every backend's S3 steps use (SPEC 5: the `minio` npm client for every S3
 * call). What can go wrong on it is explained in ../explain-connection-error. Made from the
 * answers only in connections/ (one place for every client).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Client, type ClientOptions } from 'minio';
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
