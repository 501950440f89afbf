import { describe, expect, it } from 'vitest';
import { nativeVerifier } from '../../source/keys/native-ed25519';
import { signNarinfo } from '../../source/keys/narinfo-signature';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { parseNarinfo } from '../../source/keys/parse-narinfo';
import { narinfoTrust } from '../../source/inventory/narinfo-trust';
import { compressionMatches, keyHash, narCompression, objectKind } from '../../source/inventory/object-kinds';
import { random } from '../doctor/synthetic-cache';

const HASH = 'p4pclmv1gyja5kzc26npqpia1qqxrf0l';

describe('what each object of a cache is, from its key', () => {
  it('knows narinfos and .ls only at the top with a 32-character Nix base-32 hash', () => {
    expect(objectKind(`${HASH}.narinfo`)).toBe('narinfo');
    expect(objectKind(`${HASH}.ls`)).toBe('ls');
    expect(objectKind('sub/p4pclmv1gyja5kzc26npqpia1qqxrf0l.narinfo')).toBe('other');
    // e, o, t, u are not in Nix's alphabet
    expect(objectKind('e4pclmv1gyja5kzc26npqpia1qqxrf0l.narinfo')).toBe('other');
    expect(objectKind('short.narinfo')).toBe('other');
    expect(keyHash(`${HASH}.narinfo`)).toBe(HASH);
  });

  it('knows NARs, logs, realisations, debug info and nix-cache-info', () => {
    expect(objectKind('nar/1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s.nar.xz')).toBe('nar');
    expect(objectKind('log/abc-hello.drv')).toBe('log');
    expect(objectKind('realisations/sha256:abc!out.doi')).toBe('realisation');
    expect(objectKind('debuginfo/0123abcd')).toBe('debuginfo');
    expect(objectKind('nix-cache-info')).toBe('cache-info');
    expect(objectKind('README')).toBe('other');
  });

  it('reads the compression from a NAR key as Nix names the extension', () => {
    expect(narCompression('nar/x.nar.xz')).toBe('xz');
    expect(narCompression('nar/x.nar.zst')).toBe('zstd');
    expect(narCompression('nar/x.nar.bz2')).toBe('bzip2');
    expect(narCompression('nar/x.nar.br')).toBe('br');
    expect(narCompression('nar/x.nar')).toBe('none');
    expect(narCompression('nar/x.tar')).toBeUndefined();
    expect(compressionMatches('xz', 'nar/x.nar.xz')).toBe(true);
    expect(compressionMatches('zstd', 'nar/x.nar.xz')).toBe(false);
    expect(compressionMatches('gzip', 'nar/x.nar')).toBe(true);
  });
});

describe('which keys vouch for a narinfo', () => {
  const current = generateNixSecretKey('cache-2', random);
  const old = generateNixSecretKey('cache-1', random);
  const fields = { storePath: `/nix/store/${HASH}-top`, narHash: 'sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s', narSize: 120, references: [] };
  const text = (...sigs: string[]) => [`StorePath: ${fields.storePath}`, 'URL: nar/a.nar.xz', `NarHash: ${fields.narHash}`, 'NarSize: 120', 'References: ', ...sigs.map((s) => `Sig: ${s}`)].join('\n');

  it('lists the trusted keys that verify, the signers not trusted, and trusted names whose signature fails', () => {
    const trusted = [nativeVerifier(current.publicKey())];
    expect(narinfoTrust(parseNarinfo(text(signNarinfo(current, fields), signNarinfo(old, fields)), 'x'), trusted)).toEqual({ verifiedBy: ['cache-2'], untrustedSigners: ['cache-1'], badSignatures: [] });
    const forged = signNarinfo(current, { ...fields, narSize: 121 });
    expect(narinfoTrust(parseNarinfo(text(forged), 'x'), trusted)).toEqual({ verifiedBy: [], untrustedSigners: [], badSignatures: ['cache-2'] });
    expect(narinfoTrust(parseNarinfo(text(), 'x'), trusted)).toEqual({ verifiedBy: [], untrustedSigners: [], badSignatures: [] });
  });
});
