import { isDeepStrictEqual } from 'node:util';
import { FileParseError } from '../errors';
import { SECRET_MASK } from './mask-secrets';

/** One alias of the MinIO Client's config.json, in the order mc itself writes the fields. */
export interface McAlias {
  readonly url: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface McConfigInput extends McAlias {
  readonly alias: string;
  /** the file's path, for error messages */
  readonly path: string;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMcConfig(existing: string, path: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing);
  } catch (error) {
    throw new FileParseError(
      `The mc config ${path} is not valid JSON (${(error as Error).message}); it was left as it was. Fix or move it, then run again.`,
      path,
    );
  }
  if (!isObject(parsed)) {
    throw new FileParseError(`The mc config ${path} is not a JSON object; it was left as it was. Fix or move it, then run again.`, path);
  }
  if (parsed['aliases'] !== undefined && !isObject(parsed['aliases'])) {
    throw new FileParseError(`The mc config ${path} has "aliases" that is not an object; it was left as it was.`, path);
  }
  return parsed;
}

/** The indentation the file uses (mc writes tabs), `''` for a one-line file, else 2 spaces. */
function detectIndent(existing: string): string {
  const trimmed = existing.trim();
  if (!trimmed.includes('\n')) return existing.trim() === '' ? '  ' : '';
  return /^\{[ \t]*\r?\n([ \t]+)\S/.exec(trimmed)?.[1] ?? '  ';
}

/**
 * The mc config (SPEC 4.1) with `aliases[alias]` set to the admin credentials and every other
 * alias and top-level key kept as it was, in its order. A new file holds only this alias.
 * When the alias already holds exactly these values, the file's text is returned unchanged, so
 * a re-run does not rewrite it just because mc formats JSON differently.
 *
 * Known limit: JavaScript objects list integer-like keys (an alias named `123`) first, so such
 * an alias would move to the front; the content is otherwise the same.
 */
export function renderMcConfig(existing: string | null, input: McConfigInput): string {
  const entry = { url: input.url, accessKey: input.accessKey, secretKey: input.secretKey, api: 's3v4', path: 'auto' };
  if (existing === null || existing.trim() === '') {
    return JSON.stringify({ version: '10', aliases: { [input.alias]: entry } }, null, 2) + '\n';
  }
  const config = parseMcConfig(existing, input.path);
  const aliases = isObject(config['aliases']) ? config['aliases'] : undefined;
  if (aliases !== undefined && isDeepStrictEqual(aliases[input.alias], entry) && config['version'] !== undefined) {
    return existing;
  }
  const merged: JsonObject = config['version'] === undefined ? { version: '10', ...config } : { ...config };
  merged['aliases'] = { ...(aliases ?? {}), [input.alias]: entry };
  const indent = detectIndent(existing);
  const newline = existing.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(merged, null, indent === '' ? undefined : indent);
  const endsWithNewline = /\n$/.test(existing);
  return (newline === '\n' ? body : body.replace(/\n/g, '\r\n')) + (endsWithNewline ? newline : '');
}

/** Masks the `secretKey` of every alias, ours and the others, for display; works on broken JSON too. */
export function maskMcConfigSecrets(text: string): string {
  return text.replace(/("secretKey"\s*:\s*)"(?:[^"\\]|\\.)*"/g, `$1"${SECRET_MASK}"`);
}
