/**
 * SPEC 5: the S3 steps of each backend, in order, each with a title, a why and the equivalent
 * manual command for that backend, with secrets only as placeholders.
 */
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../../../source/backends/s3/s3-connection';
import { s3Steps } from '../../../source/backends/s3/s3-steps';
import { makeAnswers } from './answers-fixture';

const client = createS3Client({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', accessKey: 'admin-access', secretKey: 'admin-secret-value' });

describe('the S3 steps', () => {
  it('on minio and s3 are connect, bucket, anonymous, cache-info, expiry', () => {
    for (const backend of ['minio', 's3'] as const) {
      expect(s3Steps({ answers: makeAnswers({ backend }), client, cacheInfoContent: '' }).map((s) => s.id)).toEqual(['connect', 'bucket', 'anonymous', 'cache-info', 'expiry']);
    }
  });

  it('on ceph add policy and attach, in step order', () => {
    expect(s3Steps({ answers: makeAnswers({ backend: 'ceph' }), client, cacheInfoContent: '' }).map((s) => s.id)).toEqual([
      'connect',
      'bucket',
      'policy',
      'attach',
      'anonymous',
      'cache-info',
      'expiry',
    ]);
  });

  it.each(['minio', 'ceph', 's3'] as const)('on %s show the manual commands of that backend without a secret', (backend) => {
    const answers = makeAnswers({ backend, expireDays: 30, caFile: '/etc/ssl/my ca.pem' });
    const steps = s3Steps({ answers, client, cacheInfoContent: 'StoreDir: /nix/store\n' });
    for (const step of steps) {
      expect(step.title.length, step.id).toBeGreaterThan(0);
      expect(step.why, step.id).toMatch(/\.$/);
      expect(step.command, step.id).not.toContain('admin-secret-value');
      expect(step.command, step.id).not.toContain('builder-secret-value');
      if (step.id === 'attach') continue;
      if (backend === 'minio') expect(step.command, step.id).toMatch(/^mc /m);
      else expect(step.command, step.id).toMatch(/aws --endpoint-url http:\/\/127\.0\.0\.1:9000 --region us-east-1 --ca-bundle '\/etc\/ssl\/my ca\.pem'/);
    }
    const aws = steps.find((s) => s.id === 'connect')!.command;
    if (backend === 's3') expect(aws).toContain('"$BUILDER_SECRET_KEY"');
    if (backend === 'ceph') expect(aws).toContain('"$ADMIN_SECRET_KEY"');
  });

  it('show the expiry prefixes and the longer nar/ expiry in the manual command', () => {
    const [expiry] = s3Steps({ answers: makeAnswers({ backend: 'ceph', expireDays: 30 }), client, cacheInfoContent: '' }).filter((s) => s.id === 'expiry');
    expect(expiry!.command).toContain('nar/ with Days 61');
    expect(expiry!.command).toContain('put-bucket-lifecycle-configuration');
    expect(expiry!.command).toContain('Never an empty prefix');
  });
});
