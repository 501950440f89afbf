/**
 * What resolving the answers needs to know of the disk and the environment, read once by the
 * command (source/facts/read-facts.ts) and handed in as data: resolveAnswers itself touches no
 * disk. Each fact says which path or setup it was read for, so answers that name another one are
 * caught (`factsFitAnswers`) instead of resolved with the wrong file's content.
 */
import type { Effects } from '../effects';
import type { UsageError } from '../errors';

/** One alias of an mc config (`mc alias set`): the server and its admin keys. */
export interface McAliasEntry {
  readonly url: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

/** The aliases of an mc config; none when it does not exist. */
export type McAliases = Readonly<Record<string, McAliasEntry>>;

export interface McConfigFact {
  /** the path as the answers give it (files.mcConfig, not expanded) */
  readonly path: string;
  readonly aliases: McAliases;
  /** the file exists but is not an mc config (not JSON, not a regular file): said only when an alias is looked up */
  readonly error?: UsageError;
}

export interface CaFileFact {
  /** the path as the answers give it (caFile, not expanded) */
  readonly path: string;
  /** the file's text, when it could be read */
  readonly pem?: string;
  /** why it could not be read (missing, a folder, …), as an answer issue's message */
  readonly problem?: string;
}

export interface TrustedKeysFact {
  readonly endpoint: string;
  readonly bucket: string;
  /** the previous public keys a rotation still trusts (state/rotation-state.ts); [] when none */
  readonly keys?: readonly string[];
  /** the rotation state exists but is not valid: said only when key.trusted is not given */
  readonly error?: Error;
}

export interface AnswerFacts extends Pick<Effects, 'env' | 'home' | 'cwd'> {
  readonly mcConfig: McConfigFact;
  /** undefined when the answers name no caFile */
  readonly caFile: CaFileFact | undefined;
  /** undefined when the answers name no endpoint yet (nothing to look up) */
  readonly trustedKeys: TrustedKeysFact | undefined;
}
