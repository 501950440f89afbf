import { describe, expect, it } from 'vitest';
import { renderNixCacheInfo } from '../../source/files/render-nix-cache-info';
import { renderPublicKeyFile } from '../../source/files/render-public-key-file';
import { maskSecretKeyFile, renderSecretKeyFile } from '../../source/files/render-secret-key-file';
import { renderWritePolicy } from '../../source/files/render-write-policy';

describe('the IAM write policy file', () => {
  it('is the write policy for the bucket, pretty-printed, with no Id, no Principal and no delete', () => {
    const text = renderWritePolicy('nix-cache');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "Statement": [\n');
    expect(JSON.parse(text)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'NixCacheWrite',
          Effect: 'Allow',
          Action: [
            's3:AbortMultipartUpload',
            's3:GetBucketLocation',
            's3:GetObject',
            's3:ListBucket',
            's3:ListBucketMultipartUploads',
            's3:ListMultipartUploadParts',
            's3:PutObject',
          ],
          Resource: ['arn:aws:s3:::nix-cache', 'arn:aws:s3:::nix-cache/*'],
        },
      ],
    });
    expect(text).not.toMatch(/"Id"|Principal|Delete/);
  });
});

describe('nix-cache-info', () => {
  it('lists the store, mass query and priority, one per line', () => {
    expect(renderNixCacheInfo({ storeDir: '/nix/store', wantMassQuery: true, priority: 30 })).toBe(
      'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n',
    );
  });

  it('leaves WantMassQuery out when it is off', () => {
    expect(renderNixCacheInfo({ storeDir: '/nix/store', wantMassQuery: false, priority: 40 })).toBe('StoreDir: /nix/store\nPriority: 40\n');
  });
});

describe('the signing key files', () => {
  it('hold the key texts exactly as given', () => {
    expect(renderSecretKeyFile('cache-1:c2VjcmV0')).toBe('cache-1:c2VjcmV0');
    expect(renderPublicKeyFile('cache-1:cHVibGlj')).toBe('cache-1:cHVibGlj');
  });

  it('show the secret key masked but its name visible', () => {
    expect(maskSecretKeyFile('cache-1:c2VjcmV0')).toBe('cache-1:********');
    expect(maskSecretKeyFile('cache-1:c2VjcmV0\n')).toBe('cache-1:********\n');
    expect(maskSecretKeyFile('garbage')).toBe('********');
  });
});
