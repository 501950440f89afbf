/** `nix-cache-wizard doctor`: what is in the cache and whether every path in it can be substituted (issue 18). */
import type { CliIo } from '../cli-io';
import { doctorJson, fixFor, summarizeScan } from '../doctor/doctor-summary';
import { progressLine } from '../doctor/progress-line';
import { doctorScan } from '../doctor/run-doctor';
import { doctorSettings } from '../doctor/repair-options';
import { doctorDeepAndRepair, sampleDuringScan } from '../doctor/run-deep-repair';
import { confirmChange } from '../plain/confirm-change';
import type { Effects } from '../effects';
import { s3StoreUrl } from '../nix/cache-urls';
import { terminalText } from '../text/terminal-text';
import { wizardCommandLine } from '../text/wizard-command';
import type { CommandOptions } from './command-options';
import { printResult, runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';

export async function runDoctor(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  return runCommand({ io, json: options.json, command: 'doctor' }, async () => {
    // the flags first: bad input is exit 2 before anything is read
    const settings = doctorSettings(options.doctor);
    // read-only: the builder's profile (list + get) is enough; the admin keys serve when it is missing
    const { answers, warnings } = await commandAnswers(options, io, effects, { offline: true });
    const progress = options.json ? undefined : progressLine(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
    let scan;
    const scanStarted = effects.now();
    // --deep --sample N draws its sample while the scan reads the narinfos (no second read)
    const sampled = sampleDuringScan(settings, effects);
    try {
      scan = await doctorScan({ answers, effects, graceMs: settings.minAgeMs, ...(sampled ? { onNarinfo: sampled.onNarinfo } : {}), ...(progress ? { onProgress: (p) => progress.update(p) } : {}) });
    } finally {
      progress?.done();
    }
    // --deep and --repair (deep-check.ts, repair.ts): the plan is shown and confirmed first
    const deepProgress = settings.deep && !options.json ? progressLine(io.stderr as NodeJS.WritableStream & { isTTY?: boolean }) : undefined;
    let outcome;
    try {
      outcome = await doctorDeepAndRepair({
        answers,
        effects,
        scan,
        scanStarted,
        settings,
        ...(sampled ? { sampled } : {}),
        confirm: (lines) => confirmChange({ io, effects, yes: options.yes, json: options.json, warning: `doctor --repair will:\n${lines.map((line) => `  ${line}`).join('\n')}`, question: 'Repair the cache now?' }),
        ...(deepProgress ? { onDeepProgress: (done, total, bytes) => deepProgress.update({ phase: 'nars', done, total, bytes }) } : {}),
      });
    } finally {
      deepProgress?.done();
    }
    const report = { ...scan.report, findings: outcome.findings, healthy: outcome.findings.length === 0 };
    const repair = outcome.repair;
    const repaired = repair !== undefined && (repair.result !== undefined || repair.lines.length === 0) && repair.plan.notRepaired.length === 0 && (repair.result?.skipped.length ?? 0) === 0;
    const command = (args: string) => wizardCommandLine(effects.env, `doctor${args ? ` ${args}` : ''}`);
    const fixWith = { command, storeUrl: s3StoreUrl(answers, answers.builder.profile), secretKeyFile: answers.key.secretFile };
    const next = repair?.result ? [`Every key deleted is listed in ${repair.result.reportPath}.`, 'Run doctor again to see the cache as it is now.'] : [...new Set(report.findings.map((finding) => fixFor(finding, fixWith)))];
    printResult(options, io, { ok: report.healthy, command: 'doctor', dryRun: false, steps: [], files: [], next, warnings, doctor: { ...(doctorJson(report) as object), ...(outcome.deep ? { deep: outcome.deep } : {}), ...(repair ? { repair: { plan: repair.lines, ...(repair.result ? { result: repair.result } : {}) } } : {}) } }, () => {
      const lines = summarizeScan(report, { ...fixWith, cacheName: `bucket ${answers.bucket} at ${answers.endpoint}` });
      if (outcome.deep) lines.push(`--deep: ${outcome.deep.checked} NARs downloaded and checked${outcome.deep.sample !== undefined ? ` (a sample of ${outcome.deep.sample})` : ''}, ${outcome.deep.whole} whole, ${(outcome.deep.bytes / 1024 / 1024).toFixed(1)} MiB read.`);
      if (repair && repair.lines.length === 0) lines.push('--repair: nothing to repair.');
      if (repair?.result) {
        const r = repair.result;
        lines.push(`--repair: deleted ${r.deletedNarinfos} narinfos, ${r.deletedNars} NARs, ${r.deletedLs} .ls; aborted ${r.abortedUploads} uploads; rewrote ${r.rewritten} aws-chunked objects.`);
        for (const skip of r.skipped) lines.push(`  left ${skip.key}: ${skip.why}`);
        for (const line of repair.plan.notRepaired) lines.push(`  left alone: ${line}`);
        lines.push(`Every key to delete was written to ${r.reportPath} first.`);
      }
      io.stdout.write(terminalText(`${lines.join('\n')}\n`));
    });
    if (repair?.result) return repaired ? 0 : 1;
    return report.healthy ? 0 : 1;
  });
}
