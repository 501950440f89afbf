/**
 * A strict reader of JSON text for files the user owns (the answers file, the mc config).
 *
 * Two things JSON.parse cannot do for us: say where and why a file is broken WITHOUT quoting it
 * (V8's messages quote the text around the error, and these files hold secrets: SPEC 10), and
 * tell where each value is in the text, so a merge can change one value and keep every other byte,
 * number spelling (`1.0`, `1e3`, 2^53+1) and duplicate key exactly as they were.
 */

/** Where and why a JSON text is broken; the message names line, column and rule, never content. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly rule: string,
  ) {
    super(`line ${line}, column ${column}: ${rule}`);
  }
}

/** [start, end) of a value in the text. */
export interface JsonSpan {
  readonly start: number;
  readonly end: number;
}

export interface JsonMember {
  readonly key: string;
  readonly keySpan: JsonSpan;
  readonly value: JsonNode;
}

export type JsonNode =
  | (JsonSpan & { readonly kind: 'object'; readonly members: readonly JsonMember[] })
  | (JsonSpan & { readonly kind: 'array'; readonly items: readonly JsonNode[] })
  | (JsonSpan & { readonly kind: 'string' | 'number' | 'literal' });

function lineAndColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}

const MAX_DEPTH = 200;

/** Reads the whole text as one JSON value and returns where everything is; throws JsonSyntaxError. */
export function scanJson(text: string): JsonNode {
  let i = 0;
  const fail = (rule: string, at = i): never => {
    const { line, column } = lineAndColumn(text, at);
    throw new JsonSyntaxError(line, column, rule);
  };
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): JsonSpan => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('a string is not closed (missing ")', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('a control character (line break, tab) inside a string; write it as an escape such as \\n');
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u must be followed by 4 hex digits');
          i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) fail('an escape that JSON does not know (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)');
        i += 2;
        continue;
      }
      i++;
    }
    i++;
    return { start, end: i };
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    space();
    const start = i;
    const c = text[i];
    if (c === undefined) return fail('expected a value, found the end of the file');
    if (c === '{') {
      i++;
      const members: JsonMember[] = [];
      space();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', start, end: i, members };
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before "}" (JSON allows no trailing comma)' : 'expected a key in double quotes');
        const keySpan = string();
        const key = JSON.parse(text.slice(keySpan.start, keySpan.end)) as string;
        space();
        if (text[i] !== ':') fail('expected ":" after a key');
        i++;
        members.push({ key, keySpan, value: value(depth + 1) });
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', start, end: i, members };
        }
        fail(i >= text.length ? 'an object is not closed (missing })' : 'expected "," or "}" after a value');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', start, end: i, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[i] === ',') {
          i++;
          space();
          if (text[i] === ']') fail('a comma before "]" (JSON allows no trailing comma)');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', start, end: i, items };
        }
        fail(i >= text.length ? 'an array is not closed (missing ])' : 'expected "," or "]" after a value');
      }
    }
    if (c === '"') return { kind: 'string', ...string() };
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (number && number[0] !== '-' && number[0] !== '') {
      i += number[0].length;
      return { kind: 'number', start, end: i };
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return { kind: 'literal', start, end: i };
      }
    }
    if (c === "'") return fail('a string in single quotes (JSON needs double quotes)');
    return fail(/[-0-9]/.test(c) ? 'a number JSON does not allow (no leading zeros, + sign, or trailing dot)' : 'expected a value (an object, array, string in double quotes, number, true, false or null)');
  };
  if (text.charCodeAt(0) === 0xfeff) fail('the file starts with a byte-order mark; save it as UTF-8 without BOM', 0);
  space();
  if (i >= text.length) fail('the file is empty; it needs a JSON object');
  const root = value(0);
  space();
  if (i < text.length) fail('more text after the end of the JSON value');
  return root;
}

/** Every key that appears twice in one object, as a dotted path (`admin.secretKey`). */
export function duplicateKeys(node: JsonNode, path: readonly string[] = []): { path: string; at: JsonSpan }[] {
  const found: { path: string; at: JsonSpan }[] = [];
  if (node.kind === 'object') {
    const seen = new Set<string>();
    for (const member of node.members) {
      const here = [...path, member.key];
      if (seen.has(member.key)) found.push({ path: here.join('.'), at: member.keySpan });
      seen.add(member.key);
      found.push(...duplicateKeys(member.value, here));
    }
  } else if (node.kind === 'array') {
    node.items.forEach((item, index) => found.push(...duplicateKeys(item, [...path, String(index)])));
  }
  return found;
}

/** Line and column of a position, for messages about a place in a file. */
export function positionOf(text: string, at: number): { line: number; column: number } {
  return lineAndColumn(text, at);
}

/** The last member with this key, as JSON.parse would read it. */
export function memberOf(node: JsonNode, key: string): JsonMember | undefined {
  if (node.kind !== 'object') return undefined;
  return [...node.members].reverse().find((m) => m.key === key);
}
