/** `nix-cache-wizard verify`: check a live setup and report each check with its fix (SPEC 6). */
import { withDeadline } from '../requests/request-rules';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { terminalText } from '../text/terminal-text';
import { runVerifyChecks } from '../verify/verify-checks';
import type { CommandOptions } from './command-options';
import { printResult, runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';

const MARK = { ok: '✔', failed: '✖', skipped: '-' } as const;

/** Every request of verify's checks, together (requests/request-rules.ts). */
export const VERIFY_DEADLINE_MS = 90_000;

export async function runVerify(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  return runCommand({ io, json: options.json, command: 'verify' }, async () => {
    // verify works with the builder's profile; admin keys are needed only to read lifecycle rules.
    const { answers, warnings, facts } = await commandAnswers(options, io, effects, { offline: true });
    // Its checks run side by side; together they get one deadline, so a server that drips
    // answers costs verify this long at most, not 30 s for each request in turn.
    const reports = await withDeadline(VERIFY_DEADLINE_MS, () => runVerifyChecks(answers, effects, { caPem: facts.caFile?.pem }));
    const good = reports.every((r) => r.status !== 'failed');
    const steps = reports.map((r) => ({ id: r.id, status: r.status === 'ok' ? 'done' : r.status, detail: r.detail }));
    printResult(options, io, { ok: good, command: 'verify', dryRun: false, steps: steps as never, files: [], next: [], warnings }, () => {
      for (const report of reports) io.stdout.write(terminalText(`${MARK[report.status]} ${report.title}: ${report.detail}\n`));
      io.stdout.write(good ? '\nThe cache is set up as the answers say.\n' : '\nSome checks failed; each says how to fix it.\n');
    });
    return good ? 0 : 1;
  });
}
