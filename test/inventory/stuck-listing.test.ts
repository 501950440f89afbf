/**
 * The inventory's listing against the hostile-server stand-in (test/helpers/hostile-http-server.ts:
 * a server whose every ListObjectsV2 page says "more to come" with the same token, which no real
 * server does on demand): the doctor's scan stops with ELISTINGSTUCK after the second page instead
 * of listing forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { bucketSource, scanCache } from '../../source/doctor/scan-cache';
import { listBucket } from '../../source/inventory/list-bucket';
import { startHostileServer, type HostileServer } from '../helpers/hostile-http-server';

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (endpoint: string) => createS3Client({ endpoint, region: 'us-east-1', accessKey: 'admin', secretKey: 'Admin-Secret-1' });

describe('a listing that always says "more to come" with the same token', () => {
  it('stops the inventory listing after the second page', async () => {
    server = await startHostileServer('repeating-listing');
    const listed: string[] = [];
    const listing = (async () => {
      for await (const object of listBucket(client(server!.endpoint), 'cache')) listed.push(object.key);
    })();
    await expect(listing).rejects.toMatchObject({ code: 'ELISTINGSTUCK', message: expect.stringContaining('makes no progress') });
    expect(server.requests).toHaveLength(2);
  });

  it("stops the doctor's scan with that error", async () => {
    server = await startHostileServer('repeating-listing');
    const scan = scanCache({ source: bucketSource(client(server.endpoint), 'cache'), trusted: [], now: new Date() });
    await expect(scan).rejects.toMatchObject({ code: 'ELISTINGSTUCK' });
    expect(server.requests).toHaveLength(2);
  });
});
