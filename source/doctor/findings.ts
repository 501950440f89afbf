/**
 * What `doctor` finds wrong in a cache (issue 18), as a typed value: each finding kind with the
 * object keys it names. The scan (scan-cache.ts) adds findings, `--deep` (deep-check.ts) adds
 * `nar-corrupt`, `--repair` (repair.ts) reads them; the human summary caps each list ("and N more"),
 * `--json` prints every item up to MAX_ITEMS per kind, with the full count beside it.
 *
 * Severity says what a client meets (notes/cache-contents.md):
 *  - broken: a client that finds this narinfo fails its build (with `fallback` off, Nix's default);
 *  - refused: a client refuses the path (no trusted signature) and builds it instead;
 *  - incomplete: a path whose references are not all in the cache;
 *  - waste: storage nothing points to (orphans, abandoned multipart uploads);
 *  - unknown: it could not be read (a request failed): run again.
 */
import type { ObjectKind } from '../inventory/object-kinds';

export type FindingSeverity = 'broken' | 'refused' | 'incomplete' | 'waste' | 'unknown';

/** The items of each finding kind: `key` is always the object key the finding is about. */
export interface FindingItems {
  /** a narinfo that does not parse, is too large, or is stored compressed */
  'unreadable-narinfo': { readonly key: string; readonly reason: string };
  /** a narinfo whose StorePath's hash part is not its key's: clients asking for the key's path get another one */
  'narinfo-key-mismatch': { readonly key: string; readonly storePath: string };
  /** a narinfo whose URL names no object: the dangling narinfo, the worst state (NixOS/nix#13833) */
  'nar-missing': { readonly key: string; readonly storePath: string; readonly url: string };
  /** the object at URL is not FileSize bytes long */
  'nar-size-mismatch': { readonly key: string; readonly storePath: string; readonly url: string; readonly fileSize: number; readonly storedSize: number };
  /** Compression does not match URL's extension: clients decompress with the wrong method */
  'compression-mismatch': { readonly key: string; readonly url: string; readonly compression: string };
  /** `--deep` (H4b): the NAR's FileHash, NarHash or NarSize does not match what is stored */
  'nar-corrupt': { readonly key: string; readonly storePath: string; readonly url: string; readonly reason: string };
  /** References names paths whose narinfo is not in the bucket */
  'incomplete-closure': { readonly key: string; readonly storePath: string; readonly missing: readonly string[] };
  /** no trusted key's signature verifies (unsigned, signed by unknown keys, or changed after signing) */
  'no-trusted-signature': { readonly key: string; readonly storePath: string; readonly signers: readonly string[] };
  /** signed, but only by keys that are no longer trusted (a rotation's old key, dropped) */
  'old-key-only': { readonly key: string; readonly storePath: string; readonly signers: readonly string[] };
  /** an object stored with `Content-Encoding: aws-chunked` (Ceph RGW before ceph/ceph#64440) */
  'aws-chunked': { readonly key: string; readonly kind: ObjectKind };
  /** a NAR no narinfo points to */
  'orphan-nar': { readonly key: string; readonly size: number; readonly lastModified: string };
  /** a `<hash>.ls` whose `<hash>.narinfo` is not there */
  'orphan-ls': { readonly key: string; readonly size: number; readonly lastModified: string };
  /** a multipart upload started and neither completed nor aborted (its parts are stored and billed) */
  'stale-upload': { readonly key: string; readonly uploadId: string; readonly initiated: string };
  /** a request failed after the retries: this object could not be checked */
  'read-failed': { readonly key: string; readonly error: string };
}

export type FindingKind = keyof FindingItems;

export interface FindingInfo {
  readonly severity: FindingSeverity;
  /** one line for the summary, `{n}` the count: "{n} narinfos point to a NAR that is missing" */
  readonly says: string;
  /** what fixes it: 'repair' (`doctor --repair`), or a sentence */
  readonly fix: 'repair' | string;
}

export const FINDING_INFO: { readonly [K in FindingKind]: FindingInfo } = {
  'nar-missing': { severity: 'broken', says: '{n} narinfos point to a NAR that is not there: clients fail on these paths', fix: 'repair' },
  'nar-size-mismatch': { severity: 'broken', says: '{n} NARs are not the size their narinfo says: clients fail on these paths', fix: 'repair' },
  'nar-corrupt': { severity: 'broken', says: '{n} NARs do not match their narinfo\'s hashes: clients fail on these paths', fix: 'repair' },
  'compression-mismatch': { severity: 'broken', says: '{n} narinfos say a compression their NAR\'s name does not: clients may fail to unpack them', fix: 'repair' },
  'narinfo-key-mismatch': { severity: 'broken', says: '{n} narinfos describe another store path than the one their name says', fix: 'repair' },
  'unreadable-narinfo': { severity: 'broken', says: '{n} narinfos cannot be read as narinfos', fix: 'repair' },
  'aws-chunked': { severity: 'broken', says: '{n} objects are stored with Content-Encoding: aws-chunked (Ceph before the fix of ceph/ceph#64440): clients fail to unpack them', fix: 'repair' },
  'no-trusted-signature': {
    severity: 'refused',
    says: '{n} narinfos carry no signature a trusted key verifies: clients refuse these paths and build them',
    fix: "sign them: nix store sign --store '<the s3:// URL>' -k <the secret key file> <paths> (or upload them again with secret-key=)",
  },
  'old-key-only': {
    severity: 'refused',
    says: '{n} narinfos are signed only by keys not trusted (an old key after a rotation, or another cache\'s): clients refuse these paths and build them',
    fix: "sign them with the current key: nix store sign --store '<the s3:// URL>' -k <the secret key file> <paths>",
  },
  'incomplete-closure': {
    severity: 'incomplete',
    says: '{n} paths refer to paths that are not in the cache: clients build those references themselves',
    fix: "upload the whole closure again: nix copy --to '<the s3:// URL>' <paths>",
  },
  'orphan-nar': { severity: 'waste', says: '{n} NARs no narinfo points to', fix: 'repair' },
  'orphan-ls': { severity: 'waste', says: '{n} .ls listings whose narinfo is gone', fix: 'repair' },
  'stale-upload': { severity: 'waste', says: '{n} multipart uploads were started and never finished', fix: 'repair' },
  'read-failed': { severity: 'unknown', says: '{n} objects could not be read (a request failed): they were not checked', fix: 'run doctor again' },
};

/** The order findings are listed in: what breaks clients first. */
export const FINDING_ORDER: readonly FindingKind[] = [
  'nar-missing',
  'nar-size-mismatch',
  'nar-corrupt',
  'compression-mismatch',
  'narinfo-key-mismatch',
  'unreadable-narinfo',
  'aws-chunked',
  'no-trusted-signature',
  'old-key-only',
  'incomplete-closure',
  'orphan-nar',
  'orphan-ls',
  'stale-upload',
  'read-failed',
];

/** Items kept per finding kind (the --json lists); the count goes on past it. */
export const MAX_ITEMS = 10_000;

export interface Finding<K extends FindingKind = FindingKind> {
  readonly kind: K;
  readonly severity: FindingSeverity;
  /** how many there are (items may hold fewer: at most MAX_ITEMS) */
  readonly count: number;
  /** bytes they take (waste, missing-size), when it means something */
  readonly bytes?: number;
  readonly items: readonly FindingItems[K][];
}

/** The findings of one run, grown item by item with a bounded memory (MAX_ITEMS per kind). */
export class Findings {
  private readonly byKind = new Map<FindingKind, { count: number; bytes: number; items: unknown[] }>();

  constructor(private readonly maxItems: number = MAX_ITEMS) {}

  add<K extends FindingKind>(kind: K, item: FindingItems[K], bytes?: number): void {
    let entry = this.byKind.get(kind);
    if (entry === undefined) {
      entry = { count: 0, bytes: 0, items: [] };
      this.byKind.set(kind, entry);
    }
    entry.count += 1;
    entry.bytes += bytes ?? 0;
    if (entry.items.length < this.maxItems) entry.items.push(item);
  }

  count(kind: FindingKind): number {
    return this.byKind.get(kind)?.count ?? 0;
  }

  /** Every finding with at least one item, in FINDING_ORDER. */
  list(): Finding[] {
    const out: Finding[] = [];
    for (const kind of FINDING_ORDER) {
      const entry = this.byKind.get(kind);
      if (entry === undefined || entry.count === 0) continue;
      out.push({
        kind,
        severity: FINDING_INFO[kind].severity,
        count: entry.count,
        ...(entry.bytes > 0 ? { bytes: entry.bytes } : {}),
        items: entry.items as FindingItems[typeof kind][],
      });
    }
    return out;
  }
}

/** The items of one kind from a list of findings (typed), [] when there is none. */
export function itemsOf<K extends FindingKind>(findings: readonly Finding[], kind: K): readonly FindingItems[K][] {
  const found = findings.find((finding) => finding.kind === kind);
  return found === undefined ? [] : (found.items as readonly FindingItems[K][]);
}
