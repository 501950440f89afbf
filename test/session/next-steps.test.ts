/** The next steps printed at the end of a run (SPEC 4): ready to paste, working as printed on a stock Nix. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNixConf } from '../../source/files/render-nix-conf';
import { readSystemNixConf } from '../../source/nix/system-nix-conf';
import { nextSteps, nixConfListsCache, nixCopyStoreUrl, type FilePlace } from '../../source/session/next-steps';
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
      for (const part of line.replace(/ +#.*/, '').split(/&&|\|\||\|/).map((p) => p.trim())) {
        if (/^(\S+ )*(nixos-rebuild|systemctl|tee|install|cp|update-ca-certificates|mkdir)\b/.test(part)) expect(part, line).toMatch(/^sudo /);
      }
    }
    expect(lines).toContain('sudo install -D -m 0644 ./nix-cache.conf /etc/nix/nix-cache.conf');
    expect(lines).toContain("grep -qsxF '!include /etc/nix/nix-cache.conf' /etc/nix/nix.conf || echo '!include /etc/nix/nix-cache.conf' | sudo tee -a /etc/nix/nix.conf > /dev/null");
    expect(lines).toContain('sudo systemctl restart nix-daemon   # macOS: sudo launchctl kickstart -k system/org.nixos.nix-daemon');
  });

  it('after a setup, end by suggesting verify, spelled the way the wizard was started; a preview does not', () => {
    const lines = nextSteps({ ...base, verifyWith: { npm_command: 'exec', npm_lifecycle_script: 'nix-cache-wizard' } });
    expect(lines.at(-1)).toBe('npx nix-cache-wizard verify');
    expect(lines.at(-2)).toMatch(/^# Check the whole setup at any time/);
    expect(nextSteps({ ...base, verifyWith: {} }).at(-1)).toBe('nix-cache-wizard verify');
    expect(nextSteps(base).join('\n')).not.toContain('verify');
  });

  it('offer the append to nix.conf only while its lines are not there yet', () => {
    const conf = `substituters = https://cache.nixos.org\nextra-substituters = https://s3.example.org:9000/nix-cache # ours\nextra-trusted-public-keys = ${PUBLIC_KEY}\n`;
    expect(nixConfListsCache(conf, 'https://s3.example.org:9000/nix-cache', [PUBLIC_KEY])).toBe(true);
    expect(nixConfListsCache(conf, 'https://s3.example.org:9000/nix-cache', [PUBLIC_KEY, 'new-2:AAAA'])).toBe(false);
    expect(nixConfListsCache(`# extra-substituters = https://s3.example.org:9000/nix-cache\n`, 'https://s3.example.org:9000/nix-cache', [])).toBe(false);
    const lines = nextSteps({ ...base, systemNixConf: conf });
    expect(lines.some((line) => line.includes('/etc/nix/nix.conf') && !line.startsWith('#'))).toBe(false);
    expect(lines).toContain('# (/etc/nix/nix.conf already lists this cache and its key: nothing to add)');
  });

  it('with --out, name the files where they were written and the profile through AWS_SHARED_CREDENTIALS_FILE', () => {
    const out = (path: string): FilePlace => ({ real: path, written: `/tmp/out${path.replace('/home/u/work', '').replace('/home/u', '/home')}` });
    const files = Object.fromEntries(Object.entries(places).map(([id, place]) => [id, out(place.real)])) as Partial<Record<FileId, FilePlace>>;
    const lines = nextSteps({ ...base, files });
    expect(lines).toContain(
      "AWS_SHARED_CREDENTIALS_FILE=/tmp/out/home/.aws/credentials nix --extra-experimental-features nix-command copy --to 's3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000&secret-key=/tmp/out/home/.config/nix/secret.key' ./result",
    );
    expect(lines).toContain('sudo install -D -m 0644 /tmp/out/nix-cache.conf /etc/nix/nix-cache.conf');
    // The builder module names the real places: the files are put there first.
    expect(lines).toContain('sudo install -D -m 0600 /tmp/out/home/.config/nix/secret.key /home/u/.config/nix/secret.key');
  });

  it('for a private cache, install the reader credentials root-only and give the daemon their path', () => {
    const lines = nextSteps({ ...base, answers: exampleAnswers({ anonymous: 'none' }) });
    expect(lines).toContain('sudo install -D -m 0600 -o root -g root ./nix-cache-reader.credentials /etc/nix/nix-cache-reader.credentials');
    expect(lines.some((line) => line.includes('Environment=AWS_SHARED_CREDENTIALS_FILE=/etc/nix/nix-cache-reader.credentials'))).toBe(true);
  });

  it("say plainly when this machine's Nix cannot open s3:// stores, and what works instead", () => {
    const nixS3 = { kind: 'unsupported', version: '2.8.0', message: "error: don't know how to open Nix store 's3://x'" } as const;
    const publicLines = nextSteps({ ...base, nixS3 });
    expect(publicLines[0]).toMatch(/^# This machine's Nix 2\.8\.0 cannot open s3:\/\/ stores: it was built without S3 support/);
    expect(publicLines[1]).toMatch(/^# What works instead: .*builder module uploads every build by itself/);
    expect(publicLines[2]).toContain('they read this public cache over https');
    expect(publicLines.find((line) => line.startsWith('# Upload by hand'))).toContain('whose Nix has S3 support: not this machine');
    const privateLines = nextSteps({ ...base, answers: exampleAnswers({ anonymous: 'none' }), nixS3 });
    expect(privateLines[0]).toContain('cannot read this private cache');
    expect(privateLines[2]).toContain('every machine that substitutes from it needs a Nix with S3 support');
    // And an upload that works with this Nix: a signed local binary cache, its files put by the aws CLI.
    const withCa = nextSteps({ ...base, answers: exampleAnswers({ caFile: '/etc/ssl/lan ca.pem' }), nixS3 });
    const start = withCa.findIndex((line) => line.startsWith("# With this machine's Nix"));
    expect(withCa[start + 1]).toBe("nix --extra-experimental-features nix-command copy --to 'file:///home/u/.cache/nix-cache-upload/nix-cache?secret-key=/home/u/.config/nix/secret.key' ./result");
    expect(withCa[start + 2]).toBe(
      "aws --profile nixbuilder --endpoint-url https://s3.example.org:9000 --region us-east-1 --ca-bundle '/etc/ssl/lan ca.pem' s3 cp --recursive --only-show-errors --exclude nix-cache-info /home/u/.cache/nix-cache-upload/nix-cache s3://nix-cache",
    );
    // A Nix that has it (or one not asked) gets no such line.
    expect(nextSteps({ ...base, nixS3: { kind: 'supported', version: '2.24.0' } }).join('\n')).not.toContain('cannot open s3://');
  });

  it('for a private CA, say how to add it to the system trust store', () => {
    const lines = nextSteps({ ...base, answers: exampleAnswers({ caFile: '/etc/ssl/lan-ca.pem' }) });
    expect(lines).toContain('sudo cp /etc/ssl/lan-ca.pem /usr/local/share/ca-certificates/nix-cache-ca.crt && sudo update-ca-certificates');
  });

});

/**
 * Runs printed command lines in a shell (sh unless told; the $'…' form needs bash or zsh, the shells
 * people paste into), with `sudo` a stand-in that records each call's arguments (and runs them when `run`).
 */
function pasteInShell(lines: readonly string[], options: { readonly run: boolean; readonly home?: string; readonly cwd?: string; readonly shell?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-paste-'));
  const log = join(dir, 'sudo.log');
  mkdirSync(join(dir, 'bin'));
  // Arguments end in NUL and calls in a second NUL: an argument may hold a newline.
  writeFileSync(join(dir, 'bin', 'sudo'), `#!/bin/sh\nprintf '%s\\0' "$@" >> '${log}'\nprintf '\\0' >> '${log}'\n${options.run ? 'exec "$@"\n' : ''}`);
  chmodSync(join(dir, 'bin', 'sudo'), 0o755);
  const env = { PATH: `${join(dir, 'bin')}:${process.env['PATH']}`, HOME: options.home ?? '/home/u' };
  for (const line of lines) {
    const result = spawnSync(options.shell ?? 'sh', ['-c', line], { env, cwd: options.cwd ?? dir, encoding: 'utf8' });
    expect(result.status, `${line}\n${result.stderr}`).toBe(0);
  }
  const calls = existsSync(log) ? readFileSync(log, 'utf8').split('\0\0').filter(Boolean).map((call) => call.replace(/\0$/, '').split('\0')) : [];
  rmSync(dir, { recursive: true, force: true });
  return calls;
}

describe('the next steps hold whatever a path holds (hostile names)', () => {
  it('give a CA path with $(…) or a space to cp as one argument, running nothing', () => {
    const pwned = join(tmpdir(), `ncw-pwned-${process.pid}`);
    const caFile = `/tmp/lan ca $(touch ${pwned}).pem`;
    const lines = nextSteps({ ...base, answers: exampleAnswers({ caFile }) });
    const trust = lines.filter((line) => line.includes('update-ca-certificates'));
    expect(trust).toHaveLength(1);
    const calls = pasteInShell(trust, { run: false });
    expect(calls).toEqual([['cp', caFile, '/usr/local/share/ca-certificates/nix-cache-ca.crt'], ['update-ca-certificates']]);
    expect(existsSync(pwned)).toBe(false);
  });

  it('keep every line one line: an --out folder with a newline or ESC cannot break out of a comment', () => {
    const out = '/tmp/out\n$(touch /tmp/x)\u001b[2K\r✔ done';
    const moved = (path: string): FilePlace => ({ real: path, written: `${out}${path}` });
    const files = Object.fromEntries(Object.entries(places).map(([id, place]) => [id, moved(place.real)])) as Partial<Record<FileId, FilePlace>>;
    const lines = nextSteps({ ...base, answers: exampleAnswers({ anonymous: 'none' }), files });
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      expect(line, JSON.stringify(line)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(lines.find((line) => line.startsWith('# Every NixOS machine'))).toContain('/tmp/out\\n$(touch /tmp/x)\\e[2K\\r✔ done');
    const install = lines.find((line) => line.startsWith('sudo install -D -m 0600 -o root -g root'))!;
    expect(pasteInShell([install], { run: false, shell: 'bash' })[0]).toEqual(['install', '-D', '-m', '0600', '-o', 'root', '-g', 'root', `${out}/home/u/work/nix-cache-reader.credentials`, '/etc/nix/nix-cache-reader.credentials']);
  });

  it('print a home path that needs quoting as "$HOME"/…, which the shell still expands', () => {
    const reader: FilePlace = same('/home/u/my keys/nix-cache-reader.credentials');
    const lines = nextSteps({ ...base, answers: exampleAnswers({ anonymous: 'none' }), files: { ...places, readerCredentials: reader } });
    const install = lines.find((line) => line.startsWith('sudo install -D -m 0600 -o root -g root'))!;
    expect(install).toContain(`"$HOME"/'my keys/nix-cache-reader.credentials'`);
    expect(pasteInShell([install], { run: false, home: '/home/u' })[0]).toContain('/home/u/my keys/nix-cache-reader.credentials');
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

  it('adds the snippet to nix.conf so that Nix reads it, pasted twice without a duplicate line, and is not offered again', async () => {
    // The machine's /etc/nix is the sandbox's conf folder; `sudo` runs the command as it is (we are root here).
    const confDir = nix.env['NIX_CONF_DIR']!;
    const work = join(nix.dir, 'nix-conf-work');
    mkdirSync(work, { recursive: true });
    const substituter = 'https://s3.example.org:9000/nix-cache';
    writeFileSync(join(work, 'nix-cache.conf'), renderNixConf({ substituters: [substituter], publicKeys: [PUBLIC_KEY] }));
    const before = readFileSync(join(confDir, 'nix.conf'), 'utf8');
    const lines = nextSteps({ ...base, cwd: work, files: { ...places, nixConf: same(join(work, 'nix-cache.conf')) } });
    const nixConfLines = lines.filter((line) => !line.startsWith('#') && line.includes('/etc/nix/nix') && !line.includes('reader'));
    expect(nixConfLines).toHaveLength(2);
    const local = nixConfLines.map((line) => line.replaceAll('/etc/nix/', `${confDir}/`));
    pasteInShell([...local, ...local], { run: true, cwd: work });

    const after = readFileSync(join(confDir, 'nix.conf'), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toBe(`!include ${confDir}/nix-cache.conf\n`);
    const settings = JSON.parse(nix.run('nix', ['show-config', '--json'])) as Record<string, { value: unknown }>;
    expect(settings['substituters']?.value).toContain(substituter);
    expect(settings['trusted-public-keys']?.value).toContain(PUBLIC_KEY);
    // Read back as the next steps read it (includes followed): nothing left to offer.
    const conf = await readSystemNixConf({ NIX_CONF_DIR: confDir });
    const again = nextSteps({ ...base, systemNixConf: conf });
    expect(again.filter((line) => !line.startsWith('#') && line.includes('/etc/nix/nix'))).toEqual([]);
    writeFileSync(join(confDir, 'nix.conf'), before);
  });
});
