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
  /** `\n`, `\r\n` or `''` for a last line without one */
  eol: string;
  readonly kind: LineKind;
  /** header: the section name; option: the option name, lower-cased as configparser does */
  readonly name?: string;
}

const OUR_KEYS = ['aws_access_key_id', 'aws_secret_access_key'] as const;

/**
 * Reads the file the way botocore does (Python's `configparser.RawConfigParser`, strict): `#`
 * and `;` comment lines, `[name]` headers taken verbatim (no trimming inside the brackets),
 * `key = value` or `key: value` options with case-insensitive keys, and lines indented deeper than
 * the option above them continuing its value. What that parser refuses (a duplicate section or
 * option, an option before any section, a line that is none of these) breaks the file for every
 * AWS tool already; we refuse it too rather than guess, naming the line but never its content,
 * which may be a secret.
 */
function parseLines(content: string, path: string): Line[] {
  const lines: Line[] = [];
  const sections = new Set<string>();
  const options = new Set<string>();
  let section: string | undefined;
  let optionIndent: number | undefined;
  const raw = content === '' ? [] : content.split(/(?<=\n)/);
  raw.forEach((chunk, index) => {
    const eol = chunk.endsWith('\r\n') ? '\r\n' : chunk.endsWith('\n') ? '\n' : '';
    const text = chunk.slice(0, chunk.length - eol.length);
    const stripped = text.trim();
    const refuse = (why: string): never => {
      throw new FileParseError(
        `The AWS credentials file ${path} cannot be read at line ${index + 1}: ${why}. AWS tools refuse it too; fix that line, then run again. The file was left as it was.`,
        path,
      );
    };
    if (stripped === '') {
      lines.push({ text, eol, kind: 'blank' });
      return;
    }
    if (stripped.startsWith('#') || stripped.startsWith(';')) {
      lines.push({ text, eol, kind: 'comment' });
      return;
    }
    const indent = text.length - text.trimStart().length;
    if (section !== undefined && optionIndent !== undefined && indent > optionIndent) {
      lines.push({ text, eol, kind: 'continuation' });
      return;
    }
    const header = /^\[(.+)\]/.exec(stripped);
    if (header) {
      const name = header[1] as string;
      if (sections.has(name)) refuse(`the section [${name}] appears a second time`);
      sections.add(name);
      section = name;
      optionIndent = undefined;
      lines.push({ text, eol, kind: 'header', name });
      return;
    }
    if (section === undefined) refuse('a setting before the first [section] line');
    const option = /^(.*?)\s*[=:]/.exec(stripped);
    if (!option || option[1] === '') refuse('it is not a [section], a "key = value" setting or a comment');
    const name = (option as RegExpExecArray)[1]!.toLowerCase();
    const key = `${section}\u0000${name}`;
    if (options.has(key)) refuse(`the setting ${name} appears twice in [${section}]`);
    options.add(key);
    optionIndent = indent;
    lines.push({ text, eol, kind: 'option', name });
  });
  return lines;
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
    // A value continued on indented lines is replaced as a whole.
    let continued = 0;
    while (lines[index + 1 + continued]?.kind === 'continuation') continued++;
    if (continued > 0) {
      line.eol = lines[index + continued]!.eol;
      lines.splice(index + 1, continued);
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
