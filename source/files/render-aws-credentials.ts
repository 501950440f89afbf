import { FileParseError, UsageError } from '../errors';
import { SECRET_MASK } from './mask-secrets';

export interface AwsCredentialsInput {
  readonly profile: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** the file's path, for error messages */
  readonly path: string;
}

type LineKind = 'blank' | 'comment' | 'header' | 'option' | 'continuation';

interface Line {
  text: string;
  /** `\n`, `\r\n`, `\r` or `''` for a last line without one */
  eol: string;
  readonly kind: LineKind;
  /** header: the section name; option: the option name, lower-cased as configparser does */
  readonly name?: string;
  /** option: the value on its own line; continuation: the line's text; both stripped as Python strips */
  readonly value?: string;
  /** continuation: the option line it continues */
  readonly of?: Line;
}

const OUR_KEYS = ['aws_access_key_id', 'aws_secret_access_key'] as const;

/**
 * Python's white space (`str.isspace`, `str.strip`, the `\s` of configparser's patterns): JS's
 * `trim()` also strips U+FEFF (a byte-order mark, which Python keeps, so botocore refuses a file
 * starting with one) and keeps U+001C..U+001F and U+0085, which Python strips.
 */
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');
const pyStrip = (text: string): string => text.replace(PY_STRIP, '');
const PY_LEADING_SPACE = new RegExp(`^${PY_SPACE}*`);
/** configparser's OPTCRE: `(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$` */
const PY_OPTION = new RegExp(`^(.*?)${PY_SPACE}*[=:]${PY_SPACE}*(.*)$`, 's');
/** What `str.splitlines()` splits at beyond the three line endings (botocore's nested values). */
// eslint-disable-next-line no-control-regex -- Python splits at these file-separator controls
const PY_EXTRA_LINE_BREAKS = /[\v\f\x1c-\x1e\x85\u2028\u2029]/;

/**
 * The file's lines as Python reads a text file (universal newlines): `\r\n`, `\n` and a lone `\r`
 * each end a line. Splitting on `\n` alone merged a CR-only file into one line botocore refuses.
 */
function splitLines(content: string): { text: string; eol: string }[] {
  const lines: { text: string; eol: string }[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (let match = pattern.exec(content); match !== null && match.index < content.length; match = pattern.exec(content)) {
    lines.push({ text: match[1] as string, eol: match[2] as string });
    if (match[2] === '') break;
  }
  return lines;
}

/**
 * Reads the file the way botocore does (`botocore.configloader.raw_config_parse`: Python's
 * `configparser.RawConfigParser`, strict, then its nested values): lines ended by `\r`, `\n` or
 * `\r\n`; `#` and `;` comment lines; `[name]` headers taken verbatim (no trimming inside the
 * brackets); `key = value` or `key: value` options with case-insensitive keys; lines indented deeper
 * than the option above them continue its value (blank and comment lines in between do not end it);
 * and a value that starts on the next line is a nested section whose every line must be
 * `key = value`. What botocore refuses (a duplicate section or option, an option before any
 * section, a line that is none of these, a nested line without `=`, a byte-order mark) breaks the
 * file for every AWS tool already; we refuse it too rather than guess, naming the line but never
 * its content, which may be a secret.
 */
function parseLines(content: string, path: string): Line[] {
  const lines: Line[] = [];
  const sections = new Set<string>();
  const options = new Set<string>();
  let section: string | undefined;
  let optionIndent: number | undefined;
  let option: Line | undefined;
  const refuse = (index: number, why: string): never => {
    throw new FileParseError(
      `The AWS credentials file ${path} cannot be read at line ${index + 1}: ${why}. AWS tools refuse it too; fix that line, then run again. The file was left as it was.`,
      path,
    );
  };
  splitLines(content).forEach(({ text, eol }, index) => {
    const stripped = pyStrip(text);
    if (stripped === '') {
      lines.push({ text, eol, kind: 'blank' });
      return;
    }
    if (stripped.startsWith('#') || stripped.startsWith(';')) {
      lines.push({ text, eol, kind: 'comment' });
      return;
    }
    const indent = (PY_LEADING_SPACE.exec(text) as RegExpExecArray)[0].length;
    if (option !== undefined && optionIndent !== undefined && indent > optionIndent) {
      lines.push({ text, eol, kind: 'continuation', value: stripped, of: option });
      return;
    }
    optionIndent = indent;
    const header = /^\[(.+)\]/.exec(stripped);
    if (header) {
      const name = header[1] as string;
      // configparser merges every [DEFAULT] into its defaults: it is never a duplicate
      if (sections.has(name) && name !== 'DEFAULT') refuse(index, `the section [${name}] appears a second time`);
      sections.add(name);
      section = name;
      option = undefined;
      lines.push({ text, eol, kind: 'header', name });
      return;
    }
    if (section === undefined) refuse(index, 'a setting before the first [section] line');
    const match = PY_OPTION.exec(stripped);
    if (!match || match[1] === '') refuse(index, 'it is not a [section], a "key = value" setting or a comment');
    const name = (match as RegExpExecArray)[1]!.toLowerCase();
    const key = `${section}\u0000${name}`;
    if (options.has(key)) refuse(index, `the setting ${name} appears twice in [${section}]`);
    options.add(key);
    option = { text, eol, kind: 'option', name, value: (match as RegExpExecArray)[2] as string };
    lines.push(option);
  });
  // botocore reads a value that starts on the next line as a nested section (`s3 =` then
  // `  addressing_style = path`), and refuses the whole file when one of its lines has no `=`.
  lines.forEach((line, index) => {
    if (line.kind !== 'continuation' || line.of?.value !== '') return;
    for (const part of (line.value as string).split(PY_EXTRA_LINE_BREAKS)) {
      if (pyStrip(part) !== '' && !part.includes('=')) refuse(index, `a line of the nested settings under ${line.of.name ?? ''} is not "key = value"`);
    }
  });
  return lines;
}

/**
 * Every section's settings as botocore reads them (names lower-cased, a continued value joined
 * with line breaks). Throws FileParseError where botocore refuses the file.
 */
export function readAwsCredentials(content: string, path: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of parseLines(content, path)) {
    if (line.kind === 'header') {
      current = sections.get(line.name as string) ?? {};
      sections.set(line.name as string, current);
    } else if (line.kind === 'option' && current !== undefined) {
      current[line.name as string] = line.value as string;
    } else if (line.kind === 'continuation' && current !== undefined) {
      const name = line.of?.name as string;
      current[name] = `${current[name] ?? ''}\n${line.value as string}`;
    }
  }
  return sections;
}

/**
 * What an INI line cannot carry: a line break would start a new line (a section or a setting of
 * someone else's), and configparser strips white space around values. The message never holds
 * the value, which may be the secret.
 */
function checkWritable(input: AwsCredentialsInput): void {
  if (input.profile === '' || /[\r\n]/.test(input.profile)) {
    throw new UsageError('The AWS profile name must be one line and not empty.', 'builder.profile');
  }
  const values = [
    ['builder.accessKey', input.accessKeyId],
    ['builder.secretKey', input.secretAccessKey],
  ] as const;
  for (const [field, value] of values) {
    if (value === '' || /[\r\n]/.test(value) || value.trim() !== value) {
      throw new UsageError(`The ${field} cannot be written to the AWS credentials file: it is empty, spans lines or has white space at an end.`, field);
    }
  }
}

/** `  key = old  ` becomes `  key = value  `: the spacing style of the line is kept. */
function replaceValue(text: string, value: string): string {
  const match = /^(\s*[^=:]*?\s*[=:])(\s*)(.*?)(\s*)$/.exec(text);
  if (!match) return text;
  const [, keyAndDelimiter = '', space = '', , trailing = ''] = match;
  const separator = space !== '' ? space : /\s[=:]$/.test(keyAndDelimiter) ? ' ' : '';
  return keyAndDelimiter + separator + value + trailing;
}

/**
 * The AWS shared credentials file (SPEC 4.2) with the profile's `aws_access_key_id` and
 * `aws_secret_access_key` set. Only those two lines change (or are added to the section, after its
 * last setting); every other byte stays: comments, other sections and their order, blank lines,
 * other keys of the section such as `region`, line endings (CRLF kept; new lines use the file's),
 * and a missing newline at the end. A missing section is appended after a blank line.
 */
export function renderAwsCredentials(existing: string | null, input: AwsCredentialsInput): string {
  checkWritable(input);
  const content = existing ?? '';
  const lines = parseLines(content, input.path);
  const eol = lines.find((line) => line.eol !== '')?.eol ?? '\n';
  const values: Record<(typeof OUR_KEYS)[number], string> = {
    aws_access_key_id: input.accessKeyId,
    aws_secret_access_key: input.secretAccessKey,
  };
  const insertAt = (index: number, added: Line[]): void => {
    const before = lines[index - 1];
    if (index === lines.length && before !== undefined && before.eol === '') {
      // Keep the file's missing final newline: the new last line goes without one.
      before.eol = eol;
      const last = added[added.length - 1];
      if (last) last.eol = '';
    }
    lines.splice(index, 0, ...added);
  };
  const newLine = (key: string, value: string): Line => ({ text: `${key} = ${value}`, eol, kind: 'option', name: key });

  const headerIndex = lines.findIndex((line) => line.kind === 'header' && line.name === input.profile);
  if (headerIndex < 0) {
    const added: Line[] = [];
    if (lines.length > 0 && lines[lines.length - 1]!.kind !== 'blank') added.push({ text: '', eol, kind: 'blank' });
    added.push({ text: `[${input.profile}]`, eol, kind: 'header', name: input.profile });
    for (const key of OUR_KEYS) added.push(newLine(key, values[key]));
    insertAt(lines.length, added);
    return lines.map((line) => line.text + line.eol).join('');
  }

  const sectionEnd = (): number => {
    const next = lines.findIndex((line, index) => index > headerIndex && line.kind === 'header');
    return next < 0 ? lines.length : next;
  };
  const missing: Line[] = [];
  for (const key of OUR_KEYS) {
    const index = lines.findIndex((line, i) => i > headerIndex && i < sectionEnd() && line.kind === 'option' && line.name === key);
    if (index < 0) {
      missing.push(newLine(key, values[key]));
      continue;
    }
    const line = lines[index]!;
    line.text = replaceValue(line.text, values[key]);
    // A value continued on indented lines is replaced as a whole, blank and comment lines between
    // its parts (which do not end it) staying.
    for (let i = lines.length - 1; i > index; i--) {
      if (lines[i]!.kind !== 'continuation' || lines[i]!.of !== line) continue;
      if (i === lines.length - 1 && lines[i]!.eol === '') lines[i - 1]!.eol = '';
      lines.splice(i, 1);
    }
  }
  if (missing.length > 0) {
    let lastSetting = headerIndex;
    for (let i = headerIndex + 1; i < sectionEnd(); i++) {
      const kind = lines[i]!.kind;
      if (kind === 'option' || kind === 'continuation') lastSetting = i;
    }
    insertAt(lastSetting + 1, missing);
  }
  return lines.map((line) => line.text + line.eol).join('');
}

/** Masks every secret access key and session token in the file, ours and the others', for display. */
export function maskAwsCredentialsSecrets(text: string): string {
  return text.replace(
    /^([ \t]*aws_(?:secret_access_key|session_token)[ \t]*[=:][ \t]*)([^\r\n]*?)([ \t]*)$/gim,
    (_match, prefix: string, value: string, trailing: string) => prefix + (value === '' ? '' : SECRET_MASK) + trailing,
  );
}
