/** A rotation's progress and result for runs without the UI (progress on stderr, results on stdout). */
import type { CliIo } from '../cli-io';
import type { FileReport } from '../files/planned-file';
import { MARK } from '../output/print-report';
import { terminalText } from '../text/terminal-text';
import type { RotationEvent } from './rotation-steps';

export function printRotationEvent(event: RotationEvent, out: NodeJS.WritableStream): void {
  if (event.type === 'retrying') out.write(terminalText(`  ↻ ${event.title}: ${event.text}\n`));
  if (event.type === 'finished') out.write(terminalText(`${MARK[event.report.status].padEnd(11)} ${event.title}: ${event.report.detail}\n`));
}

export function printRotationResult(result: { readonly files: readonly FileReport[]; readonly next: readonly string[] }, io: CliIo): void {
  if (result.files.length > 0) {
    io.stdout.write('Files:\n');
    for (const file of result.files) io.stdout.write(terminalText(`  ${file.action.padEnd(10)} ${file.path}\n`));
  }
  if (result.next.length > 0) {
    io.stdout.write('\nNext:\n');
    for (const line of result.next) io.stdout.write(terminalText(line.startsWith('#') ? `${line}\n` : `  ${line}\n`));
  }
}
