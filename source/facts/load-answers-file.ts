/** The answers file of `--answers FILE`: read, checked as JSON, and validated naming each field. */
import type { AnswersInput } from '../answers/answers-schema';
import { validateAnswersInput } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { duplicateKeys, JsonSyntaxError, positionOf, scanJson, type JsonNode } from '../files/json-text';
import { readRegularFile } from '../files/regular-file';
import { expandUserPath } from '../paths/expand-user-path';

/** Reads and validates an answers JSON file; every problem is a UsageError naming the field. */
export async function loadAnswersFile(path: string, effects: Pick<Effects, 'home' | 'cwd'>): Promise<AnswersInput> {
  const full = expandUserPath(path, effects);
  let text: string | null;
  try {
    // A FIFO or a device would be read forever: only a regular file (or a link to one).
    text = await readRegularFile(full, '--answers', path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--answers: cannot read ${path} (${code ?? 'unreadable'})`, '--answers');
  }
  if (text === null) throw new UsageError(`--answers: cannot read ${path} (ENOENT)`, '--answers');
  let root: JsonNode;
  try {
    root = scanJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    // Line, column and rule; never the text around the error, which may be a secret (SPEC 10).
    throw new UsageError(`--answers: ${path} is not valid JSON at ${error.message}`, '--answers');
  }
  const twice = duplicateKeys(root)[0];
  if (twice) {
    const { line, column } = positionOf(text, twice.at.start);
    throw new UsageError(
      `--answers: ${path} gives ${twice.path} twice (line ${line}, column ${column}); JSON readers disagree on which one counts, so give it once`,
      twice.path,
      [{ field: twice.path, message: 'is given twice' }],
    );
  }
  return validateAnswersInput(JSON.parse(text) as unknown, path);
}
