import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signNarinfo } from '../../source/keys/narinfo-signature';
import { nativeSigner, nativeVerifier } from '../../source/keys/native-ed25519';
import { nextKeyName } from '../../source/keys/next-key-name';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { parseNarinfo } from '../../source/keys/parse-narinfo';
import { resignNarinfo } from '../../source/rotate/resign-narinfo';

const random = (n: number) => new Uint8Array(randomBytes(n));
const oldKey = generateNixSecretKey('cache.lan-1', random);
const newKey = generateNixSecretKey('cache.lan-2', random);
const both = { ...nativeSigner(newKey), verify: nativeVerifier(newKey.publicKey()).verify };
const olds = [nativeVerifier(oldKey.publicKey())];

const HASH = 'sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s';
function narinfo(sigKey = oldKey, tail = 'CA: \n'): string {
  const fields = { storePath: '/nix/store/p4pclmv1gyja5kzc26npqpia1qqxrf0l-top', narHash: HASH, narSize: 120, references: ['p4pclmv1gyja5kzc26npqpia1qqxrf0l-top', '0a3g7pbxr5kpkqzqc1dnq9bzxzr6xzcl-dep'] };
  return [
    `StorePath: ${fields.storePath}`,
    'URL: nar/1x.nar.xz',
    'Compression: xz',
    `NarHash: ${fields.narHash}`,
    `NarSize: ${fields.narSize}`,
    `References: ${fields.references.join(' ')}`,
    'Deriver: 9b3g7pbxr5kpkqzqc1dnq9bzxzr6xzcl-top.drv',
    `Sig: ${signNarinfo(sigKey, fields)}`,
  ].join('\n') + `\n${tail}`;
}

describe('the next key name', () => {
  it('adds one to the trailing number, keeping its width, or appends -2', () => {
    expect(nextKeyName('cache.lan-1')).toBe('cache.lan-2');
    expect(nextKeyName('cache.lan-9')).toBe('cache.lan-10');
    expect(nextKeyName('cache.lan-09')).toBe('cache.lan-10');
    expect(nextKeyName('cache.lan-007')).toBe('cache.lan-008');
    expect(nextKeyName('cache.lan')).toBe('cache.lan-2');
    expect(nextKeyName('s3.example.org')).toBe('s3.example.org-2');
  });
});

describe('re-signing one narinfo', () => {
  it('signs with Node crypto byte for byte as the reference signer does', () => {
    const fingerprint = '1;/nix/store/x;sha256:y;1;';
    const reference = generateNixSecretKey('k-1', random);
    expect(nativeSigner(reference).sign(fingerprint)).toBe(`k-1:${Buffer.from(reference.sign(fingerprint)).toString('base64')}`);
  });

  it('adds a Sig line by the new key after the last Sig line and keeps every other byte', () => {
    const text = narinfo();
    const verdict = resignNarinfo(text, olds, both);
    expect(verdict.kind).toBe('sign');
    const signed = (verdict as { text: string }).text;
    const added = signed.split('\n').find((line) => line.startsWith('Sig: cache.lan-2:'));
    expect(added).toBeDefined();
    // removing the added line gives back the original bytes
    expect(signed.replace(`${added}\n`, '')).toBe(text);
    expect(signed.indexOf(added!)).toBeLessThan(signed.indexOf('CA: '));
    const parsed = parseNarinfo(signed, 'x');
    expect(parsed.sigs).toHaveLength(2);
    expect(nativeVerifier(newKey.publicKey()).verify(parsed.sigs[1]!, `1;${parsed.storePath};${HASH};120;/nix/store/0a3g7pbxr5kpkqzqc1dnq9bzxzr6xzcl-dep,/nix/store/p4pclmv1gyja5kzc26npqpia1qqxrf0l-top`)).toBe(true);
  });

  it('keeps a missing final newline', () => {
    const text = narinfo(oldKey, '').replace(/\n$/, '');
    const verdict = resignNarinfo(text, olds, both);
    expect(verdict.kind === 'sign' && verdict.text.endsWith('\n')).toBe(false);
  });

  it('skips a narinfo that already has the new signature: a second run changes nothing', () => {
    const once = resignNarinfo(narinfo(), olds, both);
    expect(resignNarinfo((once as { text: string }).text, olds, both)).toEqual({ kind: 'already' });
  });

  it('leaves a tampered narinfo alone: the old signature no longer verifies', () => {
    const tampered = narinfo().replace('NarSize: 120', 'NarSize: 121');
    expect(resignNarinfo(tampered, olds, both)).toEqual({ kind: 'tampered' });
  });

  it('never signs a path the old key did not sign', () => {
    const stranger = generateNixSecretKey('elsewhere-1', random);
    expect(resignNarinfo(narinfo(stranger), olds, both)).toEqual({ kind: 'not-old' });
    expect(resignNarinfo('not a narinfo', olds, both)).toEqual({ kind: 'unparsable' });
  });
});
