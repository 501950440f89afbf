/**
 * What a signing-key rotation must remember between runs (SPEC 8): the previous public keys that
 * the module and snippet still trust beside the current one, until `rotate key --drop-old`. Kept
 * per setup (endpoint and bucket) in the state folder, so every later run (setup, preview, rotate)
 * renders the same set. It is the default of the answer `key.trusted`; an answers file that gives
 * `key.trusted` wins.
 */
import { join } from 'node:path';
import type { Effects } from '../effects';
import { StepError } from '../errors';
import { readStateJson, removeStateFile, writeStateJson } from './state-file';
import { setupFileStem, stateDirPath } from './state-dir';

export interface RotationState {
  /** public keys (`NAME:BASE64`) still trusted besides the current one, newest first */
  readonly trusted: readonly string[];
  /**
   * When a re-signing run last finished with nothing left to sign (ISO time). Clients remember a
   * narinfo, signatures included, for narinfo-cache-positive-ttl (30 days): until then, a machine
   * that looked a path up before this time still holds only the old signature.
   */
  readonly resignedAt?: string;
}

export function rotationStatePath(effects: Pick<Effects, 'env' | 'home'>, endpoint: string, bucket: string): string {
  return join(stateDirPath(effects), `rotation-${setupFileStem({ endpoint, bucket })}.json`);
}

function parseState(value: unknown, path: string): RotationState {
  const trusted = (value as { trusted?: unknown } | null)?.trusted;
  if (!Array.isArray(trusted) || !trusted.every((key) => typeof key === 'string')) {
    throw new StepError(`The rotation state ${path} has no list "trusted".`, 'state', 'Move it away and give the keys to trust as key.trusted in the answers.');
  }
  const resignedAt = (value as { resignedAt?: unknown }).resignedAt;
  return typeof resignedAt === 'string' ? { trusted, resignedAt } : { trusted };
}

export async function readRotationState(path: string): Promise<RotationState | undefined> {
  const value = await readStateJson(path);
  return value === undefined ? undefined : parseState(value, path);
}

/** Saves the previous keys; an empty list removes the file (no rotation under way). */
export async function writeRotationState(path: string, state: RotationState): Promise<void> {
  if (state.trusted.length === 0) await removeStateFile(path);
  else await writeStateJson(path, { trusted: [...state.trusted], ...(state.resignedAt === undefined ? {} : { resignedAt: state.resignedAt }) });
}

/** The keys the module and snippet trust: the current one first, then the previous ones. */
export function trustedPublicKeys(current: string, previous: readonly string[]): string[] {
  return [current, ...previous.filter((key, index) => key !== current && previous.indexOf(key) === index)];
}
