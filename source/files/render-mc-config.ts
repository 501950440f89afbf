import { isDeepStrictEqual } from 'node:util';
import { FileParseError } from '../errors';
import { duplicateKeys, JsonSyntaxError, memberOf, positionOf, scanJson, type JsonNode } from './json-text';
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

function parseMcConfig(existing: string, path: string, alias: string): { root: JsonNode; config: JsonObject } {
  let root: JsonNode;
  try {
    root = scanJson(existing);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    // Never the text around the error: the file holds every alias's secret key (SPEC 10).
    throw new FileParseError(`The mc config ${path} is not valid JSON (${error.message}); it was left as it was. Fix or move it, then run again.`, path);
  }
  if (root.kind !== 'object') {
    throw new FileParseError(`The mc config ${path} is not a JSON object; it was left as it was. Fix or move it, then run again.`, path);
  }
  // A key we would change, written twice: mc reads the last, others the first. Refuse rather
  // than guess; duplicates elsewhere are kept byte for byte.
  const ours = (key: string) => key === 'version' || key === 'aliases' || key === `aliases.${alias}` || key.startsWith(`aliases.${alias}.`);
  const twice = duplicateKeys(root).find((d) => ours(d.path));
  if (twice) {
    const { line, column } = positionOf(existing, twice.at.start);
    throw new FileParseError(
      `The mc config ${path} has the key "${twice.path}" twice (line ${line}, column ${column}); readers disagree on which counts, so it was left as it was. Remove one, then run again.`,
      path,
    );
  }
  const config = JSON.parse(existing) as JsonObject;
  if (config['aliases'] !== undefined && !isObject(config['aliases'])) {
    throw new FileParseError(`The mc config ${path} has "aliases" that is not an object; it was left as it was.`, path);
  }
  return { root, config };
}

/** The indentation the file uses (mc writes tabs), `''` for a one-line file, else 2 spaces. */
function detectIndent(existing: string): string {
  const trimmed = existing.trim();
  if (!trimmed.includes('\n')) return existing.trim() === '' ? '  ' : '';
  return /^\{[ \t]*\r?\n([ \t]+)\S/.exec(trimmed)?.[1] ?? '  ';
}

/** Replaces [start, end) of `text` by `insert`. */
function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

/**
 * The mc config (SPEC 4.1) with `aliases[alias]` set to the admin credentials and every other
 * byte kept as it was: only that one value is replaced (or added) in the text, so other aliases'
 * numbers, key order, spacing and even their duplicate keys stay exactly as they were. A new
 * file holds only this alias. When the alias already holds exactly these values, the text is
 * returned unchanged.
 */
export function renderMcConfig(existing: string | null, input: McConfigInput): string {
  const entry = { url: input.url, accessKey: input.accessKey, secretKey: input.secretKey, api: 's3v4', path: 'auto' };
  if (existing === null || existing.trim() === '') {
    return JSON.stringify({ version: '10', aliases: { [input.alias]: entry } }, null, 2) + '\n';
  }
  const { root, config } = parseMcConfig(existing, input.path, input.alias);
  const aliases = isObject(config['aliases']) ? config['aliases'] : undefined;
  // Own properties only: an alias named `constructor` is not Object's.
  if (aliases !== undefined && Object.hasOwn(aliases, input.alias) && isDeepStrictEqual(aliases[input.alias], entry) && config['version'] !== undefined) {
    return existing;
  }
  const indent = detectIndent(existing);
  const newline = indent === '' ? '' : existing.includes('\r\n') ? '\r\n' : '\n';
  const at = (depth: number) => newline + indent.repeat(depth);
  const json = (value: unknown, depth: number) =>
    indent === '' ? JSON.stringify(value) : JSON.stringify(value, null, indent).replace(/\n/g, at(depth));
  const colon = indent === '' ? ':' : ': ';
  const member = (key: string, value: unknown, depth: number) => `${JSON.stringify(key)}${colon}${json(value, depth)}`;

  /** Adds a member at the end of an object node (depth = the depth of its members). */
  const append = (text: string, node: JsonNode & { kind: 'object' }, key: string, value: unknown, depth: number): string => {
    const last = node.members[node.members.length - 1];
    if (last === undefined) return splice(text, node.start, node.end, `{${at(depth)}${member(key, value, depth)}${at(depth - 1)}}`);
    return splice(text, last.value.end, last.value.end, `,${at(depth)}${member(key, value, depth)}`);
  };

  let text = existing;
  const aliasesMember = memberOf(root, 'aliases');
  const own = aliasesMember ? memberOf(aliasesMember.value, input.alias) : undefined;
  if (own) text = splice(text, own.value.start, own.value.end, json(entry, 2));
  else if (aliasesMember && aliasesMember.value.kind === 'object') text = append(text, aliasesMember.value, input.alias, entry, 2);
  else if (root.kind === 'object') text = append(text, root, 'aliases', { [input.alias]: entry }, 1);
  if (config['version'] === undefined) {
    // mc writes the version first; the edits above all lie after the opening brace, and the
    // object now holds at least "aliases", so a comma follows.
    text = splice(text, root.start + 1, root.start + 1, `${at(1)}${member('version', '10', 1)},`);
  }
  return text;
}

/** Masks the `secretKey` of every alias, ours and the others, for display; works on broken JSON too. */
export function maskMcConfigSecrets(text: string): string {
  return text.replace(/("secretKey"\s*:\s*)"(?:[^"\\]|\\.)*"/g, `$1"${SECRET_MASK}"`);
}
