/**
 * doctor --deep and --repair (issue 18 parts 5 and 6) on the real Ceph RGW and the real MinIO, with
 * paths built, signed and laid out by the real Nix (`nix copy --to file://DIR`, uploaded as it is).
 * A bucket seeded with each defect: a dangling narinfo (its NAR deleted), an orphan NAR, an
 * incomplete closure, a narinfo signed only by an untrusted key, a corrupted NAR (same size, one
 * byte flipped: only --deep sees it), a stale multipart upload, an aws-chunked object. The repair
 * fixes what can be fixed and touches nothing else: every path that was whole is still substituted
 * by the real Nix afterwards, and a second scan reports only what no deletion fixes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { listBucket } from '../../source/inventory/list-bucket';
import { isAwsChunked, runDeepCheck } from '../../source/doctor/deep-check';
import { sampleDuringScan } from '../../source/doctor/run-deep-repair';
import { applyRepair, describeRepair, planRepair, type RepairResult } from '../../source/doctor/repair';
import { bucketSource, scanCache, type ScanReport } from '../../source/doctor/scan-cache';
import { nativeVerifier } from '../../source/keys/native-ed25519';
import { parseNixPublicKey } from '../../source/keys/nix-public-key';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';
import { makeCliSandbox } from '../helpers/run-cli';
import { binaryCacheFiles } from '../helpers/binary-cache-files';

const nixMissing = nixUnavailableReason();
const targets = [
  { label: 'a real Ceph RGW', server: inject('rgw'), skipped: inject('rgwUnavailable') ?? nixMissing },
  { label: 'a real MinIO', server: inject('minio'), skipped: inject('minioUnavailable') ?? nixMissing },
];

const PATHS_NIX = `
let
  leaf = name: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${name} \${toString builtins.currentTime} > $out" ]; };
  dep = leaf "dep";
  other = leaf "other";
in {
  top = derivation { name = "top"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${dep} \${other} $out > $out" ]; };
  loner = leaf "loner";
  victim = leaf "victim";
  dangling = leaf "dangling";
  stranger = leaf "stranger";
  chunky = leaf "chunky";
}
`;

const hashOf = (storePath: string) => storePath.split('/').pop()!.slice(0, 32);

for (const target of targets) describe.skipIf(target.server === null || target.skipped !== undefined)(`doctor --deep and --repair on ${target.label}${target.skipped ? ` (skipped: ${target.skipped})` : ''}`, () => {
  const info = target.server!;
  let client: Client;
  let nix: NixSandbox;
  let state: string;
  let bucket: string;
  let publicKey: string;
  const paths: Record<string, string> = {};
  const narOf: Record<string, string> = {};
  let before: Map<string, string>;
  let orphanKey: string;
  /** the chunky path's narinfo and NAR, when the server stores Content-Encoding: aws-chunked */
  const chunkedKeys: string[] = [];
  let first: ScanReport;
  let result: RepairResult;

  const trusted = () => [nativeVerifier(parseNixPublicKey(publicKey, 'test key'))];
  const scan = () => scanCache({ source: bucketSource(client, bucket), trusted: trusted(), now: new Date(), graceMs: 0 });
  const keysWithEtags = async () => {
    const out = new Map<string, string>();
    for await (const object of listBucket(client, bucket)) out.set(object.key, object.etag);
    return out;
  };
  /** A client with a fresh store that trusts only our key, substituting over http. */
  const substitute = (storePath: string) => {
    const fresh = makeNixSandbox();
    try {
      fresh.run('nix', ['copy', '--store', fresh.store, '--from', `${info.endpoint}/${bucket}`, '--trusted-public-keys', publicKey, storePath]);
    } finally {
      fresh.remove();
    }
  };

  beforeAll(async () => {
    client = createS3Client({ endpoint: info.endpoint, region: 'us-east-1', accessKey: info.accessKey, secretKey: info.secretKey });
    bucket = `doctor-${randomBytes(4).toString('hex')}`;
    await client.makeBucket(bucket);
    await client.setBucketPolicy(
      bucket,
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }] }),
    );
    state = mkdtempSync(join(tmpdir(), 'ncw-repair-'));
    nix = makeNixSandbox();
    const random = (n: number) => new Uint8Array(randomBytes(n));
    const key = generateNixSecretKey(`doctor-test-${bucket}`, random);
    publicKey = key.publicKeyText();
    writeFileSync(join(nix.dir, 'secret.key'), key.secretKeyText(), { mode: 0o600 });
    const strangerKey = generateNixSecretKey('someone-else-1', random);
    writeFileSync(join(nix.dir, 'stranger.key'), strangerKey.secretKeyText(), { mode: 0o600 });
    writeFileSync(join(nix.dir, 'paths.nix'), PATHS_NIX);
    for (const attr of ['top', 'loner', 'victim', 'dangling', 'stranger', 'chunky']) {
      paths[attr] = (JSON.parse(nix.run('nix', ['build', '--store', nix.store, '--no-link', '--json', '--impure', '-f', 'paths.nix', attr])) as { outputs: { out: string } }[])[0]!.outputs.out;
    }
    const closure = nix.run('nix', ['path-info', '--store', nix.store, '--recursive', paths['top']!]).trim().split('\n');
    paths['dep'] = closure.find((path) => path.endsWith('-dep'))!;
    paths['other'] = closure.find((path) => path.endsWith('-other'))!;
    nix.run('nix', ['store', 'sign', '--store', nix.store, '--key-file', join(nix.dir, 'secret.key'), ...closure, paths['loner']!, paths['victim']!, paths['dangling']!, paths['chunky']!]);
    nix.run('nix', ['store', 'sign', '--store', nix.store, '--key-file', join(nix.dir, 'stranger.key'), paths['stranger']!]);
    const dir = join(nix.dir, 'cache');
    nix.run('nix', ['copy', '--store', nix.store, '--to', `file://${dir}`, ...closure, paths['loner']!, paths['victim']!, paths['dangling']!, paths['stranger']!, paths['chunky']!]);
    for (const [name, storePath] of Object.entries(paths)) {
      narOf[name] = /^URL: (.*)$/m.exec(readFileSync(join(dir, `${hashOf(storePath)}.narinfo`), 'utf8'))![1]!;
    }
    for (const name of binaryCacheFiles(dir)) {
      if (name === 'nix-cache-info') continue;
      // the incomplete closure: `other` (a reference of `top`) is not uploaded
      if (name === `${hashOf(paths['other']!)}.narinfo` || name === narOf['other']) continue;
      // the dangling narinfo: its NAR is not uploaded
      if (name === narOf['dangling']) continue;
      let body = readFileSync(join(dir, name));
      // the corrupted NAR: same size, one byte flipped
      if (name === narOf['victim']) {
        body = Buffer.from(body);
        body[Math.floor(body.length / 2)]! ^= 0x55;
      }
      // the aws-chunked trap (Ceph RGW before ceph/ceph#64440, uploads by aws-sdk-cpp): both objects
      // of the chunky path stored with that header, as such an upload left them; a server that drops
      // the header cannot show the trap, and there chunky is a whole path like the others
      const chunky = name === `${hashOf(paths['chunky']!)}.narinfo` || name === narOf['chunky'];
      await client.putObject(bucket, name, body, body.length, {
        'Content-Type': name.endsWith('.narinfo') ? 'text/x-nix-narinfo' : 'application/x-nix-nar',
        ...(chunky ? { 'Content-Encoding': 'aws-chunked', 'x-amz-meta-kept': 'yes' } : {}),
      });
      if (chunky) {
        const stat = await client.statObject(bucket, name);
        if (String((stat.metaData as Record<string, unknown>)['content-encoding'] ?? '').includes('aws-chunked')) chunkedKeys.push(name);
      }
    }
    await client.putObject(bucket, 'nix-cache-info', 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
    // the orphan NAR
    orphanKey = `nar/${'0'.repeat(52)}.nar.xz`;
    await client.putObject(bucket, orphanKey, Buffer.from('an orphan'));
    // the stale multipart upload
    await client.initiateNewMultipartUpload(bucket, 'nar/unfinished.nar.xz', {});
    before = await keysWithEtags();
  }, 300_000);

  afterAll(() => {
    nix?.remove();
    if (state) rmSync(state, { recursive: true, force: true });
  });

  it('substitutes every whole path with the real Nix before the repair', () => {
    for (const name of ['dep', 'loner']) expect(() => substitute(paths[name]!)).not.toThrow();
    expect(() => substitute(paths['dangling']!)).toThrow();
    expect(() => substitute(paths['victim']!)).toThrow(/hash mismatch|Corrupted input data/i);
    if (chunkedKeys.length > 0) expect(() => substitute(paths['chunky']!)).toThrow();
    else expect(() => substitute(paths['chunky']!)).not.toThrow();
  });

  it('names each defect by its key; the corrupted NAR only under --deep', async () => {
    first = await scan();
    const kinds = Object.fromEntries(first.findings.map((finding) => [finding.kind, finding.items.map((item) => item.key)]));
    expect(kinds['nar-missing']).toEqual([`${hashOf(paths['dangling']!)}.narinfo`]);
    expect(kinds['orphan-nar']).toEqual([orphanKey]);
    expect(kinds['incomplete-closure']).toEqual([`${hashOf(paths['top']!)}.narinfo`]);
    expect([...(kinds['old-key-only'] ?? []), ...(kinds['no-trusted-signature'] ?? [])]).toEqual([`${hashOf(paths['stranger']!)}.narinfo`]);
    expect(kinds['stale-upload']).toEqual(['nar/unfinished.nar.xz']);
    expect([...(kinds['aws-chunked'] ?? [])].sort()).toEqual([...chunkedKeys].sort());
    expect(kinds['nar-corrupt']).toBeUndefined();

    const deep = await runDeepCheck({ client, bucket, random: Math.random });
    expect(deep.checked).toBe(7);
    const corrupt = deep.problems.filter((verdict) => verdict.status === 'corrupt');
    expect(corrupt.map((verdict) => verdict.narinfoKey).sort()).toEqual([`${hashOf(paths['dangling']!)}.narinfo`, `${hashOf(paths['victim']!)}.narinfo`].sort());
    const victim = corrupt.find((verdict) => verdict.narinfoKey.startsWith(hashOf(paths['victim']!)))!;
    expect(victim.problems.map((problem) => problem.kind)).toContain('file-hash');
    expect(deep.problems.filter((verdict) => verdict.status === 'unchecked')).toEqual([]);
    expect(deep.whole).toBe(5);
    expect(deep.problems.filter((verdict) => verdict.contentEncoding?.includes('aws-chunked')).map((verdict) => verdict.narKey)).toEqual(chunkedKeys.filter((key) => key.startsWith('nar/')));

    const sampled = await runDeepCheck({ client, bucket, random: Math.random, sample: 2 });
    expect(sampled.checked).toBe(2);
    // the NARs not in the sample get a HEAD: the aws-chunked one is found either way
    const sampledChunked = [...sampled.chunkedNars, ...sampled.problems.filter((verdict) => isAwsChunked(verdict.contentEncoding)).map((verdict) => verdict.narKey)];
    expect(sampledChunked).toEqual(chunkedKeys.filter((key) => key.startsWith('nar/')));

    // the command draws the sample during the scan's own narinfo pass: the same counts, no second read
    const during = sampleDuringScan({ deep: true, sample: 2 }, { randomBytes: (n) => new Uint8Array(randomBytes(n)) })!;
    let told = 0;
    await scanCache({ source: bucketSource(client, bucket), trusted: trusted(), now: new Date(), onNarinfo: (fetched) => { told += 1; during.onNarinfo(fetched); } });
    const drawn = during.drawn();
    expect(told).toBe(first.narinfos.read);
    expect(drawn.targets).toHaveLength(2);
    expect(new Set(drawn.targets.map((target) => target.narinfoKey)).size).toBe(2);
    expect(Object.fromEntries(drawn.narReferences)).toEqual(Object.fromEntries(deep.narReferences));
    const fromScan = await runDeepCheck({ client, bucket, random: Math.random, sample: 2, drawn });
    expect(fromScan.checked).toBe(2);
    expect(fromScan.narReferences).toBe(drawn.narReferences);
    const fromScanChunked = [...fromScan.chunkedNars, ...fromScan.problems.filter((verdict) => isAwsChunked(verdict.contentEncoding)).map((verdict) => verdict.narKey)];
    expect(fromScanChunked).toEqual(chunkedKeys.filter((key) => key.startsWith('nar/')));
  });

  it('doctor --repair without a terminal and without --yes stops with exit 2 naming --yes, and changes nothing', async () => {
    const cli = makeCliSandbox();
    cli.writeAnswers({ backend: target.label.includes('Ceph') ? 'ceph' : 'minio', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `${bucket}-builder` } });
    const run = await cli.run(['doctor', '--repair', '--answers', 'answers.json']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout + run.stderr).toContain('--yes');
    expect(run.stdout + run.stderr).toMatch(/Delete 1 narinfos/);
    expect(await keysWithEtags()).toEqual(before);
    // bad flags: exit 2 naming the flag, before anything is read
    for (const [args, flag] of [[['--sample', '0'], '--sample'], [['--min-age', '5'], '--min-age'], [['--repair', '--min-age', '3w'], '--min-age']] as const) {
      const bad = await cli.run(['doctor', ...args, '--answers', 'answers.json']);
      expect(bad.code, bad.stdout + bad.stderr).toBe(2);
      expect(bad.stdout + bad.stderr).toContain(flag);
    }
  });

  it('repairs what can be repaired, writes every key to delete first, and touches nothing else', async () => {
    const deep = await runDeepCheck({ client, bucket, random: Math.random });
    const plan = planRepair({ findings: first.findings, deep: deep.problems, narReferences: deep.narReferences, minAgeMs: 0, now: new Date() });
    expect(describeRepair(plan).join('\n')).toMatch(/Delete 2 narinfos/);
    const reportPath = join(state, 'repair', 'report.jsonl');
    result = await applyRepair({ client, bucket, plan, reportPath, scanStarted: new Date(Date.now() - 60_000), minAgeMs: 0, now: () => new Date() });
    expect(result.skipped).toEqual([]);
    expect(existsSync(reportPath)).toBe(true);
    const report = readFileSync(reportPath, 'utf8');
    const after = await keysWithEtags();
    const gone = [...before.keys()].filter((key) => !after.has(key)).sort();
    const expected = [`${hashOf(paths['dangling']!)}.narinfo`, `${hashOf(paths['victim']!)}.narinfo`, narOf['victim']!, orphanKey].sort();
    expect(gone).toEqual(expected);
    for (const key of gone) expect(report).toContain(JSON.stringify(key).slice(1, -1));
    // nothing else deleted or changed, apart from the rewritten aws-chunked object
    for (const [key, etag] of after) if (!chunkedKeys.includes(key)) expect(before.get(key), key).toBe(etag);
    expect([...after.keys()].filter((key) => !before.has(key))).toEqual([]);
    expect(result.abortedUploads).toBe(1);
    expect(result.rewritten).toBe(chunkedKeys.length);
    for (const key of chunkedKeys) {
      const stat = await client.statObject(bucket, key);
      expect(String((stat.metaData as Record<string, unknown>)['content-encoding'] ?? '')).not.toContain('aws-chunked');
      expect((stat.metaData as Record<string, unknown>)['kept']).toBe('yes');
      expect(stat.metaData['content-type']).toBe(key.endsWith('.narinfo') ? 'text/x-nix-narinfo' : 'application/x-nix-nar');
    }
  });

  it('still substitutes every path that was whole with the real Nix', () => {
    for (const name of ['dep', 'loner', 'chunky']) expect(() => substitute(paths[name]!)).not.toThrow();
    // the broken paths are now a miss: the client would build them
    expect(() => substitute(paths['victim']!)).toThrow(/does not have a valid substitute|don't know how to build|no substitute/i);
  });

  it('reports healthy on a second run apart from what no deletion repairs', async () => {
    const second = await scan();
    expect(second.findings.map((finding) => finding.kind).sort()).toEqual(['incomplete-closure', first.findings.some((f) => f.kind === 'old-key-only') ? 'old-key-only' : 'no-trusted-signature'].sort());
    const deep = await runDeepCheck({ client, bucket, random: Math.random });
    expect(deep.problems).toEqual([]);
    // and the command line says the same: --deep finds every NAR whole, --repair has nothing to do
    const cli = makeCliSandbox();
    cli.writeAnswers({ backend: target.label.includes('Ceph') ? 'ceph' : 'minio', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `${bucket}-builder` } });
    const run = await cli.run(['doctor', '--deep', '--repair', '--yes', '--min-age', '0', '--json', '--answers', 'answers.json']);
    expect(run.code, run.stderr).toBe(1);
    const json = JSON.parse(run.stdout) as { doctor: { deep: { checked: number; whole: number }; repair: { plan: string[]; result?: unknown }; findings: { kind: string }[] } };
    expect(json.doctor.deep).toMatchObject({ checked: 5, whole: 5 });
    expect(json.doctor.repair.result).toBeUndefined();
    expect(json.doctor.repair.plan.every((line) => line.startsWith('Left alone'))).toBe(true);
  });
});
