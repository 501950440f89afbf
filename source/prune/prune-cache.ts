/**
 * Prune (issue 19): keep a cache's size bounded without ever breaking a closure.
 *  1. Scan: one streamed listing of the whole bucket (source/inventory/list-bucket.ts); every
 *     narinfo is read once as the listing goes (read-narinfos.ts, bounded concurrency) and only
 *     what marking needs is kept (path-graph.ts: ids, references as typed arrays, its NAR's key);
 *     NARs, .ls and logs are kept as listed (key, size, date).
 *  2. Plan (plan-sweep.ts): roots (recent uploads, pins, narinfos younger than the grace period),
 *     marking through References, the dead objects in the order they go.
 *  3. Just before deleting, the top level is listed again: every narinfo that appeared or changed
 *     since the scan began is read and made a root, so a builder uploading a path that refers to
 *     an old one keeps it. Done before the narinfos go and again before the NARs, .ls and logs.
 *  4. Every key to delete is written to the report file, then deleted with DeleteObjects (1000
 *     keys a request; one DELETE each where the server has no DeleteObjects), narinfos first.
 * Nothing is deleted while a narinfo cannot be read, or was listed and then not found: its
 * references are unknown, and deleting them could break its closure.
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Client } from 'minio';
import { StepError } from '../errors';
import { isS3ErrorCode } from '../backends/s3/s3-requests';
import { makeFolders } from '../files/make-folders';
import { listBucket, type ListedObject } from '../inventory/list-bucket';
import { readNarinfos, type FetchedNarinfo } from '../inventory/read-narinfos';
import { keyHash, storePathHash } from '../inventory/object-kinds';
import { PathGraph, type GraphNarinfo } from './path-graph';
import { readAhead } from './read-ahead';
import { planSweep, planTotals, SWEPT_KINDS, type ListedOther, type RootRules, type SweepPlan, type SweptKind } from './plan-sweep';

export type PrunePhase = 'scan' | 'recheck' | 'delete';

export interface PruneProgress {
  readonly phase: PrunePhase;
  readonly listed: number;
  readonly read: number;
  readonly deleted: number;
  /** keys to delete in all (delete phase) */
  readonly toDelete: number;
  readonly done: boolean;
}

export interface PruneInput {
  /** signed by keys that may list, get and delete (the admin's) */
  readonly client: Client;
  readonly bucket: string;
  /** the clock: roots and the grace period are relative to it */
  readonly now: () => Date;
  /** narinfos uploaded within this many days are roots; 0: the pins alone (and young narinfos) */
  readonly keepDays: number;
  /** nothing younger is deleted */
  readonly minAgeMs: number;
  /** hash parts of pinned store paths */
  readonly pins: readonly string[];
  /** delete (else a dry run); `decide` may still say yes once the plan is known */
  readonly apply: boolean;
  /** asked with the plan when `apply` is false: true deletes */
  readonly decide?: (plan: PrunePlanSummary) => Promise<boolean>;
  /** where every key to delete is written before the first delete */
  readonly reportPath: string;
  /** GETs in flight [16] */
  readonly concurrency?: number;
  /** DeleteObjects requests in flight [4] */
  readonly deleteConcurrency?: number;
  readonly onProgress?: (progress: PruneProgress) => void;
  /** at most one progress event per this many milliseconds [250] */
  readonly progressEveryMs?: number;
  /** test seam: runs once the plan is made, before the re-check for late uploads */
  readonly beforeRecheck?: () => Promise<void>;
  /** test seam: 'one-by-one' deletes with one DELETE each, as on a server without DeleteObjects */
  readonly deleteMode?: 'batch' | 'one-by-one';
}

export interface PrunePlanSummary {
  readonly toFree: Readonly<Record<SweptKind, { readonly count: number; readonly bytes: number }>>;
  readonly roots: SweepPlan['roots'];
  readonly keptNarinfos: number;
  readonly spared: number;
  /** up to 10 unreadable narinfos, and why */
  readonly unreadable: readonly { readonly key: string; readonly problem: string }[];
  readonly unreadableCount: number;
  readonly missingReferences: number;
  readonly largestFreed: SweepPlan['largestFreed'];
  readonly largestFreedPartial: boolean;
}

export interface PruneResult extends PrunePlanSummary {
  readonly applied: boolean;
  readonly scanned: { readonly narinfos: number; readonly others: number };
  /** narinfos that appeared or changed after the scan began (made roots) */
  readonly late: number;
  /** keys taken out of the dead set by the re-checks */
  readonly rescued: number;
  readonly deleted: Readonly<Record<SweptKind, number>>;
  /** up to 10 keys whose delete failed, and why */
  readonly failures: readonly { readonly key: string; readonly error: string }[];
  readonly failedCount: number;
  /** the report file, when keys were deleted */
  readonly reportPath: string | undefined;
}

const KEEP_NAMES = 10;
/** listed objects read ahead of the narinfo reads: two listing pages */
const LIST_AHEAD = 2000;

function toGraph(fetched: FetchedNarinfo): GraphNarinfo | undefined {
  const narinfo = fetched.narinfo;
  if (narinfo === undefined || fetched.problem !== undefined || fetched.requestError !== undefined) return undefined;
  const fileSize = Number(narinfo.fields.get('FileSize') ?? '0');
  const deriver = narinfo.fields.get('Deriver');
  return {
    hash: fetched.hash,
    baseName: narinfo.storePath.slice(narinfo.storePath.lastIndexOf('/') + 1),
    references: narinfo.references.map(storePathHash),
    url: narinfo.fields.get('URL'),
    deriver: deriver === undefined || deriver === '' ? undefined : deriver.slice(deriver.lastIndexOf('/') + 1),
    fileSize: Number.isSafeInteger(fileSize) && fileSize > 0 ? fileSize : 0,
  };
}

/** Prints no more than one progress event per `every` ms (and always the last). */
function progressReporter(input: PruneInput) {
  const every = input.progressEveryMs ?? 250;
  let last = 0;
  return (progress: PruneProgress) => {
    const now = Date.now();
    if (!progress.done && now - last < every) return;
    last = now;
    input.onProgress?.(progress);
  };
}

interface Scan {
  readonly graph: PathGraph;
  readonly others: ListedOther[];
  readonly problems: Map<string, string>;
  narinfos: number;
}

/** Takes one fetched narinfo into the graph. */
function take(scan: Scan, fetched: FetchedNarinfo): number {
  const graphed = toGraph(fetched);
  if (graphed !== undefined) return scan.graph.read(graphed);
  const problem = fetched.requestError !== undefined ? `it could not be read: ${fetched.requestError}` : (fetched.problem ?? 'unreadable');
  if (scan.problems.size < KEEP_NAMES) scan.problems.set(fetched.key, problem);
  return scan.graph.unreadable(fetched.hash);
}

export async function pruneCache(input: PruneInput): Promise<PruneResult> {
  const progress = progressReporter(input);
  const counts = { listed: 0, read: 0, deleted: 0, toDelete: 0 };
  const report = (phase: PrunePhase, done = false) => progress({ phase, ...counts, done });
  const scan: Scan = { graph: new PathGraph(), others: [], problems: new Map(), narinfos: 0 };
  const scanStarted = input.now();

  // 1. the scan: the listing feeds the narinfo reads; the other objects are kept as listed
  async function* narinfosListed(): AsyncGenerator<ListedObject> {
    // the next listing page is fetched while the narinfos of this one are read
    for await (const object of readAhead(listBucket(input.client, input.bucket, { recursive: true }), LIST_AHEAD)) {
      counts.listed += 1;
      if (object.kind === 'narinfo') {
        const hash = keyHash(object.key);
        if (hash === undefined) continue;
        scan.graph.list({ hash, size: object.size, lastModifiedMs: object.lastModified.getTime(), etag: object.etag });
        scan.narinfos += 1;
        yield object;
      } else if (object.kind === 'nar' || object.kind === 'ls' || object.kind === 'log') {
        scan.others.push({ key: object.key, size: object.size, lastModifiedMs: object.lastModified.getTime(), kind: object.kind });
      }
      report('scan');
    }
  }
  for await (const fetched of readNarinfos(input.client, input.bucket, narinfosListed(), {
    concurrency: input.concurrency ?? 16,
    // Listed, then not found when read (asked three times: readListedNarinfo). Deleted meanwhile,
    // or a node of a distributed MinIO that lags behind (issue 20): which one, nothing here can
    // tell, and in the second case it still refers to its NAR and its references. So it counts as
    // unreadable: nothing is deleted in this run, and the next run's listing tells.
    onMissing: (key) => {
      const hash = keyHash(key);
      if (hash === undefined) return;
      if (scan.problems.size < KEEP_NAMES) scan.problems.set(key, 'listed, then not found when read three times: deleted meanwhile, or a node of a cluster that lags behind');
      scan.graph.unreadable(hash);
    },
  })) {
    take(scan, fetched);
    counts.read += 1;
    report('scan');
  }
  report('scan', true);

  // 2. the plan
  const pinIds = input.pins.map((hash) => scan.graph.idOf(hash));
  const rules = (late: readonly number[]): RootRules => ({ nowMs: scanStarted.getTime(), keepDays: input.keepDays, minAgeMs: input.minAgeMs, pins: pinIds, late });
  const late: number[] = [];
  let { plan, marks } = planSweep(scan.graph, scan.others, rules(late));
  const summary = (p: SweepPlan): PrunePlanSummary => ({
    toFree: planTotals(p),
    roots: p.roots,
    keptNarinfos: p.keptNarinfos,
    spared: p.spared,
    unreadable: [...scan.problems].map(([key, problem]) => ({ key, problem })),
    unreadableCount: p.unreadable.length,
    missingReferences: p.missingReferences,
    largestFreed: p.largestFreed,
    largestFreedPartial: p.largestFreedPartial,
  });
  const planned = summary(plan);
  const total = (p: SweepPlan) => SWEPT_KINDS.reduce((sum, kind) => sum + p.dead[kind].length, 0);
  const deleted: Record<SweptKind, number> = { narinfo: 0, nar: 0, ls: 0, log: 0 };
  const failures: { key: string; error: string }[] = [];
  let failedCount = 0;
  const result = (applied: boolean, s: PrunePlanSummary, rescued: number, reportPath: string | undefined): PruneResult => ({
    ...s,
    applied,
    scanned: { narinfos: scan.narinfos, others: scan.others.length },
    late: late.length,
    rescued,
    deleted,
    failures,
    failedCount,
    reportPath,
  });

  const apply = total(plan) > 0 && (input.apply || ((await input.decide?.(planned)) ?? false));
  if (!apply) return result(false, planned, 0, undefined);
  if (plan.unreadable.length > 0) {
    const named = [...scan.problems].slice(0, 3).map(([key, problem]) => `${key} (${problem})`).join('; ');
    throw new StepError(
      `${plan.unreadable.length} narinfo(s) cannot be read, so what they refer to is unknown and deleting could break their closures: ${named}. Nothing was deleted.`,
      'prune',
      'Repair or remove those narinfos (the cache doctor names them all), then run prune again (for one listed and then not found, running again is enough).',
    );
  }

  // 3. the re-check: narinfos that appeared or changed since the scan began become roots
  const recheck = async (): Promise<void> => {
    report('recheck');
    async function* changed(): AsyncGenerator<ListedObject> {
      for await (const object of readAhead(listBucket(input.client, input.bucket, { recursive: false }), LIST_AHEAD)) {
        if (object.kind !== 'narinfo') continue;
        const hash = keyHash(object.key);
        if (hash === undefined) continue;
        const id = scan.graph.find(hash);
        if (id !== undefined && scan.graph.listed(id) && scan.graph.etag(id) === object.etag && scan.graph.lastModifiedMs(id) === object.lastModified.getTime()) continue;
        scan.graph.list({ hash, size: object.size, lastModifiedMs: object.lastModified.getTime(), etag: object.etag });
        yield object;
      }
    }
    let unreadable = 0;
    for await (const fetched of readNarinfos(input.client, input.bucket, changed(), { concurrency: input.concurrency ?? 16 })) {
      const id = take(scan, fetched);
      if (scan.graph.isUnreadable(id)) unreadable += 1;
      late.push(id);
    }
    if (unreadable > 0) {
      throw new StepError(
        `${unreadable} narinfo(s) uploaded while prune ran cannot be read, so what they refer to is unknown. Nothing more was deleted.`,
        'prune',
        'Run prune again once the uploads are done.',
      );
    }
    ({ plan, marks } = planSweep(scan.graph, scan.others, rules(late), { marks }));
  };

  if (input.beforeRecheck) await input.beforeRecheck();
  const plannedTotal = total(plan);
  await recheck();
  const firstTotal = total(plan);
  let rescued = plannedTotal - firstTotal;
  const reportPath = input.reportPath;
  await writeReport(reportPath, plan, scanStarted);
  counts.toDelete = firstTotal;

  const deleteAll = async (kind: SweptKind, keys: readonly string[]): Promise<void> => {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const failed = await deleteBatch(input, batch);
        for (const failure of failed) {
          failedCount += 1;
          if (failures.length < KEEP_NAMES) failures.push(failure);
        }
        deleted[kind] += batch.length - failed.length;
        counts.deleted += batch.length - failed.length;
        report('delete');
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, input.deleteConcurrency ?? 4) }, () => worker()));
  };

  // 4. narinfos first: once a narinfo is gone no client asks for its NAR
  await deleteAll('narinfo', plan.dead.narinfo.map((o) => o.key));
  // a narinfo uploaded meanwhile may point at a NAR, .ls or log planned to go
  const before = new Set(['nar', 'ls', 'log'].flatMap((kind) => plan.dead[kind as SweptKind].map((o) => o.key)));
  await recheck();
  const after = ['nar', 'ls', 'log'].flatMap((kind) => plan.dead[kind as SweptKind].map((o) => o.key));
  rescued += before.size - after.filter((key) => before.has(key)).length;
  for (const kind of ['nar', 'ls', 'log'] as const) await deleteAll(kind, plan.dead[kind].map((o) => o.key));
  report('delete', true);
  return result(true, planned, rescued, reportPath);
}

/** Deletes up to 1000 keys; the keys whose delete failed, and why. */
async function deleteBatch(input: PruneInput, keys: readonly string[]): Promise<{ key: string; error: string }[]> {
  if (input.deleteMode !== 'one-by-one') {
    try {
      const errors = (await input.client.removeObjects(input.bucket, [...keys])) as { Key?: string; Code?: string; Message?: string }[];
      return errors.map((e) => ({ key: e.Key ?? '?', error: e.Code ?? e.Message ?? 'failed' })).filter((e) => e.error !== 'NoSuchKey');
    } catch (error) {
      // A server without DeleteObjects: one DELETE a key instead.
      if (!isS3ErrorCode(error, 'NotImplemented', 'MethodNotAllowed')) throw error;
    }
  }
  const failed: { key: string; error: string }[] = [];
  for (const key of keys) {
    try {
      await input.client.removeObject(input.bucket, key);
    } catch (error) {
      if (isS3ErrorCode(error, 'NoSuchKey')) continue;
      const code = (error as { code?: unknown }).code;
      failed.push({ key, error: typeof code === 'string' ? code : (error as Error).message });
    }
  }
  return failed;
}

/** Every key to delete, narinfos first, one a line: written (0600) before the first delete. */
async function writeReport(path: string, plan: SweepPlan, started: Date): Promise<void> {
  await makeFolders(dirname(path));
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.write(`# nix-cache-wizard prune, scan started ${started.toISOString()}: every key to delete, in the order deleted\n`);
    for (const kind of SWEPT_KINDS) {
      const lines: string[] = [];
      for (const object of plan.dead[kind]) {
        lines.push(object.key);
        if (lines.length === 1000) await handle.write(`${lines.splice(0).join('\n')}\n`);
      }
      if (lines.length > 0) await handle.write(`${lines.join('\n')}\n`);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}
