/**
 * Starts ONE throwaway MinIO (test/helpers/minio-server.ts, about a second once built; `inject('minio')`)
 * and ONE throwaway Ceph RGW for the whole integration run (about 2.5 s); tests reach it with
 * `inject('rgw')` and give every test its own bucket and user names. A test that needs other
 * radosgw settings, or state no other file touches, can start its own with `startCephRgw`.
 * It serves http on `endpoint` and https on `httpsEndpoint` with a certificate for 127.0.0.1
 * signed by the private CA in `caPath`. Outside CI, missing Ceph packages make `rgw` null and
 * `rgwUnavailable` the reason, so tests can skip saying why; in CI that is a failure.
 */
import type { TestProject } from 'vitest/node';
import { startCephRgw, type CephRgwInfo } from '../helpers/ceph-rgw';
import { ensureDebianPackages } from '../helpers/debian-packages';
import { ensureMinioBinaries, startMinio, type MinioInfo } from '../helpers/minio-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the shared test RGW, or null when Ceph is not installed (see `rgwUnavailable`) */
    rgw: CephRgwInfo | null;
    /** why `rgw` is null, else null */
    rgwUnavailable: string | null;
    /** the shared test MinIO (plain http), or null when it could not be built (see `minioUnavailable`) */
    minio: MinioInfo | null;
    /** why `minio` is null, else null */
    minioUnavailable: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopMinio = await setupMinio(project);
  const stopRgw = await setupRgw(project);
  return async () => {
    await Promise.all([stopMinio(), stopRgw()]);
  };
}

/** MinIO and mc are built from source at pinned releases; outside CI a missing build skips, saying why. */
async function setupMinio(project: TestProject): Promise<() => Promise<void>> {
  const binaries = ensureMinioBinaries();
  if (typeof binaries === 'string') {
    project.provide('minio', null);
    project.provide('minioUnavailable', `MinIO unavailable: ${binaries}`);
    return async () => {};
  }
  const minio = await startMinio();
  const info: MinioInfo = {
    endpoint: minio.endpoint,
    accessKey: minio.accessKey,
    secretKey: minio.secretKey,
    dir: minio.dir,
    minioPath: minio.minioPath,
    mcPath: minio.mcPath,
  };
  project.provide('minio', info);
  project.provide('minioUnavailable', null);
  return () => minio.stop();
}

async function setupRgw(project: TestProject): Promise<() => Promise<void>> {
  const reason = ensureDebianPackages(
    ['radosgw', 'ceph-mon', 'ceph-osd', 'ceph-authtool', 'monmaptool', 'radosgw-admin', 'ceph', 'openssl'],
    ['radosgw', 'ceph-mon', 'ceph-osd', 'openssl'],
  );
  if (reason !== undefined) {
    project.provide('rgw', null);
    project.provide('rgwUnavailable', `Ceph RGW unavailable: ${reason}`);
    return async () => {};
  }
  // https too, with a certificate from a throwaway private CA (`caPath`), for the caFile tests.
  // No lifecycle threads in the daemon: they run only in rgw_lifecycle_work_time (00:00-06:00)
  // and, while busy, make `radosgw-admin lc process` do nothing, so expiry tests would depend on
  // the hour. Tests expire objects deterministically with `radosgwAdmin(info, [
  // '--rgw-lc-debug-interval=2', '--rgw-lc-max-wp-worker=1', 'lc', 'process'])` (notes/ceph-rgw.md).
  const rgw = await startCephRgw({ tls: 'private-ca', radosgwArgs: ['--rgw-enable-lc-threads=false'] });
  const info: CephRgwInfo = {
    endpoint: rgw.endpoint,
    ...(rgw.httpsEndpoint ? { httpsEndpoint: rgw.httpsEndpoint } : {}),
    ...(rgw.caPath ? { caPath: rgw.caPath } : {}),
    accessKey: rgw.accessKey,
    secretKey: rgw.secretKey,
    adminUid: rgw.adminUid,
    dir: rgw.dir,
    confPath: rgw.confPath,
  };
  project.provide('rgw', info);
  project.provide('rgwUnavailable', null);
  return () => rgw.stop();
}
