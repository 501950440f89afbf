/**
 * `prune` with the real Nix on the real Ceph RGW and MinIO (issue 19). Paths built and signed by
 * the real Nix are uploaded as `nix copy --to file://DIR` lays them out (Debian's Nix has no S3
 * store), with the builder's keys:
 *  - old (before a time boundary): lib → base, a pinned system closure sys → sysbase, junk → junkdep
 *    and base (junk refers to itself too), latedep, and an orphan NAR;
 *  - new (after it): app → lib.
 * The server's dates cannot be set back, so "old" is made by the clock: the command's clock is
 * put at the boundary + 5 days and run with --keep-days 5 (app is recent, the rest is older).
 * While prune runs (a test seam between the plan and the re-check before deleting), a builder
 * uploads `late` → latedep: latedep must survive. Then prune has deleted exactly junk, junkdep and
 * the orphan NAR; the real Nix substitutes app, sys and late with their closures from the bucket;
 * no narinfo left points at a missing NAR or path.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import { listBucket } from '../../source/inventory/list-bucket';
import { pruneCache } from '../../source/prune/prune-cache';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

const rgw = inject('rgw');
const minio = inject('minio');
const nixMissing = nixUnavailableReason();
const DAY = 24 * 60 * 60 * 1000;

interface Target {
  readonly label: string;
  readonly server: { readonly endpoint: string; readonly accessKey: string; readonly secretKey: string } | null;
  readonly skipped: string | null | undefined;
  readonly backend: 'ceph' | 'minio';
}

const targets: Target[] = [
  { label: 'a real Ceph RGW', server: rgw, skipped: inject('rgwUnavailable') ?? nixMissing, backend: 'ceph' },
  { label: 'a real MinIO', server: minio, skipped: inject('minioUnavailable') ?? nixMissing, backend: 'minio' },
];

const PATHS_NIX = `
let
  mk = name: deps: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo \${name} \${toString builtins.currentTime} \${toString deps} $out > $out" ];
  };
  base = mk "base" [];
  lib = mk "lib" [ base ];
  sysbase = mk "sysbase" [];
  junkdep = mk "junkdep" [];
  latedep = mk "latedep" [];
in {
  inherit base lib sysbase junkdep latedep;
  app = mk "app" [ lib ];
  sys = mk "sys" [ sysbase ];
  junk = mk "junk" [ junkdep base ];
  late = mk "late" [ latedep ];
}
`;

const NAMES = ['base', 'lib', 'app', 'sysbase', 'sys', 'junkdep', 'junk', 'latedep', 'late'] as const;
type Name = (typeof NAMES)[number];

interface PruneJson {
  ok: boolean;
  dryRun: boolean;
  error?: { message: string; field?: string };
  prune?: {
    applied: boolean;
    toFree: Record<string, { count: number; bytes: number }>;
    deleted: Record<string, number>;
    roots: { recent: number; pinned: number; young: number };
    reportPath?: string;
    largestFreed: { path: string; paths: number }[];
  };
}

for (const target of targets)
  describe.skipIf(target.server === null || nixMissing !== undefined)(`prune with the real Nix and ${target.label}${target.skipped ? ` (skipped: ${target.skipped})` : ''}`, () => {
    const info = target.server as NonNullable<Target['server']>;
    let sandbox: CliSandbox;
    let nix: NixSandbox;
    let bucket: string;
    let builder: Client;
    let admin: Client;
    const paths = {} as Record<Name, string>;
    const hashOf = (name: Name) => paths[name].slice(11, 43);
    let publicKey: string;
    /** the clock of every prune run: the time boundary + 5 days */
    let now: Date;
    const orphanNar = `nar/${'1'.repeat(52)}.nar.xz`;

    /** Uploads, as the builder, the narinfo and NAR of each of `only` (from a file:// copy of their closures). */
    const upload = async (only: readonly Name[]) => {
      const dir = join(nix.dir, `cache-${randomBytes(3).toString('hex')}`);
      nix.run('nix', ['copy', '--store', nix.store, '--to', `file://${dir}`, ...only.map((n) => paths[n])]);
      for (const name of only) {
        const narinfoKey = `${hashOf(name)}.narinfo`;
        const text = readFileSync(join(dir, narinfoKey), 'utf8');
        const url = /^URL: (.*)$/m.exec(text)![1]!;
        const nar = readFileSync(join(dir, url));
        await builder.putObject(bucket, url, nar, nar.length, { 'Content-Type': 'application/x-nix-nar' });
        await builder.putObject(bucket, narinfoKey, Buffer.from(text), text.length, { 'Content-Type': 'text/x-nix-narinfo' });
      }
    };

    const keys = async (): Promise<Map<string, Date>> => {
      const found = new Map<string, Date>();
      for await (const object of listBucket(admin, bucket)) found.set(object.key, object.lastModified);
      return found;
    };

    const prune = async (...args: string[]): Promise<{ code: number; json: PruneJson; stderr: string }> => {
      const run = await sandbox.run(['prune', '--json', '--answers', 'answers.json', ...args]);
      return { code: run.code, json: JSON.parse(run.stdout) as PruneJson, stderr: run.stderr };
    };

    beforeAll(async () => {
      // Given a cache set up by the wizard
      sandbox = makeCliSandbox();
      bucket = `prune-${randomBytes(4).toString('hex')}`;
      sandbox.writeAnswers({ backend: target.backend, endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `${bucket}-b` } });
      const setup = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
      expect(setup.code, setup.stderr).toBe(0);
      const profile = readAwsProfile(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'), 'nixbuilder');
      builder = createS3Client({ endpoint: info.endpoint, region: 'us-east-1', accessKey: profile?.accessKeyId ?? '', secretKey: profile?.secretAccessKey ?? '' });
      admin = createS3Client({ endpoint: info.endpoint, region: 'us-east-1', accessKey: info.accessKey, secretKey: info.secretKey });
      publicKey = readFileSync(join(sandbox.home, '.config', 'nix', 'public.key'), 'utf8').trim();

      // and paths built and signed by the real Nix
      nix = makeNixSandbox();
      writeFileSync(join(nix.dir, 'paths.nix'), PATHS_NIX);
      // one evaluation for all (builtins.currentTime differs between evaluations)
      const built = JSON.parse(nix.run('nix', ['build', '--store', nix.store, '--no-link', '--json', '--impure', '-f', 'paths.nix', ...NAMES])) as { outputs: { out: string } }[];
      for (const name of NAMES) paths[name] = built.find((b) => b.outputs.out.endsWith(`-${name}`))!.outputs.out;
      nix.run('nix', ['store', 'sign', '--store', nix.store, '--key-file', join(sandbox.home, '.config', 'nix', 'secret.key'), ...NAMES.map((n) => paths[n])]);
      writeFileSync(join(sandbox.cwd, 'pins.txt'), nix.run('nix', ['path-info', '--store', nix.store, '--recursive', paths.sys]));

      // the old uploads, then a time boundary the server's clock has passed, then the new one
      await upload(['base', 'lib', 'sysbase', 'sys', 'junkdep', 'junk', 'latedep']);
      await builder.putObject(bucket, orphanNar, Buffer.from('not a real nar'), 14);
      const old = await keys();
      const newest = Math.max(...[...old.values()].map((d) => d.getTime()));
      let boundary = 0;
      const deadline = Date.now() + 10_000;
      // wait (with a deadline) until the server dates a new object after every old one
      while (boundary <= newest) {
        if (Date.now() > deadline) throw new Error('the server clock did not move past the old uploads within 10 s');
        await admin.putObject(bucket, 'log/boundary-probe', Buffer.from('x'), 1);
        boundary = (await admin.statObject(bucket, 'log/boundary-probe')).lastModified.getTime();
      }
      await admin.removeObject(bucket, 'log/boundary-probe');
      await upload(['app']);
      now = new Date(boundary + 5 * DAY);
      const effects = sandbox.effects.bind(sandbox);
      sandbox.effects = () => ({ ...effects(), now: () => now });
    }, 300_000);

    afterAll(() => {
      nix?.remove();
    });

    it('refuses a pin file with a line that is not a store path, naming the file and line, and deletes nothing (exit 2)', async () => {
      writeFileSync(join(sandbox.cwd, 'bad-pins.txt'), `${paths.sys}\nnot-a-path\n`);
      const before = await keys();
      const { code, json } = await prune('--pin', 'bad-pins.txt', '--apply');
      expect(code).toBe(2);
      expect(json.error?.message).toMatch(/--pin bad-pins\.txt, line 2: "not-a-path" is not a store path/);
      expect([...(await keys()).keys()].sort()).toEqual([...before.keys()].sort());
    });

    it('says in a dry run exactly what it would delete, and deletes nothing', async () => {
      const before = await keys();
      const { code, json, stderr } = await prune('--keep-days', '5', '--pin', 'pins.txt');
      expect(code, stderr).toBe(0);
      expect(json.dryRun).toBe(true);
      expect(json.prune?.roots).toMatchObject({ recent: 1, pinned: 2 });
      // junk, junkdep and latedep (nothing refers to it yet); their NARs and the orphan NAR
      expect(json.prune?.toFree['narinfo']?.count).toBe(3);
      expect(json.prune?.toFree['nar']?.count).toBe(4);
      expect(json.prune?.largestFreed.map((c) => c.path.slice(33)).sort()).toEqual(['junk', 'latedep']);
      expect([...(await keys()).keys()].sort()).toEqual([...before.keys()].sort());
    });

    it('deletes exactly the unreachable paths, keeping what a path uploaded while it ran refers to', async () => {
      const before = await keys();
      const reportPath = join(sandbox.dir, 'prune-report.keys');
      const result = await pruneCache({
        client: admin,
        bucket,
        now: () => now,
        keepDays: 5,
        minAgeMs: 60 * 60 * 1000,
        pins: NAMES.filter((n) => n === 'sys' || n === 'sysbase').map(hashOf),
        apply: true,
        reportPath,
        // a builder uploads `late` → latedep after the plan, before the deletes
        beforeRecheck: () => upload(['late']),
      });
      expect(result.applied).toBe(true);
      expect(result.late).toBe(1);
      expect(result.deleted).toEqual({ narinfo: 2, nar: 3, ls: 0, log: 0 });
      const after = await keys();
      const gone = [...before.keys()].filter((key) => !after.has(key)).sort();
      expect(gone.filter((key) => key.endsWith('.narinfo')).sort()).toEqual([`${hashOf('junk')}.narinfo`, `${hashOf('junkdep')}.narinfo`].sort());
      expect(gone.filter((key) => key.startsWith('nar/'))).toHaveLength(3);
      expect(gone).toContain(orphanNar);
      for (const name of ['base', 'lib', 'app', 'sysbase', 'sys', 'latedep', 'late'] as const) expect(after.has(`${hashOf(name)}.narinfo`), name).toBe(true);
      // every key deleted was written to the report before
      const report = readFileSync(reportPath, 'utf8');
      for (const key of gone) expect(report).toContain(key);
      // in the order deleted: every narinfo before any NAR
      const lines = report.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      const lastNarinfo = Math.max(...lines.map((line, i) => (line.endsWith('.narinfo') ? i : -1)));
      const firstNar = lines.findIndex((line) => line.startsWith('nar/'));
      expect(lastNarinfo).toBeLessThan(firstNar);
    });

    it('leaves no narinfo pointing at a missing NAR or path', async () => {
      const now = await keys();
      for (const key of now.keys()) {
        if (!key.endsWith('.narinfo')) continue;
        const stream = await admin.getObject(bucket, key);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString('utf8');
        expect(now.has(/^URL: (.*)$/m.exec(text)![1]!), `${key}'s NAR`).toBe(true);
        for (const ref of (/^References: (.*)$/m.exec(text)?.[1] ?? '').split(' ').filter(Boolean)) expect(now.has(`${ref.slice(0, 32)}.narinfo`), `${key} → ${ref}`).toBe(true);
      }
    });

    it("lets the real Nix substitute every kept root's whole closure from the bucket", () => {
      const client = makeNixSandbox();
      try {
        client.run('nix', ['copy', '--store', client.store, '--from', `${info.endpoint}/${bucket}`, '--trusted-public-keys', publicKey, paths.app, paths.sys, paths.late]);
        const got = client.run('nix', ['path-info', '--store', client.store, '--recursive', paths.app, paths.sys, paths.late]).trim().split('\n').sort();
        expect(got).toEqual(['base', 'lib', 'app', 'sysbase', 'sys', 'latedep', 'late'].map((n) => paths[n as Name]).sort());
        expect(existsSync(client.store)).toBe(true);
      } finally {
        client.remove();
      }
    });

    it('remembers the pins: a later --apply without --pin keeps the pinned closure and finds nothing to delete', async () => {
      const { code, json, stderr } = await prune('--keep-days', '5', '--apply');
      expect(code, stderr).toBe(0);
      expect(json.prune?.roots).toMatchObject({ pinned: 2 });
      expect(json.prune?.applied).toBe(false);
      expect(Object.values(json.prune?.toFree ?? {}).reduce((sum, k) => sum + k.count, 0)).toBe(0);
      // --keep-days 0 keeps the pins alone: app's chain and late's go, the system stays
      const pinsOnly = await prune('--keep-days', '0', '--min-age', '0');
      expect(pinsOnly.json.prune?.toFree['narinfo']?.count).toBe(5);
      expect(readdirSync(sandbox.cwd)).toContain('pins.txt');
    });
  });
