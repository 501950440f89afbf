/**
 * The facts answers are resolved with (answers/answer-facts.ts), read from the disk once by the
 * command, asynchronously: the mc config's aliases, the CA file's text and the keys a signing-key
 * rotation still trusts. resolveAnswers then touches no disk. Each is read for what the answers
 * name (their mc config, caFile, endpoint and bucket); answers that name another get new facts
 * (factsFor).
 */
import type { AnswerFacts, CaFileFact, TrustedKeysFact } from '../answers/answer-facts';
import { bucketOf, mcConfigOf } from '../answers/answer-defaults';
import type { AnswersInput } from '../answers/answers-schema';
import { endpointNamed, factsFitAnswers, requireCompleteAnswers, resolveAnswers, type Resolution, type ResolvedAnswers } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { readCaFile } from '../files/read-ca-pem';
import { expandUserPath } from '../paths/expand-user-path';
import { readRotationState, rotationStatePath } from '../state/rotation-state';
import { readMcConfigFact } from './mc-config';

/** The CA file (caFile, as the answers give it): its text, or why it cannot be used, as the answer issue says it. */
async function readCaFileFact(given: string, effects: Pick<Effects, 'home' | 'cwd'>): Promise<CaFileFact> {
  // the one CA read (files/read-ca-pem.ts): what connections/ reads too, with the same words
  const read = await readCaFile(expandUserPath(given, effects), given);
  return read.problem === undefined ? { path: given, pem: read.pem } : { path: given, problem: read.problem };
}

/** The previous public keys a rotation of this setup still trusts (state/rotation-state.ts). */
async function readTrustedKeysFact(endpoint: string, bucket: string, effects: Pick<Effects, 'env' | 'home'>): Promise<TrustedKeysFact> {
  try {
    return { endpoint, bucket, keys: (await readRotationState(rotationStatePath(effects, endpoint, bucket)))?.trusted ?? [] };
  } catch (error) {
    // said by resolveAnswers only when the answers leave key.trusted to the rotation state
    return { endpoint, bucket, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * Reads the facts the answers `input` name; never throws for a bad file (resolveAnswers says it,
 * naming the answer), only for a HOME that names no folder (a UsageError naming HOME).
 */
export async function readFacts(input: AnswersInput, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Promise<AnswerFacts> {
  const mcConfig = await readMcConfigFact(mcConfigOf(input), effects);
  const endpoint = endpointNamed(input, mcConfig.aliases);
  const [caFile, trustedKeys] = await Promise.all([
    input.caFile === undefined ? undefined : readCaFileFact(input.caFile, effects),
    endpoint === undefined || input.key?.trusted !== undefined ? undefined : readTrustedKeysFact(endpoint, bucketOf(input), effects),
  ]);
  return { env: effects.env, home: effects.home, cwd: effects.cwd, mcConfig, caFile, trustedKeys };
}

/** `facts` when they are those of `input`, else the facts `input` names, read now. */
export async function factsFor(input: AnswersInput, effects: Pick<Effects, 'env' | 'home' | 'cwd'>, facts: AnswerFacts | undefined): Promise<AnswerFacts> {
  return facts !== undefined && factsFitAnswers(input, facts) ? facts : readFacts(input, effects);
}

/** readFacts, then resolveAnswers: for a caller that holds only the effects and resolves once (a test, a second look). */
export async function resolveFromDisk(input: AnswersInput, effects: Pick<Effects, 'env' | 'home' | 'cwd'>, options: { readonly offline?: boolean } = {}): Promise<Resolution> {
  return resolveAnswers(input, await readFacts(input, effects), options);
}

/** readFacts, then requireCompleteAnswers (a missing answer is a UsageError naming it). */
export async function completeFromDisk(input: AnswersInput, effects: Pick<Effects, 'env' | 'home' | 'cwd'>, options: { readonly offline?: boolean } = {}): Promise<ResolvedAnswers> {
  return requireCompleteAnswers(input, await readFacts(input, effects), options);
}
