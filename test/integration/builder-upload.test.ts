/**
 * The builder module's hook and uploader against the real Ceph RGW (SPEC 4.8), and verify's
 * client-side checks on what they uploaded (SPEC 6). Debian's Nix 2.8 has no S3 store, so the
 * uploader's upload step is a stand-in named so: the same `nix copy`, to a file:// folder, signed
 * with the key the uploader hands over, then the real aws CLI with the builder's profile copies
 * the files into the bucket (notes/nix.md, "Uploading").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CephRgwInfo } from '../helpers/ceph-rgw';
import { rgwClient } from '../helpers/ceph-rgw';
import { makeSpool, queued, writeBuilderScripts } from '../helpers/builder-scripts';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { s3StoreUrl } from '../../source/nix/cache-urls';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { getLifecycleXml, putLifecycleXml } from '../../source/backends/s3/s3-requests';

const rgw = inject('rgw');
const rgwUnavailable = inject('rgwUnavailable');
const nixUnavailable = nixUnavailableReason();
const unavailable = rgwUnavailable ?? nixUnavailable;

interface JsonRun {
  ok: boolean;
  steps: { id: string; status: string; detail: string }[];
}

/** Stand-in for Nix's S3 store: `nix copy` to file:// (signing with the URL's secret-key=), then `aws s3 cp`. */
const UPLOAD_THROUGH_AWS = `#!/usr/bin/env bash
set -eu
store="$1"; shift
key="\${store##*secret-key=}"
endpoint="\${store#*endpoint=}"; endpoint="\${endpoint%%&*}"
bucket="\${store#s3://}"; bucket="\${bucket%%\\?*}"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
nix --extra-experimental-features nix-command copy --to "file://$tmp?secret-key=$key" "$@"
# Like Nix's S3 store, which writes nix-cache-info only when the bucket has none: never replace it.
AWS_MAX_ATTEMPTS=1 aws --endpoint-url "$endpoint" --region us-east-1 --profile nixbuilder --cli-connect-timeout 3 \
  s3 cp --recursive --only-show-errors --exclude nix-cache-info "$tmp" "s3://$bucket"
`;

describe.skipIf(rgw === null || nixUnavailable !== undefined)(`the builder's uploader against the real Ceph RGW${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  let cli: CliSandbox;
  let nix: NixSandbox;
  let scripts: { hook: string; uploader: string };
  let upload: string;
  let credentials: string;
  const bucket = `upload-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cli = makeCliSandbox();
    cli.writeAnswers({ backend: 'ceph', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `b-${bucket}` }, writeMcConfig: false, expireDays: 30 });
    const setup = await cli.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    nix = makeNixSandbox();
    scripts = writeBuilderScripts(nix.dir);
    upload = join(nix.dir, 'upload-through-aws');
    writeFileSync(upload, UPLOAD_THROUGH_AWS);
    chmodSync(upload, 0o755);
    // What systemd's LoadCredential= hands the service: private copies of the two files.
    credentials = join(nix.dir, 'credentials');
    mkdirSync(credentials);
    copyFileSync(join(cli.home, '.aws', 'credentials'), join(credentials, 'aws'));
    copyFileSync(join(cli.home, '.config', 'nix', 'secret.key'), join(credentials, 'secret-key'));
  });
  afterAll(() => {
    nix?.remove();
  });

  const build = (spool: string): string =>
    execFileSync(
      'nix-build',
      ['--store', nix.store, '--no-out-link', '--option', 'post-build-hook', scripts.hook, '--option', 'secret-key-files', join(credentials, 'secret-key'), '-E', `derivation { name = "uploaded-${Date.now()}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; }`],
      { env: { ...nix.env, NIX_CACHE_SPOOL: spool }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();

  const runUploader = (spool: string, endpoint: string) =>
    spawnSync(scripts.uploader, [], {
      env: {
        ...nix.env,
        NIX_REMOTE: nix.store,
        NIX_CACHE_SPOOL: spool,
        NIX_CACHE_STORE: s3StoreUrl({ bucket, endpoint, region: 'us-east-1' }, 'nixbuilder'),
        NIX_CACHE_UPLOAD_COMMAND: upload,
        NIX_CACHE_RETRY_SECONDS: '0',
        CREDENTIALS_DIRECTORY: credentials,
      },
      encoding: 'utf8',
    });

  it('keeps the queued path and exits 0 while the server is down, then uploads it signed once it is up', async () => {
    const spool = makeSpool(join(nix.dir, 'spool'));
    const path = build(spool);
    expect(queued(spool)).toHaveLength(1);

    const down = runUploader(spool, 'http://127.0.0.1:9');
    expect(down.status, down.stderr).toBe(0);
    expect(down.stderr).toContain('stays queued');
    expect(queued(spool)).toHaveLength(1);

    const up = runUploader(spool, info.endpoint);
    expect(up.status, up.stderr).toBe(0);
    expect(up.stderr).toContain(`uploaded ${path}`);
    expect(queued(spool)).toEqual([]);
    const hash = path.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const narinfo = await fetch(`${info.endpoint}/${bucket}/${hash}.narinfo`);
    expect(narinfo.status).toBe(200);
    expect(await narinfo.text()).toMatch(new RegExp(`^Sig: 127\\.0\\.0\\.1-${bucket}-1:`, 'm'));
  });

  it('verify finds the uploaded narinfos signed by the trusted key, and Nix reads the cache through the substituter', async () => {
    const result = await cli.run(['verify', '--json', '--answers', 'answers.json']);
    const json = JSON.parse(result.stdout) as JsonRun;
    const byId = Object.fromEntries(json.steps.map((s) => [s.id, s]));
    expect(byId['narinfo-signatures']).toMatchObject({ status: 'done' });
    expect(byId['narinfo-signatures']?.detail).toContain('signed by a trusted key');
    expect(byId['local-nix-read']).toMatchObject({ status: 'done' });
    expect(byId['expiry']).toMatchObject({ status: 'done' });
    expect(result.code, result.stdout).toBe(0);
  });

  it('verify names a narinfo no trusted key signed', async () => {
    const keys = readFileSync(join(cli.home, '.aws', 'credentials'), 'utf8');
    const client = rgwClient(info, {
      accessKey: /aws_access_key_id = (\S+)/.exec(keys)![1]!,
      secretKey: /aws_secret_access_key = (\S+)/.exec(keys)![1]!,
    });
    const unsigned = '0000000000000000000000000000000a';
    const text = `StorePath: /nix/store/${unsigned}-x\nURL: nar/x.nar\nCompression: none\nNarHash: sha256:${'0'.repeat(52)}\nNarSize: 8\nReferences: \n`;
    await client.putObject(bucket, `${unsigned}.narinfo`, Buffer.from(text));
    const result = await cli.run(['verify', '--json', '--answers', 'answers.json']);
    const json = JSON.parse(result.stdout) as JsonRun;
    const check = json.steps.find((s) => s.id === 'narinfo-signatures')!;
    expect(check.status).toBe('failed');
    expect(check.detail).toContain(`${unsigned}.narinfo`);
    expect(check.detail).toContain('every machine will refuse them');
    expect(result.code).toBe(1);
  });

  it('verify fails a lifecycle rule that expires NARs within the 30 days a client trusts a narinfo', async () => {
    const admin = createS3Client({ endpoint: info.endpoint, region: 'us-east-1', accessKey: info.accessKey, secretKey: info.secretKey });
    const current = (await getLifecycleXml(admin, bucket))!;
    const foreign = '<Rule><ID>nars-sooner</ID><Filter><Prefix>nar/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>40</Days></Expiration></Rule>';
    await putLifecycleXml(admin, bucket, current.replace('</LifecycleConfiguration>', `${foreign}</LifecycleConfiguration>`));
    try {
      const result = await cli.run(['verify', '--json', '--answers', 'answers.json']);
      const check = (JSON.parse(result.stdout) as JsonRun).steps.find((s) => s.id === 'expiry')!;
      expect(check.status).toBe('failed');
      expect(check.detail).toContain('NARs expire after 40 days while narinfos expire after up to 30 days');
    } finally {
      await putLifecycleXml(admin, bucket, current);
    }
  });

  it('after rotate key the builder module signs with the new key: a path built then is uploaded signed by key 2, and verify trusts it', async () => {
    // Given a rotation of the signing key
    const rotated = await cli.run(['rotate', 'key', '--yes', '--json', '--answers', 'answers.json']);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    const secretKeyFile = join(cli.home, '.config', 'nix', 'secret.key');
    expect(readFileSync(secretKeyFile, 'utf8').startsWith(`127.0.0.1-${bucket}-2:`)).toBe(true);
    // the builder module hands the service the key at key.secretFile, the path the new key was written to
    const module = readFileSync(join(cli.cwd, 'nix-cache-builder.nix'), 'utf8');
    expect(module).toContain(`"${secretKeyFile}"`);
    // When the uploader's service starts again (systemd's LoadCredential= copies that file anew)
    copyFileSync(secretKeyFile, join(credentials, 'secret-key'));
    const spool = makeSpool(join(nix.dir, 'spool-after-rotation'));
    const path = build(spool);
    const up = runUploader(spool, info.endpoint);
    expect(up.status, up.stderr).toBe(0);
    // Then the new path's narinfo carries a signature by key 2 and none by key 1
    const hash = path.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const narinfo = await (await fetch(`${info.endpoint}/${bucket}/${hash}.narinfo`)).text();
    expect(narinfo).toMatch(new RegExp(`^Sig: 127\\.0\\.0\\.1-${bucket}-2:`, 'm'));
    expect(narinfo).not.toMatch(new RegExp(`^Sig: 127\\.0\\.0\\.1-${bucket}-1:`, 'm'));
    const result = await cli.run(['verify', '--json', '--answers', 'answers.json']);
    const check = (JSON.parse(result.stdout) as JsonRun).steps.find((s) => s.id === 'narinfo-signatures')!;
    expect(check.detail).not.toContain(`${hash}.narinfo`);
  });
});
