/**
 * The real servers a backend suite runs against, one row per way the product talks to them:
 * Ceph RGW (backend `ceph`), and MinIO with `adminVia: "api"` (the admin REST API) and with
 * `adminVia: "mc"` (the real MinIO Client, found on PATH as on a user's machine). Integration
 * suites iterate over `backendTargets()` with `describe.each` instead of copying themselves.
 *
 * Call only from an integration test file (it reads the servers the global setup injects).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import type { Client } from 'minio';
import { rgwClient, startRgwDaemon, stopRgwDaemon, type CephRgwInfo } from './ceph-rgw';
import { minioClient, runMc, startMinioServer, stopMinioServer, type McRun, type MinioInfo } from './minio-server';

export interface Keys {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface BackendTarget {
  /** for test titles: "Ceph RGW", "MinIO, adminVia api", "MinIO, adminVia mc" */
  readonly name: string;
  readonly backend: 'ceph' | 'minio';
  readonly adminVia: 'api' | 'mc' | undefined;
  /** the server's plain-http endpoint */
  readonly endpoint: string;
  readonly admin: Keys;
  /** the answers that pick this server and way, for `endpoint` (default: the server's) */
  answers(endpoint?: string): Record<string, unknown>;
  /** PATH for the CLI: the real mc first for the mc row, as a user's PATH would have it */
  readonly path: string;
  /** an S3 client for the server, as admin or with other keys */
  client(keys?: Keys): Client;
  /** stops the server process (its data stays) and starts it again */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** a word of the manual command the dry run shows for the user step */
  readonly userCommand: string;
  /** MinIO only: runs the real mc as the root user, the server being alias `ALIAS` (as the guide's commands do) */
  readonly mc?: (args: readonly string[], stdin?: string) => Promise<McRun>;
}

export interface TargetRow {
  readonly name: string;
  /** null when the server is not available here (outside CI only; see `unavailable`) */
  readonly target: BackendTarget | null;
  readonly unavailable: string | null;
}

const basePath = process.env['PATH'] ?? '/usr/bin:/bin';

function rgwTarget(info: CephRgwInfo): BackendTarget {
  const admin = { accessKey: info.accessKey, secretKey: info.secretKey };
  return {
    name: 'Ceph RGW',
    backend: 'ceph',
    adminVia: undefined,
    endpoint: info.endpoint,
    admin,
    answers: (endpoint = info.endpoint) => ({ backend: 'ceph', endpoint, admin }),
    path: basePath,
    client: (keys = admin) => rgwClient(info, keys),
    stopServer: () => stopRgwDaemon(info),
    startServer: () => startRgwDaemon(info),
    userCommand: 'radosgw-admin user create',
  };
}

export function minioTarget(info: MinioInfo, adminVia: 'api' | 'mc'): BackendTarget {
  const admin = { accessKey: info.accessKey, secretKey: info.secretKey };
  return {
    name: `MinIO, adminVia ${adminVia}`,
    backend: 'minio',
    adminVia,
    endpoint: info.endpoint,
    admin,
    answers: (endpoint = info.endpoint) => ({ backend: 'minio', adminVia, endpoint, admin }),
    path: adminVia === 'mc' ? `${dirname(info.mcPath)}:${basePath}` : basePath,
    client: (keys = admin) => minioClient(info, keys),
    stopServer: () => stopMinioServer(info),
    startServer: () => startMinioServer(info),
    userCommand: 'mc admin user add',
    mc: (args, stdin) => runMc(info, args, { configDir: mkdtempSync(join(tmpdir(), 'mc-guide-')), ...(stdin === undefined ? {} : { stdin }) }),
  };
}

/** Ceph RGW, MinIO through its admin API, MinIO through the real mc. */
export function backendTargets(): TargetRow[] {
  const rgw = inject('rgw');
  const minio = inject('minio');
  return [
    { name: 'Ceph RGW', target: rgw === null ? null : rgwTarget(rgw), unavailable: inject('rgwUnavailable') },
    ...(['api', 'mc'] as const).map((via) => ({
      name: `MinIO, adminVia ${via}`,
      target: minio === null ? null : minioTarget(minio, via),
      unavailable: inject('minioUnavailable'),
    })),
  ];
}

/** The MinIO rows only. */
export function minioTargets(): TargetRow[] {
  return backendTargets().filter((row) => row.name.startsWith('MinIO'));
}
