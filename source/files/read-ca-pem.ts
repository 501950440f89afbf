/**
 * The one read of `caFile` (issue 17: it was read three ways with three behaviours). A CA file
 * that is missing, unreadable, not a regular file or holds no certificate is bad input naming
 * `caFile` (exit 2, SPEC 1), whoever reads it: the facts a command reads once (readCaFile, whose
 * problem resolveAnswers reports), or a connection made without them (readCaPem).
 */
import { UsageError } from '../errors';
import { readRegularFile } from './regular-file';

/** The CA file's text, or why it cannot be used, in the words of an answer issue. */
export type CaFileRead = { readonly pem: string; readonly problem?: undefined } | { readonly pem?: undefined; readonly problem: string };

/** Reads the CA file at `path` (expanded); `shown` is the path as the user gave it. Never throws. */
export async function readCaFile(path: string, shown = path): Promise<CaFileRead> {
  let text: string | null;
  try {
    // A FIFO or a device would be read forever: only a regular file (or a link to one).
    text = await readRegularFile(path, 'caFile', shown);
  } catch (error) {
    if (error instanceof UsageError) return { problem: error.issues[0]?.message ?? error.message };
    return { problem: `cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  if (text === null) return { problem: `cannot read ${shown} (ENOENT: no such file)` };
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return { problem: `${shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  return { pem: text };
}

/** The PEM text of `caFile`; undefined when there is no `caFile`; a UsageError naming caFile when it cannot be used. */
export async function readCaPem(caFile: string | undefined, shown = caFile): Promise<string | undefined> {
  if (caFile === undefined) return undefined;
  const read = await readCaFile(caFile, shown);
  if (read.problem !== undefined) throw new UsageError(`caFile: ${read.problem}`, 'caFile', [{ field: 'caFile', message: read.problem }]);
  return read.pem;
}
