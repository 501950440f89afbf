/**
 * The cache's store paths as a graph for marking (issue 19): one small integer id a hash part,
 * references held as typed arrays of ids, so memory grows with the number of paths and references,
 * never with the size of a narinfo or a NAR. A referenced path that has no narinfo in the bucket
 * gets an id too (it cannot be kept: it is not there) and is marked like any other.
 *
 * Every string kept (hash, base name, URL, deriver) is a copy of its own (ownString): what the
 * narinfo parser and the listing hand over are slices, and V8 keeps a slice's whole parent (the
 * narinfo's text, a listing page) alive for as long as the slice (issue 19).
 */
import { ownString } from '../inventory/list-bucket';

/** `text` copied, or undefined */
function own(text: string | undefined): string | undefined {
  return text === undefined ? undefined : ownString(text);
}

/** What prune needs of one narinfo; nothing else of it is held. */
export interface GraphNarinfo {
  /** the key's hash part */
  readonly hash: string;
  /** `<hash>-name` of its StorePath */
  readonly baseName: string;
  /** hash parts of its References (itself may be among them) */
  readonly references: readonly string[];
  /** its URL (`nar/<filehash>.nar.xz`), the NAR it points to */
  readonly url: string | undefined;
  /** base name of its Deriver (`<hash>-name.drv`): `log/<deriver>` is its build log */
  readonly deriver: string | undefined;
  /** FileSize (the stored NAR's bytes), 0 when absent */
  readonly fileSize: number;
}

/** A narinfo object as listed: its date decides roots and the grace period. */
export interface ListedNarinfo {
  readonly hash: string;
  readonly size: number;
  readonly lastModifiedMs: number;
  readonly etag: string;
}

export class PathGraph {
  private readonly ids = new Map<string, number>();
  private readonly hashes: string[] = [];
  /** 1: its narinfo was listed; 2: and read; 3: listed but unreadable */
  private state = new Uint8Array(1024);
  /** every narinfo's references, one after another in one pool (an array each would cost ~100 bytes of overhead a path) */
  private refPool = new Int32Array(4096);
  private refUsed = 0;
  private refStart = new Float64Array(1024);
  private refCount = new Float64Array(1024);
  private readonly baseNames: (string | undefined)[] = [];
  private readonly urls: (string | undefined)[] = [];
  private readonly derivers: (string | undefined)[] = [];
  private fileSizes = new Float64Array(1024);
  private narinfoSizes = new Float64Array(1024);
  private lastModified = new Float64Array(1024);
  private readonly etags: (string | undefined)[] = [];

  /** how many ids (paths seen as a narinfo or a reference) */
  get size(): number {
    return this.hashes.length;
  }

  /** The id of `hash`, made when first seen. */
  idOf(hash: string): number {
    let id = this.ids.get(hash);
    if (id === undefined) {
      id = this.hashes.length;
      const kept = ownString(hash);
      this.ids.set(kept, id);
      this.hashes.push(kept);
      if (id >= this.state.length) this.grow();
    }
    return id;
  }

  /** The id of `hash` if seen, else undefined (nothing is made). */
  find(hash: string): number | undefined {
    return this.ids.get(hash);
  }

  private grow(): void {
    const length = this.state.length * 2;
    const widen = <T extends Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(length);
      next.set(old);
      return next;
    };
    this.state = widen(this.state, (n) => new Uint8Array(n));
    this.fileSizes = widen(this.fileSizes, (n) => new Float64Array(n));
    this.narinfoSizes = widen(this.narinfoSizes, (n) => new Float64Array(n));
    this.lastModified = widen(this.lastModified, (n) => new Float64Array(n));
    this.refStart = widen(this.refStart, (n) => new Float64Array(n));
    this.refCount = widen(this.refCount, (n) => new Float64Array(n));
  }

  /** A narinfo object the listing showed (read or not yet). */
  list(entry: ListedNarinfo): number {
    const id = this.idOf(entry.hash);
    if (this.state[id] === 0) this.state[id] = 1;
    this.narinfoSizes[id] = entry.size;
    this.lastModified[id] = entry.lastModifiedMs;
    this.etags[id] = entry.etag;
    return id;
  }

  /** What its narinfo says (each narinfo is read once). */
  read(narinfo: GraphNarinfo): number {
    const id = this.idOf(narinfo.hash);
    this.state[id] = 2;
    const count = narinfo.references.length;
    if (this.refUsed + count > this.refPool.length) {
      const pool = new Int32Array(Math.max(this.refPool.length * 2, this.refUsed + count));
      pool.set(this.refPool.subarray(0, this.refUsed));
      this.refPool = pool;
    }
    // a narinfo read again (changed meanwhile) takes new room; the old stays unused
    const start = this.refUsed;
    narinfo.references.forEach((ref, index) => (this.refPool[start + index] = this.idOf(ref)));
    this.refUsed += count;
    this.refStart[id] = start;
    this.refCount[id] = count;
    this.baseNames[id] = own(narinfo.baseName);
    this.urls[id] = own(narinfo.url);
    this.derivers[id] = own(narinfo.deriver);
    this.fileSizes[id] = narinfo.fileSize;
    return id;
  }

  /** Its narinfo was listed but is gone when read (deleted meanwhile): as if never listed. */
  gone(hash: string): void {
    const id = this.ids.get(hash);
    if (id !== undefined && this.state[id] === 1) this.state[id] = 0;
  }

  /** Its narinfo was listed but could not be read as one. */
  unreadable(hash: string): number {
    const id = this.idOf(hash);
    this.state[id] = 3;
    return id;
  }

  hash(id: number): string {
    return this.hashes[id]!;
  }
  /** its narinfo is in the bucket (listed) */
  listed(id: number): boolean {
    return this.state[id]! >= 1;
  }
  isRead(id: number): boolean {
    return this.state[id] === 2;
  }
  isUnreadable(id: number): boolean {
    return this.state[id] === 3;
  }
  references(id: number): Int32Array {
    const count = this.refCount[id] ?? 0;
    if (count === 0) return EMPTY;
    const start = this.refStart[id]!;
    return this.refPool.subarray(start, start + count);
  }
  baseName(id: number): string {
    return this.baseNames[id] ?? this.hashes[id]!;
  }
  url(id: number): string | undefined {
    return this.urls[id];
  }
  deriver(id: number): string | undefined {
    return this.derivers[id];
  }
  fileSize(id: number): number {
    return this.fileSizes[id]!;
  }
  narinfoSize(id: number): number {
    return this.narinfoSizes[id]!;
  }
  lastModifiedMs(id: number): number {
    return this.lastModified[id]!;
  }
  etag(id: number): string | undefined {
    return this.etags[id];
  }
}

const EMPTY = new Int32Array(0);

/**
 * Marks every path reachable from `roots` through References (cycles and self-references
 * included: each id is visited once). `marks` carries the marks of an earlier call, so narinfos
 * found later (uploaded while prune ran) add to them. Returns the marks.
 */
export function markReachable(graph: PathGraph, roots: Iterable<number>, marks: Uint8Array = new Uint8Array(graph.size)): Uint8Array {
  let marked = marks.length >= graph.size ? marks : grown(marks, graph.size);
  const stack: number[] = [];
  for (const root of roots) {
    if (root >= marked.length) marked = grown(marked, graph.size);
    if (marked[root] === 1) continue;
    marked[root] = 1;
    stack.push(root);
  }
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const ref of graph.references(id)) {
      if (marked[ref] === 1) continue;
      marked[ref] = 1;
      stack.push(ref);
    }
  }
  return marked;
}

function grown(marks: Uint8Array, size: number): Uint8Array {
  const next = new Uint8Array(size);
  next.set(marks.subarray(0, Math.min(marks.length, size)));
  return next;
}
