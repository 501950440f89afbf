/**
 * `doctor` through the command line (in-process, no terminal) on the real Ceph RGW and the real
 * MinIO (issue 18): a bucket seeded with each defect has each named by its key in --json, with
 * exit 1 and the summary naming the fix; a healthy bucket (paths signed by the key the answers
 * trust, every closure complete) exits 0. The narinfos are written here (signed by real Ed25519
 * keys; what the real Nix writes is doctor-repair.test.ts's), the requests are the real servers'.
 * The clock the CLI gets is two days ahead, so what was uploaded just now is past the grace for
 * uploads in flight.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'minio';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { headObject } from '../../source/inventory/head-object';
import { backendTargets } from '../helpers/backend-targets';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { basename, narinfoText, nixHash, random } from '../doctor/synthetic-cache';

const rows = backendTargets().filter((row) => row.name !== 'MinIO, adminVia mc');

interface DoctorJson {
  ok: boolean;
  command: string;
  next: string[];
  doctor: {
    healthy: boolean;
    narinfos: { listed: number; read: number };
    inventory: { byKind: Record<string, { objects: number }>; uploads: { count: number; listed: boolean } };
    findings: { kind: string; count: number; items: { key: string; [field: string]: unknown }[] }[];
  };
}

const keysOf = (json: DoctorJson, kind: string) => json.doctor.findings.find((finding) => finding.kind === kind)?.items.map((item) => item.key) ?? [];

for (const row of rows) {
  describe.skipIf(row.target === null)(`doctor on ${row.name}${row.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
    const target = row.target!;
    const id = randomBytes(4).toString('hex');
    const trustedKey = generateNixSecretKey(`doctor-${id}-1`, random);
    const strangerKey = generateNixSecretKey(`stranger-${id}-1`, random);
    let client: Client;
    let sandbox: CliSandbox;

    /** a path's NAR then its narinfo, as nix copy uploads them */
    async function upload(bucket: string, name: string, options: { refs?: string[]; signer?: typeof trustedKey; withNar?: boolean; narinfoHeaders?: Record<string, string> } = {}) {
      const nar = `nar/${nixHash(`file-${name}-${id}`, 52)}.nar.xz`;
      const body = Buffer.from(`nar of ${name} `.repeat(20));
      if (options.withNar !== false) await client.putObject(bucket, nar, body, body.length);
      const text = narinfoText({ name: `${name}-${id}`, refs: (options.refs ?? []).map((ref) => `${ref}-${id}`) }, options.signer ?? trustedKey, nar, body.length);
      const key = `${nixHash(`${name}-${id}`)}.narinfo`;
      await client.putObject(bucket, key, Buffer.from(text), text.length, { 'Content-Type': 'text/x-nix-narinfo', ...options.narinfoHeaders });
      return { key, nar };
    }

    function answersFor(bucket: string) {
      const keyDir = sandbox.home;
      writeFileSync(join(keyDir, 'cache-priv-key.pem'), `${trustedKey.secretKeyText()}\n`, { mode: 0o600 });
      writeFileSync(join(keyDir, 'cache-pub-key.pem'), `${trustedKey.publicKeyText()}\n`);
      sandbox.writeAnswers({
        ...target.answers(),
        bucket,
        builder: { accessKey: `doctor-${id}` },
        key: { name: trustedKey.name, secretFile: join(keyDir, 'cache-priv-key.pem'), publicFile: join(keyDir, 'cache-pub-key.pem') },
      });
    }

    async function doctor(...flags: string[]) {
      return sandbox.run(['doctor', '--answers', 'answers.json', ...flags]);
    }

    beforeAll(() => {
      client = target.client();
      sandbox = makeCliSandbox();
      const effects = sandbox.effects.bind(sandbox);
      // two days ahead of the objects just uploaded: past the grace for uploads in flight
      sandbox.effects = () => ({ ...effects(), now: () => new Date(Date.now() + 2 * 86_400_000) });
    });

    it('exits 0 and says healthy on a bucket of whole, signed, complete closures', async () => {
      const bucket = `doctor-ok-${id}`;
      await client.makeBucket(bucket);
      await client.putObject(bucket, 'nix-cache-info', Buffer.from('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n'));
      await upload(bucket, 'glibc');
      await upload(bucket, 'hello', { refs: ['glibc', 'hello'] });
      answersFor(bucket);
      const words = await doctor();
      expect(words.stderr).not.toMatch(/error/i);
      expect(words.code).toBe(0);
      expect(words.stdout).toMatch(/^✔ Healthy/m);
      expect(words.stdout).toContain(`${trustedKey.name} verifies 2; no trusted key verifies 0`);
      const json = JSON.parse((await doctor('--json')).stdout) as DoctorJson;
      expect(json.ok).toBe(true);
      expect(json.doctor.findings).toEqual([]);
      expect(json.doctor.narinfos).toMatchObject({ listed: 2, read: 2 });
      expect(json.doctor.inventory.byKind['cache-info']!.objects).toBe(1);
    }, 120_000);

    it('names each defect by its key and exits 1 with the fix', async () => {
      const bucket = `doctor-bad-${id}`;
      await client.makeBucket(bucket);
      await upload(bucket, 'base');
      const dangling = await upload(bucket, 'dangling', { withNar: false });
      const orphan = `nar/${nixHash(`orphan-${id}`, 52)}.nar.xz`;
      await client.putObject(bucket, orphan, Buffer.from('nobody points here'));
      const incomplete = await upload(bucket, 'incomplete', { refs: ['base', 'never-uploaded'] });
      const stranger = await upload(bucket, 'stranger', { signer: strangerKey });
      const stale = 'nar/interrupted.nar.xz';
      const uploadId = await client.initiateNewMultipartUpload(bucket, stale, {});
      const chunked = await upload(bucket, 'chunked', { narinfoHeaders: { 'Content-Encoding': 'aws-chunked' } });
      // some servers drop aws-chunked from what they store (the fix of ceph/ceph#64440): then there is no trap to find
      const stored = await headObject(client, bucket, chunked.key);
      const serverKeepsChunked = stored !== 'missing' && /aws-chunked/i.test(stored.contentEncoding ?? '');
      // the RGW of these tests keeps it (measured), MinIO drops it: the trap is tested where it exists
      if (target.backend === 'ceph') expect(serverKeepsChunked).toBe(true);
      answersFor(bucket);

      const run = await doctor('--json');
      expect(run.code).toBe(1);
      const json = JSON.parse(run.stdout) as DoctorJson;
      expect(json.ok).toBe(false);
      expect(keysOf(json, 'nar-missing')).toEqual([dangling.key]);
      expect(keysOf(json, 'orphan-nar')).toEqual([orphan]);
      expect(keysOf(json, 'incomplete-closure')).toEqual([incomplete.key]);
      expect(json.doctor.findings.find((f) => f.kind === 'incomplete-closure')!.items[0]!['missing']).toEqual([basename(`never-uploaded-${id}`)]);
      expect(keysOf(json, 'old-key-only')).toEqual([stranger.key]);
      expect(json.doctor.findings.find((f) => f.kind === 'stale-upload')!.items).toEqual([expect.objectContaining({ key: stale, uploadId })]);
      if (serverKeepsChunked) expect(keysOf(json, 'aws-chunked')).toEqual([chunked.key]);
      else expect(keysOf(json, 'aws-chunked')).toEqual([]);
      expect(json.next.filter((line) => line.endsWith('doctor --repair'))).toHaveLength(1);
      // nothing else is called wrong: the base path and the chunked one's NAR are whole
      expect(json.doctor.findings.map((f) => f.kind).sort()).toEqual(
        ['incomplete-closure', 'nar-missing', 'old-key-only', 'orphan-nar', 'stale-upload', ...(serverKeepsChunked ? ['aws-chunked'] : [])].sort(),
      );

      const words = await doctor();
      expect(words.code).toBe(1);
      expect(words.stdout).toContain(dangling.key);
      expect(words.stdout).toContain(orphan);
      expect(words.stdout).toMatch(/^To fix:\n(.*\n)* {2}\S+ doctor --repair$/m);
      // stderr is not a terminal: at most a few progress lines, never a bar redrawn in place
      expect(words.stderr).not.toContain('\r');
      await client.abortMultipartUpload(bucket, stale, uploadId);
    }, 180_000);

    it('refuses a trusted key that is not a key, naming the field, exit 2', async () => {
      const bucket = `doctor-ok-${id}`;
      answersFor(bucket);
      writeFileSync(join(sandbox.home, 'cache-pub-key.pem'), 'not a key\n');
      const run = await doctor('--json');
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { field: 'key.publicFile' } });
    }, 60_000);
  });
}
