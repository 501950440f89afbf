/**
 * On a machine whose Nix has no S3 support (Debian's nix-bin 2.8), the end of setup says so and
 * prints an upload that works with that very Nix: the printed commands, run as printed by bash
 * against the real Ceph RGW, put a signed path into the cache that anyone can fetch, and leave the
 * bucket's nix-cache-info (its Priority) as setup made it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CephRgwInfo } from '../helpers/ceph-rgw';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { probeNixS3Support } from '../../source/nix/local-nix';

const rgw = inject('rgw');
const rgwUnavailable = inject('rgwUnavailable');
const nixUnavailable = nixUnavailableReason();
const unavailable = rgwUnavailable ?? nixUnavailable;

describe.skipIf(rgw === null || nixUnavailable !== undefined)(`the upload printed for a Nix without S3 support, on the real Ceph RGW${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const bucket = `no-s3-${Date.now().toString(36)}`;
  let cli: CliSandbox;
  let nix: NixSandbox;
  let next: string[];

  beforeAll(async () => {
    cli = makeCliSandbox();
    cli.writeAnswers({ backend: 'ceph', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `b-${bucket}` }, writeMcConfig: false });
    const setup = await cli.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    next = (JSON.parse(setup.stdout) as { next: string[] }).next;
    nix = makeNixSandbox();
  });
  afterAll(() => nix?.remove());

  it('uploads a signed path with the printed commands, keeping nix-cache-info', async (context) => {
    if ((await probeNixS3Support({ PATH: cli.env['PATH'] })).kind !== 'unsupported') context.skip();
    expect(next[0]).toMatch(/^# This machine's Nix \S+ cannot open s3:\/\/ stores/);
    const start = next.findIndex((line) => line.startsWith("# With this machine's Nix"));
    expect(start).toBeGreaterThan(0);
    const printed = next.slice(start + 1, start + 3);
    expect(printed[0]).toMatch(/^nix --extra-experimental-features nix-command copy --to 'file:\/\//);
    expect(printed[1]).toMatch(/^aws --profile nixbuilder /);

    // ./result, as nix-build leaves it, in the folder the user pastes into.
    const work = join(nix.dir, 'work');
    mkdirSync(work);
    const env = { ...nix.env, NIX_REMOTE: nix.store, HOME: cli.home, AWS_CONFIG_FILE: '/dev/null', AWS_MAX_ATTEMPTS: '1' };
    const built = execFileSync(
      'nix-build',
      ['--no-out-link', '-E', `derivation { name = "no-s3-${Date.now()}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; }`],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
    symlinkSync(built, join(work, 'result'));
    for (const line of printed) {
      const run = spawnSync('bash', ['-c', line!], { env, cwd: work, encoding: 'utf8' });
      expect(run.status, `${line}\n${run.stderr}`).toBe(0);
    }

    const hash = built.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const narinfo = await fetch(`${info.endpoint}/${bucket}/${hash}.narinfo`);
    expect(narinfo.status).toBe(200);
    expect(await narinfo.text()).toMatch(/^Sig: \S+-1:/m);
    const cacheInfo = await (await fetch(`${info.endpoint}/${bucket}/nix-cache-info`)).text();
    expect(cacheInfo).toContain('Priority: 30');
  });
});
