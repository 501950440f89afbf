/** The next steps printed at the end of a run (SPEC 4): ready to paste, working as printed on a stock Nix. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSteps, nixConfListsCache, nixCopyStoreUrl, type FilePlace } from '../../source/plan/next-steps';
import type { FileId } from '../../source/files/planned-file';
import { exampleAnswers, PUBLIC_KEY } from '../files/example-answers';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';

const home = '/home/u';
const cwd = '/home/u/work';
const same = (path: string): FilePlace => ({ real: path, written: path });
const places: Partial<Record<FileId, FilePlace>> = {
  nixosModule: same('/home/u/work/nix-cache.nix'),
  nixConf: same('/home/u/work/nix-cache.conf'),
  builderModule: same('/home/u/work/nix-cache-builder.nix'),
  secretKey: same('/home/u/.config/nix/secret.key'),
  awsCredentials: same('/home/u/.aws/credentials'),
  readerCredentials: same('/home/u/work/nix-cache-reader.credentials'),
};
const base = { answers: exampleAnswers(), files: places, cwd, home, systemNixConf: null, publicKeys: [PUBLIC_KEY] };
const COPY_URL = 's3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000&secret-key=/home/u/.config/nix/secret.key';

describe('the next steps', () => {
  it('give the endpoint as a full URL on every Nix version, never scheme=, and sign while uploading', () => {
    expect(nixCopyStoreUrl(exampleAnswers(), '/k')).toBe('s3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000&secret-key=/k');
    const http = nixCopyStoreUrl(exampleAnswers({ endpoint: 'http://nas.lan:9000', region: 'eu-west-1' }), '/k');
    expect(http).toBe('s3://nix-cache?profile=nixbuilder&endpoint=http://nas.lan:9000&region=eu-west-1&secret-key=/k');
    expect(nextSteps(base).join('\n')).not.toContain('scheme=');
  });

  it('enable nix-command on the nix command itself and never ask for nix store sign', () => {
    const lines = nextSteps(base);
    expect(lines).toContain(`nix --extra-experimental-features nix-command copy --to '${COPY_URL}' ./result`);
    expect(lines.join('\n')).not.toContain('nix store sign');
  });

  it('say sudo for every command that needs root, and restart the daemon after nix.conf changes', () => {
    const lines = nextSteps(base).filter((line) => !line.startsWith('#'));
    for (const line of lines) {
      if (/nixos-rebuild|\/etc\/|systemctl/.test(line)) expect(line).toMatch(/^sudo /);
    }
    expect(lines).toContain('sudo tee -a /etc/nix/nix.conf < ./nix-cache.conf > /dev/null');
    expect(lines).toContain('sudo systemctl restart nix-daemon   # macOS: sudo launchctl kickstart -k system/org.nixos.nix-daemon');
  });

  it('offer the append to nix.conf only while its lines are not there yet', () => {
    const conf = `substituters = https://cache.nixos.org\nextra-substituters = https://s3.example.org:9000/nix-cache # ours\nextra-trusted-public-keys = ${PUBLIC_KEY}\n`;
    expect(nixConfListsCache(conf, 'https://s3.example.org:9000/nix-cache', [PUBLIC_KEY])).toBe(true);
    expect(nixConfListsCache(conf, 'https://s3.example.org:9000/nix-cache', [PUBLIC_KEY, 'new-2:AAAA'])).toBe(false);
    expect(nixConfListsCache(`# extra-substituters = https://s3.example.org:9000/nix-cache\n`, 'https://s3.example.org:9000/nix-cache', [])).toBe(false);
    const lines = nextSteps({ ...base, systemNixConf: conf });
    expect(lines.some((line) => line.includes('tee -a /etc/nix/nix.conf'))).toBe(false);
    expect(lines).toContain('# (/etc/nix/nix.conf already lists this cache and its key: nothing to append)');
  });

  it('with --out, name the files where they were written and the profile through AWS_SHARED_CREDENTIALS_FILE', () => {
    const out = (path: string): FilePlace => ({ real: path, written: `/tmp/out${path.replace('/home/u/work', '').replace('/home/u', '/home')}` });
    const files = Object.fromEntries(Object.entries(places).map(([id, place]) => [id, out(place.real)])) as Partial<Record<FileId, FilePlace>>;
    const lines = nextSteps({ ...base, files });
    expect(lines).toContain(
      "AWS_SHARED_CREDENTIALS_FILE=/tmp/out/home/.aws/credentials nix --extra-experimental-features nix-command copy --to 's3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000&secret-key=/tmp/out/home/.config/nix/secret.key' ./result",
    );
    expect(lines).toContain('sudo tee -a /etc/nix/nix.conf < /tmp/out/nix-cache.conf > /dev/null');
    // The builder module names the real places: the files are put there first.
    expect(lines).toContain('sudo install -D -m 0600 /tmp/out/home/.config/nix/secret.key /home/u/.config/nix/secret.key');
  });

  it('for a private cache, install the reader credentials root-only and give the daemon their path', () => {
    const lines = nextSteps({ ...base, answers: exampleAnswers({ anonymous: 'none' }) });
    expect(lines).toContain('sudo install -D -m 0600 -o root -g root ./nix-cache-reader.credentials /etc/nix/nix-cache-reader.credentials');
    expect(lines.some((line) => line.includes('Environment=AWS_SHARED_CREDENTIALS_FILE=/etc/nix/nix-cache-reader.credentials'))).toBe(true);
  });

  it('for a private CA, say how to add it to the system trust store', () => {
    const lines = nextSteps({ ...base, answers: exampleAnswers({ caFile: '/etc/ssl/lan-ca.pem' }) });
    expect(lines).toContain('sudo cp /etc/ssl/lan-ca.pem /usr/local/share/ca-certificates/nix-cache-ca.crt && sudo update-ca-certificates');
  });
});

const unavailable = nixUnavailableReason();

describe.skipIf(unavailable !== undefined)(`the printed upload command, run by the real Nix with a stock configuration${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let nix: NixSandbox;
  beforeAll(() => {
    nix = makeNixSandbox();
  });
  afterAll(() => {
    nix.remove();
  });

  it('signs and copies ./result with no experimental feature enabled in nix.conf', () => {
    // A stock nix.conf: nix-command is NOT enabled (only what running without a daemon needs).
    const stock = join(nix.dir, 'stock-conf');
    mkdirSync(stock);
    writeFileSync(join(stock, 'nix.conf'), 'substituters =\nbuild-users-group =\nsandbox-paths = /bin /lib /lib64 /usr\n');
    const env = { ...nix.env, NIX_CONF_DIR: stock, NIX_REMOTE: nix.store, HOME: join(nix.dir, 'home') };
    const refused = spawnSync('nix', ['copy', '--to', `file://${nix.dir}/x`, '/nix/store/x'], { env, encoding: 'utf8' });
    expect(refused.stderr).toContain("experimental Nix feature 'nix-command' is disabled");

    const work = join(nix.dir, 'work');
    mkdirSync(join(work), { recursive: true });
    const keyDir = join(nix.dir, 'home', '.config', 'nix');
    mkdirSync(keyDir, { recursive: true });
    execFileSync('nix-store', ['--generate-binary-cache-key', 'next-steps-1', join(keyDir, 'secret.key'), join(keyDir, 'public.key')], { env });
    const built = execFileSync(
      'nix-build',
      ['--no-out-link', '-E', `derivation { name = "next-steps-${Date.now()}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo x > $out" ]; }`],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
    symlinkSync(built, join(work, 'result'));

    const files = { ...places, secretKey: same(join(keyDir, 'secret.key')) };
    const line = nextSteps({ ...base, files, home: join(nix.dir, 'home'), cwd: work }).find((l) => l.includes(' copy --to '))!;
    // Debian's Nix 2.8 has no S3 store: the same command, with the S3 part of the URL swapped for a file:// cache.
    const cache = join(nix.dir, 'cache');
    const runnable = line.replace(/'s3:\/\/[^?]*\?[^']*?(secret-key=[^']*)'/, `'file://${cache}?$1'`);
    expect(runnable).not.toBe(line);
    const result = spawnSync('sh', ['-c', runnable], { env, cwd: work, encoding: 'utf8' });
    expect(result.stderr).not.toContain('experimental');
    expect(result.status).toBe(0);
    expect(readdirSync(cache).some((f) => f.endsWith('.narinfo'))).toBe(true);
    const publicKey = execFileSync('cat', [join(keyDir, 'public.key')], { encoding: 'utf8' });
    nix.run('nix', ['store', 'verify', '--store', `file://${cache}`, '--sigs-needed', '1', '--trusted-public-keys', publicKey, built]);
  });
});
