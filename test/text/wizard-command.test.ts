/**
 * Printed follow-up commands are spelled the way the user started the wizard. The environments
 * are the ones the real npm gives what it runs: a package named nix-cache-wizard whose bin and
 * start script print their environment.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../source/main';
import { wizardCommand, wizardCommandLine } from '../../source/text/wizard-command';

const dir = mkdtempSync(join(tmpdir(), 'ncw-spelling-'));
const clone = join(dir, 'clone dir');
const elsewhere = join(dir, 'work');
mkdirSync(clone);
mkdirSync(elsewhere);
writeFileSync(join(clone, 'package.json'), JSON.stringify({ name: 'nix-cache-wizard', version: '0.0.0', bin: { 'nix-cache-wizard': 'env.js' }, scripts: { start: 'node env.js' } }));
writeFileSync(join(clone, 'env.js'), '#!/usr/bin/env node\nconsole.log(JSON.stringify(process.env));\n');
chmodSync(join(clone, 'env.js'), 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment npm gives the wizard when started with `args` in `cwd`. */
function envUnder(args: readonly string[], cwd: string): Record<string, string> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === 'INIT_CWD') delete env[name];
  const out = execFileSync('npm', ['--silent', '--offline', ...args], { cwd, env, encoding: 'utf8' });
  return JSON.parse(out.slice(out.indexOf('{'))) as Record<string, string>;
}

describe('the wizard command as the user started it', () => {
  it('npx nix-cache-wizard', () => {
    expect(wizardCommand(envUnder(['exec', '--', 'nix-cache-wizard'], clone))).toBe('npx nix-cache-wizard');
  });

  it('npm start in the clone, and with --prefix from another folder (quoted for the shell)', () => {
    expect(wizardCommand(envUnder(['start'], clone))).toBe('npm start --');
    expect(wizardCommandLine(envUnder(['--prefix', clone, 'start'], elsewhere), 'rotate key --drop-old')).toBe(`npm --prefix '${clone}' start -- rotate key --drop-old`);
  });

  it('the installed bin otherwise, also when npx ran something else (npx vitest running the tests)', () => {
    expect(wizardCommand({ PATH: '/usr/bin' })).toBe('nix-cache-wizard');
    expect(wizardCommand({ npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: 'vitest' })).toBe('nix-cache-wizard');
  });

  it('the CLI spells its own name that way when it points to itself (started by npx)', async () => {
    const env = envUnder(['exec', '--', 'nix-cache-wizard'], clone);
    const stderr = new PassThrough();
    const chunks: Buffer[] = [];
    stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const effects = { env, cwd: elsewhere, home: elsewhere, now: () => new Date(), randomBytes: (n: number) => new Uint8Array(n) };
    const code = await main(['stup'], { stdin: new PassThrough(), stdout: new PassThrough(), stderr, interactive: false }, effects);
    expect(code).toBe(2);
    expect(Buffer.concat(chunks).toString()).toContain('(npx nix-cache-wizard --help says more)');
  });
});
