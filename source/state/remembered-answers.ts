/**
 * The answers of the last successful run of each setup, kept so a re-run starts from them
 * (SPEC 8): one JSON file per endpoint and bucket under the state folder's `setups/`, mode 0600,
 * written atomically by the one safe writer. Secrets are never kept: the admin's, the builder's
 * and the reader's secret keys are left out, and asked again when needed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Answers } from '../answers/answers';
import type { AnswersInput } from '../answers/answers-schema';
import { validateAnswersInput } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { writePlannedFiles } from '../files/write-planned-files';
import { setField } from '../answers/answer-fields';
import { stateDirPath } from './state-dir';

/** The answers that are secrets: never written to the remembered file. */
export const SECRET_FIELDS = ['admin.secretKey', 'builder.secretKey', 'reader.secretKey'] as const;

export interface RememberedSetup {
  /** "endpoint/bucket", to name the setup to the user */
  readonly name: string;
  readonly path: string;
  readonly savedAt: string;
  readonly answers: AnswersInput;
}

export function setupsDir(effects: Pick<Effects, 'env' | 'home'>): string {
  return join(stateDirPath(effects), 'setups');
}

/** The file of the setup at `endpoint` and `bucket`: readable, and safe as a file name. */
export function rememberedPath(endpoint: string, bucket: string, effects: Pick<Effects, 'env' | 'home'>): string {
  const url = new URL(endpoint);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const slug = `${url.hostname}_${port}_${bucket}`.replace(/[^A-Za-z0-9._-]/g, '-');
  return join(setupsDir(effects), `${slug}.json`);
}

/** The answers as kept: everything but the secrets, and nothing undefined. */
export function rememberable(answers: Answers | AnswersInput): AnswersInput {
  let kept = JSON.parse(JSON.stringify(answers)) as AnswersInput;
  for (const field of SECRET_FIELDS) kept = setField(kept, field, undefined);
  // The keys a rotation still trusts are kept by the rotation state (rotation-state.ts), which
  // `rotate key` and `--drop-old` update and every run takes as the default: a copy here would
  // be stale after the next rotation and, given explicitly, would win over it.
  kept = setField(kept, 'key.trusted', undefined);
  return kept;
}

/** Keeps the answers of a successful run of this setup; replaces what was kept for it before. */
export async function rememberAnswers(answers: Answers, effects: Pick<Effects, 'env' | 'home' | 'cwd' | 'now'>): Promise<string> {
  const path = rememberedPath(answers.endpoint, answers.bucket, effects);
  const content = `${JSON.stringify({ savedAt: effects.now().toISOString(), answers: rememberable(answers) }, null, 2)}\n`;
  const render = () => content;
  await writePlannedFiles([{ id: 'rememberedAnswers', title: 'remembered answers', path, mode: 0o600, secret: true, render, renderMasked: render }], {
    dryRun: false,
    effects,
  });
  return path;
}

async function readSetup(path: string): Promise<RememberedSetup> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`the remembered answers ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'not valid JSON'}); remove the file, or give --answers FILE`, '(remembered answers)');
  }
  const record = (json ?? {}) as { savedAt?: unknown; answers?: unknown };
  const answers = validateAnswersInput(record.answers, path);
  return {
    name: `${answers.endpoint ?? '?'}/${answers.bucket ?? 'nix-cache'}`,
    path,
    savedAt: typeof record.savedAt === 'string' ? record.savedAt : '',
    answers,
  };
}

/** Every remembered setup, the most recently saved first. */
export async function rememberedSetups(effects: Pick<Effects, 'env' | 'home'>): Promise<RememberedSetup[]> {
  let names: string[];
  try {
    names = (await readdir(setupsDir(effects))).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const setups = await Promise.all(names.map((name) => readSetup(join(setupsDir(effects), name))));
  return setups.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

/** The setup last run successfully, if any. */
export async function lastRememberedSetup(effects: Pick<Effects, 'env' | 'home'>): Promise<RememberedSetup | undefined> {
  return (await rememberedSetups(effects))[0];
}
