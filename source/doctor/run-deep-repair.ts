/**
 * `doctor --deep` and `--repair` after the scan (issue 18 parts 5, 6): the --deep pass adds its
 * findings (nar-corrupt, aws-chunked NARs, read-failed) to the scan's; --repair plans from them,
 * has the plan confirmed (the command asks: a terminal prompt, or --yes), writes the report file
 * and applies it with the admin keys (the step keys: on plain S3 the only keys there are).
 */
import type { Answers } from '../answers/answers';
import { connectionsFor } from '../connections/connections';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { wizardCommandLine } from '../text/wizard-command';
import type { FetchedNarinfo } from '../inventory/read-narinfos';
import { ownString } from '../inventory/list-bucket';
import { isAwsChunked, Reservoir, runDeepCheck, type DeepReport, type DeepTarget, type DrawnSample } from './deep-check';
import { Findings, FINDING_ORDER, type Finding, type FindingItems, type FindingKind } from './findings';
import { applyRepair, describeRepair, planRepair, repairIsEmpty, type RepairPlan, type RepairResult } from './repair';
import { repairReportPath, type DoctorSettings } from './repair-options';
import type { DoctorScan } from './run-doctor';

/** [0, 1) from Effects' randomness */
function effectsRandom(effects: Pick<Effects, 'randomBytes'>): () => number {
  return () => {
    const bytes = effects.randomBytes(4);
    return (((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) / 2 ** 32;
  };
}

/** `--deep --sample N`: the sample drawn from the scan's own narinfo pass (scanCache's onNarinfo). */
export interface ScanSample {
  readonly onNarinfo: (fetched: FetchedNarinfo) => void;
  readonly drawn: () => DrawnSample;
}

/**
 * The reservoir and the NAR reference counts --deep --sample needs, filled while the scan reads
 * each narinfo (issue 18: reading every narinfo a second time took ~2 minutes on 20,000);
 * undefined without --deep --sample. Holds N narinfos and one count per NAR key (a string of its
 * own, not a slice keeping the narinfo's text alive).
 */
export function sampleDuringScan(settings: Pick<DoctorSettings, 'deep' | 'sample'>, effects: Pick<Effects, 'randomBytes'>): ScanSample | undefined {
  if (!settings.deep || settings.sample === undefined) return undefined;
  const reservoir = new Reservoir<DeepTarget>(settings.sample, effectsRandom(effects));
  const narReferences = new Map<string, number>();
  return {
    onNarinfo: (fetched) => {
      const narinfo = fetched.narinfo;
      if (fetched.requestError !== undefined || narinfo === undefined || fetched.problem !== undefined) return;
      const url = narinfo.fields.get('URL');
      if (url !== undefined && url !== '') {
        const known = narReferences.get(url);
        narReferences.set(known === undefined ? ownString(url) : url, (known ?? 0) + 1);
      }
      reservoir.offer({ narinfoKey: fetched.key, narinfo });
    },
    drawn: () => ({ targets: reservoir.drawn(), narReferences }),
  };
}

export interface DeepAndRepairInput {
  readonly answers: Answers;
  readonly effects: Effects;
  readonly scan: DoctorScan;
  /** when the scan started (narinfos written since are read again before orphans go) */
  readonly scanStarted: Date;
  readonly settings: DoctorSettings;
  /** shows the plan and asks; throws (CancelledError, UsageError naming --yes) to stop */
  readonly confirm: (lines: readonly string[]) => Promise<void>;
  readonly onDeepProgress?: (checked: number, total: number | undefined, bytes: number) => void;
  /** --deep --sample's sample, drawn during the scan (sampleDuringScan) */
  readonly sampled?: ScanSample;
}

export interface DeepAndRepairOutcome {
  /** the scan's findings with --deep's added */
  readonly findings: readonly Finding[];
  readonly deep?: { readonly checked: number; readonly whole: number; readonly bytes: number; readonly sample?: number };
  readonly repair?: { readonly plan: RepairPlan; readonly lines: readonly string[]; readonly result?: RepairResult };
}

/** The scan's findings plus what --deep found (items bounded as the scan's are). */
function withDeep(findings: readonly Finding[], deep: DeepReport): Finding[] {
  const merged = new Findings();
  const add = <K extends FindingKind>(kind: K, item: FindingItems[K], bytes?: number) => merged.add(kind, item, bytes);
  const seen = new Set<string>();
  for (const finding of findings) {
    for (const item of finding.items) {
      add(finding.kind, item as never, undefined);
      if (finding.kind === 'aws-chunked') seen.add(item.key);
    }
  }
  for (const verdict of deep.problems) {
    if (verdict.status === 'corrupt' && !verdict.problems.some((problem) => problem.kind === 'nar-missing' || problem.kind === 'file-size')) {
      add('nar-corrupt', { key: verdict.narinfoKey, storePath: verdict.storePath, url: verdict.narKey ?? '', reason: verdict.problems.map((problem) => problem.detail).join('; ') });
    }
    if (verdict.status === 'unchecked') add('read-failed', { key: verdict.narKey ?? verdict.narinfoKey, error: verdict.error ?? 'the request failed' });
    if (verdict.narKey !== undefined && isAwsChunked(verdict.contentEncoding) && !seen.has(verdict.narKey)) {
      seen.add(verdict.narKey);
      add('aws-chunked', { key: verdict.narKey, kind: 'nar' });
    }
  }
  for (const key of deep.chunkedNars) {
    if (seen.has(key)) continue;
    seen.add(key);
    add('aws-chunked', { key, kind: 'nar' });
  }
  const list = merged.list();
  // counts beyond the kept items come from the scan
  return list.map((finding) => {
    const original = findings.find((f) => f.kind === finding.kind);
    const extra = original ? original.count - original.items.length : 0;
    return { ...finding, count: finding.count + extra, ...(original?.bytes !== undefined ? { bytes: original.bytes } : {}) };
  }).sort((a, b) => FINDING_ORDER.indexOf(a.kind) - FINDING_ORDER.indexOf(b.kind));
}

export async function doctorDeepAndRepair(input: DeepAndRepairInput): Promise<DeepAndRepairOutcome> {
  const { answers, effects, scan, settings } = input;
  let findings: readonly Finding[] = scan.report.findings;
  let deep: DeepReport | undefined;
  const random = effectsRandom(effects);
  if (settings.deep) {
    deep = await runDeepCheck({
      client: scan.client,
      bucket: answers.bucket,
      random,
      ...(input.sampled ? { drawn: input.sampled.drawn() } : {}),
      ...(settings.sample !== undefined ? { sample: settings.sample } : {}),
      ...(input.onDeepProgress ? { onProgress: input.onDeepProgress } : {}),
    });
    findings = withDeep(findings, deep);
  }
  const deepSummary = deep ? { checked: deep.checked, whole: deep.whole, bytes: deep.bytes, ...(settings.sample !== undefined ? { sample: settings.sample } : {}) } : undefined;
  if (!settings.repair) return { findings, ...(deepSummary ? { deep: deepSummary } : {}) };

  const plan = planRepair({
    findings,
    ...(deep ? { deep: deep.problems, narReferences: deep.narReferences } : {}),
    minAgeMs: settings.minAgeMs,
    now: effects.now(),
  });
  const lines = describeRepair(plan);
  if (repairIsEmpty(plan)) return { findings, ...(deepSummary ? { deep: deepSummary } : {}), repair: { plan, lines } };

  const connections = await connectionsFor(answers, effects);
  const keys = connections.stepKeys;
  if (keys.accessKey === '' || keys.secretKey === '') {
    throw new UsageError(`doctor --repair deletes objects: it needs the admin keys (admin.accessKey and admin.secretKey). Give them in the answers file (--answers), then run \`${wizardCommandLine(effects.env, 'doctor --repair')}\` again.`, 'admin.accessKey');
  }
  await input.confirm(lines);
  const client = await connections.s3(keys);
  const reportPath = repairReportPath({ endpoint: answers.endpoint, bucket: answers.bucket }, effects);
  const result = await applyRepair({ client, bucket: answers.bucket, plan, reportPath, scanStarted: input.scanStarted, minAgeMs: settings.minAgeMs, now: () => effects.now() });
  return { findings, ...(deepSummary ? { deep: deepSummary } : {}), repair: { plan, lines, result } };
}
