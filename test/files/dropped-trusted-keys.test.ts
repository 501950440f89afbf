import { describe, expect, it } from 'vitest';
import { droppedTrustedKeys, trustRemoval } from '../../source/files/dropped-trusted-keys';
import { renderNixConf } from '../../source/files/render-nix-conf';
import { renderNixosModule } from '../../source/files/render-nixos-module';

const key1 = `cache-1:${Buffer.alloc(32, 1).toString('base64')}`;
const key2 = `cache-2:${Buffer.alloc(32, 2).toString('base64')}`;
const conf = (publicKeys: string[]) => renderNixConf({ substituters: ['https://s3.lan/nix-cache'], publicKeys, caFile: undefined, connectTimeout: null, readerCredentialsPath: undefined });
const module = (publicKeys: string[]) => renderNixosModule({ substituters: ['https://s3.lan/nix-cache'], publicKeys, caPem: undefined, connectTimeout: null, readerCredentialsPath: undefined, fileName: 'nix-cache.nix' });

describe('trusted keys a replaced module or snippet drops', () => {
  it('names the keys the file on disk trusts and the new content does not, in the rendered module and snippet', () => {
    expect(droppedTrustedKeys(conf([key2, key1]), conf([key2]))).toEqual([key1]);
    expect(droppedTrustedKeys(module([key2, key1]), module([key2]))).toEqual([key1]);
    expect(trustRemoval(module([key1]), module([key2]))).toBe('trust in the signing key cache-1: a machine rebuilt with it refuses every path signed only by that key');
  });

  it('finds no removal for a new file, an added key or the same keys', () => {
    expect(droppedTrustedKeys(null, conf([key1]))).toEqual([]);
    expect(trustRemoval(conf([key1]), conf([key2, key1]))).toBeUndefined();
    expect(trustRemoval(module([key1]), module([key1]))).toBeUndefined();
  });
});
