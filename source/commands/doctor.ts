/** `nix-cache-wizard doctor`: what is in the cache and whether every path in it can be substituted (issue 18). */
import type { CliIo } from '../cli-io';
import { doctorJson, fixFor, summarizeScan } from '../doctor/doctor-summary';
import { progressLine } from '../doctor/progress-line';
import { doctorScan } from '../doctor/run-doctor';
import type { Effects } from '../effects';
import { terminalText } from '../text/terminal-text';
import { wizardCommandLine } from '../text/wizard-command';
import type { CommandOptions } from './command-options';
import { printResult, runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';

export async function runDoctor(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  return runCommand({ io, json: options.json, command: 'doctor' }, async () => {
    // read-only: the builder's profile (list + get) is enough; the admin keys serve when it is missing
    const { answers, warnings } = await commandAnswers(options, io, effects, { offline: true });
    const progress = options.json ? undefined : progressLine(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
    let scan;
    try {
      scan = await doctorScan({ answers, effects, ...(progress ? { onProgress: (p) => progress.update(p) } : {}) });
    } finally {
      progress?.done();
    }
    const { report } = scan;
    const command = (args: string) => wizardCommandLine(effects.env, `doctor${args ? ` ${args}` : ''}`);
    const next = [...new Set(report.findings.map((finding) => fixFor(finding, { command })))];
    printResult(options, io, { ok: report.healthy, command: 'doctor', dryRun: false, steps: [], files: [], next, warnings, doctor: doctorJson(report) }, () => {
      const lines = summarizeScan(report, { command, cacheName: `bucket ${answers.bucket} at ${answers.endpoint}` });
      io.stdout.write(terminalText(`${lines.join('\n')}\n`));
    });
    return report.healthy ? 0 : 1;
  });
}
