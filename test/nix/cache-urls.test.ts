/**
 * The URLs machines reach the cache by (notes/nix.md): what ends up in nix.conf and the NixOS
 * module as the substituter, and what the builder uploads to.
 */
import { describe, expect, it } from 'vitest';
import { READER_CREDENTIALS_PATH, s3StoreUrl, substituterUrl } from '../../source/nix/cache-urls';

const answers = { bucket: 'nix-cache', endpoint: 'https://s3.example.org', region: 'us-east-1' };
const reader = { accessKey: 'nixreader', secretKey: undefined, profile: 'nixreader' };

describe('the substituter machines use', () => {
  it('a public cache is read over plain HTTPS at <endpoint>/<bucket>, no credentials', () => {
    expect(substituterUrl({ ...answers, anonymous: 'get', reader })).toBe('https://s3.example.org/nix-cache');
    expect(substituterUrl({ ...answers, anonymous: 'download', reader })).toBe('https://s3.example.org/nix-cache');
  });

  it("a private cache is an s3:// store read with the reader's profile, since an https substituter cannot sign", () => {
    expect(substituterUrl({ ...answers, anonymous: 'none', reader })).toBe('s3://nix-cache?profile=nixreader&endpoint=https://s3.example.org');
  });

  it('keeps the endpoint whole, with a port, http and an IPv6 address in brackets', () => {
    expect(substituterUrl({ ...answers, endpoint: 'http://minio.lan:9000', anonymous: 'get', reader })).toBe('http://minio.lan:9000/nix-cache');
    expect(substituterUrl({ ...answers, endpoint: 'http://[fd00::5]:9000', anonymous: 'get', reader })).toBe('http://[fd00::5]:9000/nix-cache');
    expect(substituterUrl({ ...answers, endpoint: 'http://[fd00::5]:9000', anonymous: 'none', reader })).toBe('s3://nix-cache?profile=nixreader&endpoint=http://[fd00::5]:9000');
  });

  it("the reader's credentials live root-only outside the Nix store, at one path on every machine", () => {
    expect(READER_CREDENTIALS_PATH).toBe('/etc/nix/nix-cache-reader.credentials');
  });
});

describe('the s3:// store URL', () => {
  it('always carries the full endpoint URL (scheme and port), never a bare host or scheme=', () => {
    const url = s3StoreUrl({ ...answers, endpoint: 'http://10.0.0.5:9000' }, 'nixbuilder');
    expect(url).toBe('s3://nix-cache?profile=nixbuilder&endpoint=http://10.0.0.5:9000');
    expect(url).not.toContain('scheme=');
  });

  it('names the region only when it is not us-east-1, the default Nix assumes', () => {
    expect(s3StoreUrl(answers, 'p')).not.toContain('region=');
    expect(s3StoreUrl({ ...answers, region: 'eu-central-1' }, 'p')).toBe('s3://nix-cache?profile=p&endpoint=https://s3.example.org&region=eu-central-1');
  });

  it('signs uploads with the singular secret-key= (secret-keys= is ignored before Nix 2.29), last', () => {
    expect(s3StoreUrl({ ...answers, region: 'garage' }, 'nixbuilder', { secretKeyFile: '/home/alice/.config/nix/secret.key' })).toBe(
      's3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org&region=garage&secret-key=/home/alice/.config/nix/secret.key',
    );
    expect(s3StoreUrl(answers, 'nixbuilder', { secretKeyFile: '/k' })).not.toContain('secret-keys=');
  });
});
