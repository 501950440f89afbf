/**
 * What the wizard says when MinIO's admin API names a user or a canned policy that does not exist:
 * setup makes both in earlier steps, so the advice is to run the same command again (on a
 * distributed MinIO a node was seen not yet knowing a user made a moment before, issue 20), never
 * a step the user cannot run alone.
 */
import { describe, expect, it } from 'vitest';
import { adminError } from '../../../source/backends/minio/minio-admin-client';

describe('adminError', () => {
  it.each([
    ['XMinioAdminNoSuchUser', /says the user does not exist/, /its user step creates the user; on a distributed MinIO a node can take a moment/],
    ['XMinioAdminNoSuchPolicy', /says the canned policy does not exist/, /its policy step writes the policy; on a distributed MinIO/],
  ])('%s: names the server, and says to run the same command again', (code, message, hint) => {
    const error = adminError('attach', 'http://127.0.0.1:9000', 'admin', 404, { code, message: undefined });
    expect(error.message).toMatch(message);
    expect(error.message).toContain('http://127.0.0.1:9000');
    expect(error.hint).toMatch(/^Run the same command again: /);
    expect(error.hint).toMatch(hint);
    expect(error.hint).not.toMatch(/step first/);
  });
});
