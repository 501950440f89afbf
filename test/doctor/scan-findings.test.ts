import { describe, expect, it } from 'vitest';
import { scanCache } from '../../source/doctor/scan-cache';
import { itemsOf } from '../../source/doctor/findings';
import { nativeVerifier } from '../../source/keys/native-ed25519';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { basename, nixHash, random, SyntheticCache } from './synthetic-cache';

function healthyCache(): SyntheticCache {
  const cache = new SyntheticCache();
  cache.put('nix-cache-info', 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
  cache.addPath({ name: 'glibc' });
  cache.addPath({ name: 'hello', refs: ['glibc', 'hello'] });
  cache.addPath({ name: 'big', narSize: 5000, compression: 'zstd' });
  return cache;
}

const scan = (cache: SyntheticCache, extra: { graceMs?: number; maxItems?: number } = {}) =>
  scanCache({ source: cache.withUploads(), trusted: [nativeVerifier(cache.key.publicKey())], now: cache.now, ...extra });

describe('the doctor scan on a synthetic listing', () => {
  it('calls a cache healthy when every narinfo has its NAR at its size, its closure and a trusted signature', async () => {
    const report = await scan(healthyCache());
    expect(report.findings).toEqual([]);
    expect(report.healthy).toBe(true);
    expect(report.narinfos).toEqual({ listed: 3, read: 3, vanished: 0 });
    expect(report.signatures.byKey).toEqual([{ name: 'cache.test-1', verifies: 3 }]);
    expect(report.inventory.byKind.narinfo.objects).toBe(3);
    expect(report.inventory.byKind.nar.objects).toBe(3);
    expect(report.inventory.byKind['cache-info'].objects).toBe(1);
    expect(report.inventory.narByCompression).toMatchObject({ xz: { objects: 2 }, zstd: { objects: 1 } });
    expect(report.inventory.largestNars[0]).toMatchObject({ size: 5000, storePath: `/nix/store/${basename('big')}` });
    expect(report.inventory.largestNars).toHaveLength(3);
  });

  it('names the narinfo whose NAR is missing, and the one whose NAR is not FileSize bytes', async () => {
    const cache = healthyCache();
    const dangling = cache.addPath({ name: 'dangling' });
    cache.objects.delete(dangling.nar);
    const short = cache.addPath({ name: 'short' }, { fileSize: 99 });
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'nar-missing')).toEqual([{ key: dangling.narinfo, storePath: `/nix/store/${basename('dangling')}`, url: dangling.nar }]);
    expect(itemsOf(report.findings, 'nar-size-mismatch')).toEqual([expect.objectContaining({ key: short.narinfo, fileSize: 99 })]);
    expect(report.healthy).toBe(false);
  });

  it('names orphan NARs and .ls older than the grace, and counts younger ones as in flight', async () => {
    const cache = healthyCache();
    cache.put(`nar/${nixHash('orphan', 52)}.nar.xz`, 'x'.repeat(700), { ageDays: 3 });
    cache.put(`nar/${nixHash('young', 52)}.nar.xz`, 'x'.repeat(10), { ageDays: 0 });
    cache.put(`${nixHash('gone')}.ls`, '{}', { ageDays: 3 });
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'orphan-nar').map((item) => item.key)).toEqual([`nar/${nixHash('orphan', 52)}.nar.xz`]);
    expect(report.findings.find((f) => f.kind === 'orphan-nar')?.bytes).toBe(700);
    expect(itemsOf(report.findings, 'orphan-ls').map((item) => item.key)).toEqual([`${nixHash('gone')}.ls`]);
    expect(report.inFlight.nars).toBe(1);
  });

  it('names a path whose reference has no narinfo (incomplete closure)', async () => {
    const cache = healthyCache();
    const top = cache.addPath({ name: 'top', refs: ['not-uploaded', 'glibc'] });
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'incomplete-closure')).toEqual([{ key: top.narinfo, storePath: `/nix/store/${basename('top')}`, missing: [basename('not-uploaded')] }]);
  });

  it('tells signed only by a key not trusted from unsigned, and counts what each trusted key verifies', async () => {
    const cache = healthyCache();
    const old = generateNixSecretKey('cache.test-0', random);
    const oldOnly = cache.addPath({ name: 'old-signed', signer: old });
    const unsigned = cache.addPath({ name: 'unsigned', signer: null });
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'old-key-only')).toEqual([expect.objectContaining({ key: oldOnly.narinfo, signers: ['cache.test-0'] })]);
    expect(itemsOf(report.findings, 'no-trusted-signature')).toEqual([expect.objectContaining({ key: unsigned.narinfo, signers: [] })]);
    expect(report.signatures).toEqual({ byKey: [{ name: 'cache.test-1', verifies: 3 }], noTrustedKey: 2, onlyUntrustedKeys: 1 });
  });

  it('names a narinfo changed after signing as carrying no trusted signature', async () => {
    const cache = healthyCache();
    const changed = cache.addPath({ name: 'changed' });
    const object = cache.objects.get(changed.narinfo)!;
    object.body = object.body.replace('NarSize: 1000', 'NarSize: 1001');
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'no-trusted-signature')).toEqual([expect.objectContaining({ key: changed.narinfo, signers: ['cache.test-1'] })]);
  });

  it('names aws-chunked narinfos, then asks the NARs and names those too', async () => {
    const cache = healthyCache();
    const chunked = cache.addPath({ name: 'chunked' });
    cache.objects.get(chunked.narinfo)!.contentEncoding = 'aws-chunked';
    cache.objects.get(chunked.nar)!.contentEncoding = 'aws-chunked';
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'aws-chunked')).toEqual([
      { key: chunked.narinfo, kind: 'narinfo' },
      { key: chunked.nar, kind: 'nar' },
    ]);
  });

  it('names unreadable narinfos, a StorePath that is another path, and a Compression the URL does not say', async () => {
    const cache = healthyCache();
    cache.put(`${nixHash('garbage')}.narinfo`, 'this is not a narinfo');
    const other = cache.addPath({ name: 'other' });
    cache.put(`${nixHash('impostor')}.narinfo`, cache.objects.get(other.narinfo)!.body);
    const wrong = cache.addPath({ name: 'wrong' });
    cache.objects.get(wrong.narinfo)!.body = cache.objects.get(wrong.narinfo)!.body.replace('Compression: xz', 'Compression: zstd');
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'unreadable-narinfo').map((item) => item.key)).toEqual([`${nixHash('garbage')}.narinfo`]);
    expect(itemsOf(report.findings, 'narinfo-key-mismatch').map((item) => item.key)).toEqual([`${nixHash('impostor')}.narinfo`]);
    expect(itemsOf(report.findings, 'compression-mismatch')).toEqual([expect.objectContaining({ key: wrong.narinfo, compression: 'zstd' })]);
  });

  it('names multipart uploads older than the grace and counts the young ones', async () => {
    const cache = healthyCache();
    cache.uploads.push({ key: 'nar/stale.nar.xz', uploadId: 'u-1', initiated: new Date(cache.now.getTime() - 3 * 86_400_000) });
    cache.uploads.push({ key: 'nar/now.nar.xz', uploadId: 'u-2', initiated: cache.now });
    const report = await scan(cache);
    expect(itemsOf(report.findings, 'stale-upload')).toEqual([{ key: 'nar/stale.nar.xz', uploadId: 'u-1', initiated: new Date(cache.now.getTime() - 3 * 86_400_000).toISOString() }]);
    expect(report.inventory.uploads).toMatchObject({ count: 2, listed: true, oldestSeconds: 3 * 86_400 });
    expect(report.inFlight.uploads).toBe(1);
  });

  it('keeps at most maxItems keys per finding and counts them all', async () => {
    const cache = healthyCache();
    for (let i = 0; i < 7; i++) cache.put(`nar/${nixHash(`o${i}`, 52)}.nar.xz`, 'x', { ageDays: 5 });
    const report = await scan(cache, { maxItems: 3 });
    const orphans = report.findings.find((f) => f.kind === 'orphan-nar')!;
    expect(orphans.count).toBe(7);
    expect(orphans.items).toHaveLength(3);
  });

  it('reports multipart uploads it may not list as not listed, not as a failure', async () => {
    const cache = healthyCache();
    const source = {
      ...cache.source(),
      uploads: async function* () {
        yield* [];
        throw Object.assign(new Error('Access Denied.'), { code: 'AccessDenied' });
      },
    };
    const report = await scanCache({ source, trusted: [nativeVerifier(cache.key.publicKey())], now: cache.now });
    expect(report.inventory.uploads).toMatchObject({ listed: false, error: expect.stringContaining('AccessDenied') });
    expect(report.healthy).toBe(true);
  });
});
