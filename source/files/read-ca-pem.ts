/**
 * The one read of `caFile` (issue 17: it was read three ways with three behaviours). A CA file
 * that is missing, unreadable, not a regular file or holds no certificate is bad input naming
 * `caFile` (exit 2, SPEC 1), whoever reads it: the facts a command reads once, or a connection.
 */
import { UsageError } from '../errors';
import { readRegularFile } from './regular-file';

function badCaFile(message: string): UsageError {
  return new UsageError(`caFile: ${message}`, 'caFile', [{ field: 'caFile', message }]);
}

/** The PEM text of `caFile`; undefined when there is no `caFile`. `shown` is the path as the user gave it. */
export async function readCaPem(caFile: string | undefined, shown = caFile): Promise<string | undefined> {
  if (caFile === undefined) return undefined;
  let text: string | null;
  try {
    text = await readRegularFile(caFile, 'caFile', shown);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw badCaFile(`cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (text === null) throw badCaFile(`cannot read ${shown} (ENOENT: no such file)`);
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw badCaFile(`${shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}
