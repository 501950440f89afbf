/**
 * The doctor's report for a person (issue 18, 7): what is in the cache in a few lines, then
 * healthy, or each problem with a few of the keys it names ("and N more") and the command that
 * fixes it. `--json` gets the whole report instead (doctorJson).
 */
import { OBJECT_KINDS, type ObjectKind } from '../inventory/object-kinds';
import { renderAgeChart } from './age-chart';
import { FINDING_INFO, type Finding, type FindingItems, type FindingKind } from './findings';
import type { ScanReport } from './scan-cache';
import { formatBytes } from '../text/format-bytes';

export interface SummaryOptions {
  /** the command line that runs `doctor` with these arguments, e.g. "nix-cache-wizard doctor --repair" */
  readonly command: (args: string) => string;
  /** a place name for the cache ("bucket nix-cache at https://s3.example.org") */
  readonly cacheName: string;
  /** fills the fixes' `<the s3:// URL>` and `<the secret key file>` */
  readonly storeUrl?: string;
  readonly secretKeyFile?: string;
  /** items shown per finding [5] */
  readonly shown?: number;
}

const KIND_LABEL: Readonly<Record<ObjectKind, string>> = {
  narinfo: 'narinfo',
  nar: 'NAR',
  ls: '.ls',
  log: 'log/',
  realisation: 'realisations/',
  debuginfo: 'debuginfo/',
  'cache-info': 'nix-cache-info',
  other: 'other',
};

const SEVERITY_MARK = { broken: '✖', refused: '✖', incomplete: '!', waste: '!', unknown: '?' } as const;

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** One item of a finding, one line. */
export function describeItem<K extends FindingKind>(kind: K, item: FindingItems[K]): string {
  const any = item as FindingItems[FindingKind] & Record<string, unknown>;
  switch (kind) {
    case 'nar-missing':
      return `${any.key} → ${String(any['url'])} (${String(any['storePath'])})`;
    case 'nar-size-mismatch':
      return `${any.key} → ${String(any['url'])}: FileSize ${String(any['fileSize'])}, stored ${String(any['storedSize'])} bytes`;
    case 'compression-mismatch':
      return `${any.key}: Compression ${String(any['compression'])}, URL ${String(any['url'])}`;
    case 'nar-corrupt':
      return `${any.key} → ${String(any['url'])}: ${String(any['reason'])}`;
    case 'narinfo-key-mismatch':
      return `${any.key}: StorePath ${String(any['storePath'])}`;
    case 'unreadable-narinfo':
      return `${any.key}: ${String(any['reason'])}`;
    case 'aws-chunked':
      return `${any.key} (${String(any['kind'])})`;
    case 'no-trusted-signature':
    case 'old-key-only': {
      const signers = any['signers'] as readonly string[];
      return `${any.key} (${String(any['storePath'])}): ${signers.length === 0 ? 'unsigned' : `signed by ${signers.join(', ')}`}`;
    }
    case 'incomplete-closure':
      return `${any.key} (${String(any['storePath'])}) lacks ${(any['missing'] as readonly string[]).join(', ')}`;
    case 'orphan-nar':
    case 'orphan-ls':
      return `${any.key} (${formatBytes(any['size'] as number)}, ${String(any['lastModified']).slice(0, 10)})`;
    case 'stale-upload':
      return `${any.key} (upload ${String(any['uploadId']).slice(0, 16)}…, started ${String(any['initiated']).slice(0, 16).replace('T', ' ')})`;
    case 'read-failed':
      return `${any.key}: ${String(any['error'])}`;
  }
  return any.key;
}

/** The summary as lines (no trailing newline). */
export function summarizeScan(report: ScanReport, options: SummaryOptions): string[] {
  const shown = options.shown ?? 5;
  const inv = report.inventory;
  const lines: string[] = [`The cache (${options.cacheName}): ${count(inv.objects)} objects, ${formatBytes(inv.bytes)}`];
  const rows: [string, number, number][] = [];
  for (const kind of OBJECT_KINDS) {
    const tally = inv.byKind[kind];
    if (tally.objects === 0) continue;
    if (kind === 'nar') {
      for (const [compression, t] of Object.entries(inv.narByCompression).sort((a, b) => b[1].bytes - a[1].bytes)) rows.push([`NAR (${compression})`, t.objects, t.bytes]);
    } else {
      rows.push([KIND_LABEL[kind], tally.objects, tally.bytes]);
    }
  }
  const labelWidth = Math.max(0, ...rows.map((row) => row[0].length));
  const countWidth = Math.max(0, ...rows.map((row) => count(row[1]).length));
  for (const [label, objects, bytes] of rows) lines.push(`  ${label.padEnd(labelWidth)}  ${count(objects).padStart(countWidth)}  ${formatBytes(bytes)}`);
  if (!inv.uploads.listed) lines.push(`  multipart uploads: not listed (${inv.uploads.error ?? 'refused'})`);
  else if (inv.uploads.count > 0) lines.push(`  multipart uploads in progress: ${count(inv.uploads.count)} (oldest started ${formatAge(inv.uploads.oldestSeconds ?? 0)} ago)`);

  const chart = renderAgeChart(inv.narinfoAges);
  if (chart.length > 0) {
    lines.push('', `Narinfos by upload age (${inv.narinfoAges.unit}s):`);
    for (const line of chart) lines.push(`  ${line}`);
  }
  if (inv.largestNars.length > 0) {
    lines.push('', `Largest NARs:`);
    for (const nar of inv.largestNars) lines.push(`  ${formatBytes(nar.size).padStart(9)}  ${nar.storePath ?? `${nar.key} (no narinfo points to it)`}`);
  }
  const sig = report.signatures;
  if (report.narinfos.read > 0) {
    const byKey = sig.byKey.map((key) => `${key.name} verifies ${count(key.verifies)}`).join(', ');
    lines.push(
      '',
      `Signatures of ${count(report.narinfos.read)} narinfos: ${byKey || 'no trusted key known'}; no trusted key verifies ${count(sig.noTrustedKey)}${sig.onlyUntrustedKeys > 0 ? ` (${count(sig.onlyUntrustedKeys)} signed only by keys not trusted)` : ''}`,
    );
  }
  const flight = report.inFlight;
  if (flight.nars + flight.ls + flight.uploads > 0) {
    lines.push(`Young objects nothing points to yet (maybe an upload in flight, not counted as problems): ${count(flight.nars)} NARs, ${count(flight.ls)} .ls, ${count(flight.uploads)} uploads`);
  }

  lines.push('');
  if (report.healthy) {
    lines.push(`✔ Healthy: every narinfo's NAR is there at its size, every closure is complete, every path is signed by a trusted key, nothing is orphaned.`);
    return lines;
  }
  lines.push(`Problems found:`);
  const fixes = new Set<string>();
  for (const finding of report.findings) {
    const info = FINDING_INFO[finding.kind];
    const bytes = finding.bytes !== undefined ? ` (${formatBytes(finding.bytes)})` : '';
    lines.push(`${SEVERITY_MARK[finding.severity]} ${info.says.replace('{n}', count(finding.count))}${bytes}`);
    for (const item of finding.items.slice(0, shown)) lines.push(`    ${describeItem(finding.kind, item as FindingItems[typeof finding.kind])}`);
    if (finding.count > shown) lines.push(`    and ${count(finding.count - shown)} more (--json lists them)`);
    fixes.add(fixFor(finding, options));
  }
  lines.push('', 'To fix:');
  for (const fix of fixes) lines.push(`  ${fix}`);
  return lines;
}

/** The command (or words) that fixes a finding. */
export function fixFor(finding: Finding, options: Pick<SummaryOptions, 'command' | 'storeUrl' | 'secretKeyFile'>): string {
  const fix = FINDING_INFO[finding.kind].fix;
  if (fix === 'repair') return options.command('--repair');
  if (fix === 'run doctor again') return options.command('');
  return fix.replace('<the s3:// URL>', options.storeUrl ?? '<the s3:// URL>').replace('<the secret key file>', options.secretKeyFile ?? '<the secret key file>');
}

/** What `--json` holds besides the common fields: the whole report (findings' items bounded by MAX_ITEMS). */
export function doctorJson(report: ScanReport): unknown {
  return {
    healthy: report.healthy,
    inventory: report.inventory,
    narinfos: report.narinfos,
    signatures: report.signatures,
    inFlight: report.inFlight,
    findings: report.findings.map((finding) => ({
      kind: finding.kind,
      severity: finding.severity,
      count: finding.count,
      ...(finding.bytes !== undefined ? { bytes: finding.bytes } : {}),
      listed: finding.items.length,
      items: finding.items,
    })),
  };
}
