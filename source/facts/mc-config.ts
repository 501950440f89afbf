/**
 * The mc config (`~/.mc/config.json`): its aliases offer a server and its admin keys
 * (`admin.mcAlias`, the UI's connection screen), and the alias this setup writes must not take
 * another server's (SPEC 2). One parser; read once per command as a fact (read-facts.ts).
 */
import type { Answers } from '../answers/answers';
import type { McAliasEntry, McAliases, McConfigFact } from '../answers/answer-facts';
import { mcAliasConflictIn } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { JsonSyntaxError, scanJson } from '../files/json-text';
import { readRegularFile, readRegularFileSync } from '../files/regular-file';
import { expandUserPath } from '../paths/expand-user-path';

/** The aliases of an mc config's text; a UsageError naming admin.mcAlias when it is not JSON. */
function parseMcConfig(text: string, path: string): McAliases {
  // No prototype: an alias lookup sees only the file's own aliases, never `constructor` or `toString`.
  const out = Object.create(null) as Record<string, McAliasEntry>;
  let json: unknown;
  try {
    scanJson(text);
    json = JSON.parse(text);
  } catch (error) {
    const where = error instanceof JsonSyntaxError ? ` (${error.message})` : '';
    throw new UsageError(`admin.mcAlias: the mc config ${path} is not valid JSON${where}`, 'admin.mcAlias');
  }
  const aliases = (json as { aliases?: unknown } | null)?.aliases;
  if (!aliases || typeof aliases !== 'object') return out;
  for (const [name, value] of Object.entries(aliases as Record<string, unknown>)) {
    const v = value as Partial<McAliasEntry> | null;
    if (v && typeof v.url === 'string' && typeof v.accessKey === 'string' && typeof v.secretKey === 'string') {
      out[name] = { url: v.url, accessKey: v.accessKey, secretKey: v.secretKey };
    }
  }
  return out;
}

const noAliases = (): McAliases => Object.create(null) as McAliases;

/** The aliases of the mc config at `path` (expanded); none when it does not exist. */
export function readMcAliases(path: string): McAliases {
  let text: string;
  try {
    text = readRegularFileSync(path, 'files.mcConfig');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return noAliases();
  }
  return parseMcConfig(text, path);
}

/** The mc config the answers name (`given`, as written in them), as a fact: a bad file is kept as its error. */
export async function readMcConfigFact(given: string, effects: Pick<Effects, 'home' | 'cwd'>): Promise<McConfigFact> {
  const path = expandUserPath(given, effects);
  try {
    const text = await readRegularFile(path, 'files.mcConfig');
    return { path: given, aliases: text === null ? noAliases() : parseMcConfig(text, path) };
  } catch (error) {
    if (error instanceof UsageError) return { path: given, aliases: noAliases(), error };
    // unreadable (permissions): like a missing one, nothing to offer
    return { path: given, aliases: noAliases() };
  }
}

/** Whether writing this setup's alias would overwrite another server's in the mc config (mcAliasConflictIn). */
export function mcAliasConflict(answers: Pick<Answers, 'alias' | 'endpoint' | 'admin' | 'writeMcConfig' | 'files'>, effects: Pick<Effects, 'home' | 'cwd'>): UsageError | undefined {
  if (!answers.writeMcConfig) return undefined;
  return mcAliasConflictIn(answers, readMcAliases(expandUserPath(answers.files.mcConfig, effects)));
}
