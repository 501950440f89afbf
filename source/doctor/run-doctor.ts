/**
 * `doctor` from the answers (issue 18): the client and trusted keys made from them, then the scan
 * (scan-cache.ts). Read-only. `--deep` and `--repair` (H4b: deep-check.ts, repair.ts) run on
 * what this returns.
 */
import type { Client } from 'minio';
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import type { FetchedNarinfo } from '../inventory/read-narinfos';
import { doctorClient, trustedKeyTexts, trustedVerifiers } from './doctor-keys';
import { bucketSource, scanCache, type ScanProgress, type ScanReport } from './scan-cache';

export interface DoctorScanInput {
  readonly answers: Answers;
  readonly effects: Effects;
  readonly onProgress?: (progress: ScanProgress) => void;
  /** narinfo GETs in flight at once [16] */
  readonly concurrency?: number;
  /** orphans and uploads younger than this are not findings [scan-cache DEFAULT_GRACE_MS] */
  readonly graceMs?: number;
  /** told of every narinfo the scan reads (--deep --sample draws its sample: run-deep-repair.ts) */
  readonly onNarinfo?: (fetched: FetchedNarinfo) => void;
}

export interface DoctorScan {
  readonly report: ScanReport;
  /** the client the scan read with (for --deep and --repair to go on with) */
  readonly client: Client;
  readonly who: 'builder' | 'admin';
  /** the names of the keys signatures were judged by, current first */
  readonly trustedKeys: readonly string[];
}

export async function doctorScan(input: DoctorScanInput): Promise<DoctorScan> {
  const { answers, effects } = input;
  const texts = await trustedKeyTexts(answers, effects);
  const trusted = trustedVerifiers(texts);
  const { client, who } = await doctorClient(answers, effects);
  const concurrency = input.concurrency ?? 16;
  const report = await scanCache({
    source: bucketSource(client, answers.bucket, concurrency),
    trusted,
    now: effects.now(),
    concurrency,
    ...(input.graceMs !== undefined ? { graceMs: input.graceMs } : {}),
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    ...(input.onNarinfo ? { onNarinfo: input.onNarinfo } : {}),
  });
  return { report, client, who, trustedKeys: trusted.map((key) => key.name) };
}
