/**
 * Fixtures: narinfos written by Nix 2.8 (`nix store sign` then `nix copy --to file://…`) with a
 * throwaway key named test-1, whose public key is below. The secret key was not kept.
 */
import { describe, expect, it } from 'vitest';
import { FileParseError } from '../../source/errors';
import { narinfoFingerprint } from '../../source/keys/narinfo-fingerprint';
import { narinfoHasValidSignature, signNarinfo, verifyNarinfoSignature } from '../../source/keys/narinfo-signature';
import { parseNixPublicKey } from '../../source/keys/nix-public-key';
import { NixSecretKey } from '../../source/keys/nix-secret-key';
import { parseNarinfo } from '../../source/keys/parse-narinfo';

const NIX_PUBLIC_KEY = parseNixPublicKey('test-1:gXr0K4BXgy6EMSvZ7e2yr9h/r5qcXaqO5uDsGYHAecU=', 'fixture');

const NO_REFERENCES = `StorePath: /nix/store/zr2knphxg8yyy2mkq8akf2hfknjvdiz7-x
URL: nar/09kxyd68d2nylk7ims23pj3i09s4nnv9p3dv6iij1q9canv42w6d.nar.xz
Compression: xz
FileHash: sha256:09kxyd68d2nylk7ims23pj3i09s4nnv9p3dv6iij1q9canv42w6d
FileSize: 124
NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
NarSize: 120
References: 
Deriver: mh3rz2qzm0lrcxk22g2b1kifak7q2nj9-x.drv
Sig: test-1:c59F3a9PP4TQWwh2O1ziM/rMVaCgE+0fEp9QwV5PIGRwgKYFp+3cfIiKvOXtf5K023lGU9qQ8JQ4UjV+udzzBg==
`;

/** references itself and two other paths */
const WITH_REFERENCES = `StorePath: /nix/store/62fmgnsz4b2713a14mlcyisgqbcyr5sj-top
URL: nar/1nvip9a2lvwzs24gsg4jpg2m8dwmd5mk8wgrxnjpz0v2vrmqs9kk.nar.xz
Compression: xz
FileHash: sha256:1nvip9a2lvwzs24gsg4jpg2m8dwmd5mk8wgrxnjpz0v2vrmqs9kk
FileSize: 244
NarHash: sha256:1gi2pnk4kjq225b5b928hfzjv824cqvcbwa5rqy4cr5d5hjrp9dx
NarSize: 264
References: 62fmgnsz4b2713a14mlcyisgqbcyr5sj-top b4bg3i8my2kjp1wviz9h146bvpg8b329-other dqh9lqb3abv90ziv5mf2hxrbvf2ibihw-dep
Deriver: f1g03icdrpn94aikr6qgjf3q0ap8sy7z-top.drv
Sig: test-1:aCLDtznTNK1sVWAmVJ78iyYKcre++xmTlZRp/uBO7o9BRCyQvqfibQJsew9Fuw7RMQycO7czbceeRP3OffxBDw==
`;

const otherKey = new NixSecretKey('test-1', new Uint8Array(32).fill(1));

describe('reading a narinfo', () => {
  it('reads the signed fields, base-name references and every Sig line', () => {
    const info = parseNarinfo(WITH_REFERENCES.replace(/^Deriver.*$/m, '$&\nSig: other-1:AAAA'), 'https://cache/62fm.narinfo');
    expect(info.storePath).toBe('/nix/store/62fmgnsz4b2713a14mlcyisgqbcyr5sj-top');
    expect(info.narHash).toBe('sha256:1gi2pnk4kjq225b5b928hfzjv824cqvcbwa5rqy4cr5d5hjrp9dx');
    expect(info.narSize).toBe(264);
    expect(info.references).toEqual([
      '62fmgnsz4b2713a14mlcyisgqbcyr5sj-top',
      'b4bg3i8my2kjp1wviz9h146bvpg8b329-other',
      'dqh9lqb3abv90ziv5mf2hxrbvf2ibihw-dep',
    ]);
    expect(info.sigs).toHaveLength(2);
    expect(info.sigs[1]).toMatch(/^test-1:aCLD/);
    expect(info.fields.get('Compression')).toBe('xz');
  });

  it('reads an empty References line as no references', () => {
    expect(parseNarinfo(NO_REFERENCES, 'x.narinfo').references).toEqual([]);
    expect(parseNarinfo(NO_REFERENCES.replace('References: \n', 'References:\n'), 'x.narinfo').references).toEqual([]);
  });

  it('refuses a narinfo missing what the signature covers, naming the source and the field', () => {
    const cases: [string, RegExp][] = [
      [NO_REFERENCES.replace(/^StorePath.*\n/m, ''), /no StorePath line/],
      [NO_REFERENCES.replace(/^NarHash.*\n/m, ''), /no NarHash line/],
      [NO_REFERENCES.replace(/^NarSize: 120/m, 'NarSize: 0'), /NarSize is not a positive whole number/],
      [NO_REFERENCES.replace(/^NarHash: .*/m, 'NarHash: sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY='), /NarHash is not sha256:/],
      [NO_REFERENCES.replace(/^StorePath: .*/m, 'StorePath: x'), /StorePath is not a store path/],
      [NO_REFERENCES.replace(/^References: .*/m, 'References: /nix/store/zr2knphxg8yyy2mkq8akf2hfknjvdiz7-x'), /References holds/],
      ['<html>Not Found</html>\n', /line 1 is not "Key: value"/],
    ];
    for (const [text, says] of cases) {
      let error: unknown;
      try {
        parseNarinfo(text, 'https://s3.example/nix-cache/zr2k.narinfo');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FileParseError);
      expect((error as FileParseError).path).toBe('https://s3.example/nix-cache/zr2k.narinfo');
      expect((error as Error).message).toMatch(says);
    }
  });
});

describe('the narinfo fingerprint', () => {
  it('is 1;path;narHash;narSize; with a trailing ";" when there are no references', () => {
    expect(narinfoFingerprint(parseNarinfo(NO_REFERENCES, 'x'))).toBe(
      '1;/nix/store/zr2knphxg8yyy2mkq8akf2hfknjvdiz7-x;sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;',
    );
  });

  it('lists references as full store paths, sorted and comma-joined, including the path itself', () => {
    const shuffled = { ...parseNarinfo(WITH_REFERENCES, 'x'), references: ['dqh9lqb3abv90ziv5mf2hxrbvf2ibihw-dep', '62fmgnsz4b2713a14mlcyisgqbcyr5sj-top', 'b4bg3i8my2kjp1wviz9h146bvpg8b329-other'] };
    expect(narinfoFingerprint(shuffled)).toBe(
      '1;/nix/store/62fmgnsz4b2713a14mlcyisgqbcyr5sj-top;sha256:1gi2pnk4kjq225b5b928hfzjv824cqvcbwa5rqy4cr5d5hjrp9dx;264;' +
        '/nix/store/62fmgnsz4b2713a14mlcyisgqbcyr5sj-top,/nix/store/b4bg3i8my2kjp1wviz9h146bvpg8b329-other,/nix/store/dqh9lqb3abv90ziv5mf2hxrbvf2ibihw-dep',
    );
  });

  it('takes full store paths as references too, as nix path-info --json gives them', () => {
    const info = parseNarinfo(WITH_REFERENCES, 'x');
    expect(narinfoFingerprint({ ...info, references: info.references.map((r) => `/nix/store/${r}`) })).toBe(narinfoFingerprint(info));
  });
});

describe('narinfo signatures', () => {
  it('accepts the signatures Nix wrote, with and without references', () => {
    for (const text of [NO_REFERENCES, WITH_REFERENCES]) {
      const info = parseNarinfo(text, 'x');
      expect(narinfoHasValidSignature(info, [NIX_PUBLIC_KEY])).toBe(true);
      expect(verifyNarinfoSignature(info.sigs[0] ?? '', info, NIX_PUBLIC_KEY)).toBe(true);
    }
  });

  it('does not care in which order the narinfo lists its references', () => {
    const reordered = WITH_REFERENCES.replace(/^References: (\S+) (\S+) (\S+)$/m, 'References: $3 $1 $2');
    expect(reordered).not.toBe(WITH_REFERENCES);
    expect(narinfoHasValidSignature(parseNarinfo(reordered, 'x'), [NIX_PUBLIC_KEY])).toBe(true);
  });

  it('refuses a signature once any signed field changes', () => {
    const tampered = [
      NO_REFERENCES.replace('NarSize: 120', 'NarSize: 121'),
      NO_REFERENCES.replace('sha256:1xmr8', 'sha256:1xmr9'),
      NO_REFERENCES.replace('zr2knphxg8yyy2mkq8akf2hfknjvdiz7-x\n', 'zr2knphxg8yyy2mkq8akf2hfknjvdiz7-y\n'),
      NO_REFERENCES.replace('References: ', 'References: dqh9lqb3abv90ziv5mf2hxrbvf2ibihw-dep'),
      WITH_REFERENCES.replace(' dqh9lqb3abv90ziv5mf2hxrbvf2ibihw-dep', ''),
    ];
    for (const text of tampered) expect(narinfoHasValidSignature(parseNarinfo(text, 'x'), [NIX_PUBLIC_KEY])).toBe(false);
  });

  it('refuses a signature checked against another key, whatever its name', () => {
    const info = parseNarinfo(NO_REFERENCES, 'x');
    expect(narinfoHasValidSignature(info, [otherKey.publicKey()])).toBe(false);
    expect(narinfoHasValidSignature(info, [{ ...NIX_PUBLIC_KEY, name: 'test-2' }])).toBe(false);
    // and one good key among several is enough, as with trusted-public-keys
    expect(narinfoHasValidSignature(info, [otherKey.publicKey(), NIX_PUBLIC_KEY])).toBe(true);
  });

  it('treats malformed Sig lines as not valid rather than failing', () => {
    const info = parseNarinfo(NO_REFERENCES, 'x');
    for (const sig of ['', 'test-1', 'test-1:', 'test-1:!!!!', 'test-1:AAAA', `test-1:${Buffer.alloc(64).toString('base64')}`]) {
      expect(verifyNarinfoSignature(sig, info, NIX_PUBLIC_KEY)).toBe(false);
    }
  });

  it('signs a narinfo so that the signature verifies with the public key and names the key', () => {
    const info = parseNarinfo(WITH_REFERENCES, 'x');
    const sig = signNarinfo(otherKey, info);
    expect(sig).toMatch(/^test-1:[A-Za-z0-9+/]{86}==$/);
    expect(verifyNarinfoSignature(sig, info, otherKey.publicKey())).toBe(true);
    expect(verifyNarinfoSignature(sig, info, NIX_PUBLIC_KEY)).toBe(false);
  });
});
