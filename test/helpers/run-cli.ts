/**
 * Runs the CLI in-process (source/main.ts) with captured streams, a temp HOME and working
 * directory, and no terminal: what CI and a pipe see.
 */
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../source/cli-io';
import type { Effects } from '../../source/effects';
import { main } from '../../source/main';
import { randomBytes } from 'node:crypto';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliSandbox {
  readonly dir: string;
  readonly home: string;
  readonly cwd: string;
  env: Record<string, string | undefined>;
  run(args: readonly string[]): Promise<CliRun>;
  /** writes `answers` as `answers.json` in the working directory (what `--answers answers.json` reads) */
  writeAnswers(answers: unknown): void;
  /** the effects `run` gives the CLI: for calling the core directly */
  effects(): Effects;
  /** every file under dir, relative, with its size: to prove nothing was written */
  listFiles(): string[];
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

export function makeCliSandbox(): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-cli-'));
  const home = join(dir, 'home');
  const cwd = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  const sandbox: CliSandbox = {
    dir,
    home,
    cwd,
    env: { PATH: process.env['PATH'] },
    async run(args) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const stdin = new PassThrough();
      const out = collect(stdout);
      const err = collect(stderr);
      const io: CliIo = { stdin, stdout, stderr, interactive: false };
      const effects = sandbox.effects();
      const code = await main(args, io, effects);
      return { code, stdout: out(), stderr: err() };
    },
    writeAnswers(answers) {
      writeFileSync(join(cwd, 'answers.json'), JSON.stringify(answers));
    },
    effects() {
      return {
        env: sandbox.env,
        cwd,
        home,
        now: () => new Date('2026-11-25T10:15:00Z'),
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
      };
    },
    listFiles() {
      const found: string[] = [];
      const walk = (d: string, prefix: string) => {
        for (const name of readdirSync(d)) {
          const full = join(d, name);
          const rel = prefix ? `${prefix}/${name}` : name;
          if (statSync(full).isDirectory()) walk(full, rel);
          else found.push(`${rel} (${statSync(full).size} bytes)`);
        }
      };
      walk(dir, '');
      return found.sort();
    },
  };
  return sandbox;
}
