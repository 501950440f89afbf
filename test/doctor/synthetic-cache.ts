/**
 * A synthetic cache for the doctor's unit tests: store paths with narinfos signed by a given key,
 * their NARs, and whatever defect a test adds, served through the scan's CacheSource as a bucket
 * would (listing in key order, narinfos parsed by the real readNarinfo rules). A stand-in for
 * what the unit tests check only (the checks' logic); the integration test runs the same scan on
 * the real RGW and MinIO.
 */
import { createHash, randomBytes } from 'node:crypto';
import { signNarinfo } from '../../source/keys/narinfo-signature';
import { generateNixSecretKey, type NixSecretKey } from '../../source/keys/nix-secret-key';
import { parseNarinfo } from '../../source/keys/parse-narinfo';
import type { CacheSource } from '../../source/doctor/scan-cache';
import type { ListedObject, PendingUpload } from '../../source/inventory/list-bucket';
import { keyHash, objectKind, storePathHash } from '../../source/inventory/object-kinds';
import type { FetchedNarinfo } from '../../source/inventory/read-narinfos';

const ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

/** A valid 32-character Nix base-32 hash part from a seed string. */
export function nixHash(seed: string, length = 32): string {
  const bytes = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i % bytes.length]! % 32];
  return out;
}

export const random = (n: number) => new Uint8Array(randomBytes(n));

export interface PathSpec {
  readonly name: string;
  /** names of other paths it refers to */
  readonly refs?: readonly string[];
  readonly narSize?: number;
  readonly signer?: NixSecretKey | null;
  readonly compression?: string;
}

export interface StoredObject {
  key: string;
  body: string;
  size: number;
  lastModified: Date;
  contentEncoding?: string;
}

export function basename(name: string): string {
  return `${nixHash(name)}-${name}`;
}

export function narinfoText(spec: PathSpec, signer: NixSecretKey | null, url: string, fileSize: number): string {
  const fields = {
    storePath: `/nix/store/${basename(spec.name)}`,
    narHash: `sha256:${nixHash(`nar-${spec.name}`, 52)}`,
    narSize: spec.narSize ?? 1000,
    references: (spec.refs ?? []).map(basename),
  };
  return [
    `StorePath: ${fields.storePath}`,
    `URL: ${url}`,
    `Compression: ${spec.compression ?? 'xz'}`,
    `FileHash: sha256:${nixHash(`file-${spec.name}`, 52)}`,
    `FileSize: ${fileSize}`,
    `NarHash: ${fields.narHash}`,
    `NarSize: ${fields.narSize}`,
    `References: ${fields.references.join(' ')}`,
    ...(signer ? [`Sig: ${signNarinfo(signer, fields)}`] : []),
    '',
  ].join('\n');
}

export class SyntheticCache {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads: PendingUpload[] = [];
  constructor(
    readonly key: NixSecretKey = generateNixSecretKey('cache.test-1', random),
    readonly now: Date = new Date('2026-12-05T10:00:00Z'),
  ) {}

  put(key: string, body: string, options: { size?: number; ageDays?: number; contentEncoding?: string } = {}): void {
    this.objects.set(key, {
      key,
      body,
      size: options.size ?? Buffer.byteLength(body),
      lastModified: new Date(this.now.getTime() - (options.ageDays ?? 2) * 86_400_000),
      ...(options.contentEncoding ? { contentEncoding: options.contentEncoding } : {}),
    });
  }

  /** a whole path: its NAR then its narinfo; returns the narinfo key and NAR key */
  addPath(spec: PathSpec, options: { ageDays?: number; fileSize?: number } = {}): { narinfo: string; nar: string } {
    const ext = { xz: '.xz', zstd: '.zst', bzip2: '.bz2', none: '' }[spec.compression ?? 'xz'] ?? '';
    const nar = `nar/${nixHash(`file-${spec.name}`, 52)}.nar${ext}`;
    const size = spec.narSize ?? 500 + spec.name.length;
    this.put(nar, 'x'.repeat(size), options);
    const narinfo = `${nixHash(spec.name)}.narinfo`;
    const signer = spec.signer === undefined ? this.key : spec.signer;
    this.put(narinfo, narinfoText(spec, signer, nar, options.fileSize ?? size), options);
    return { narinfo, nar };
  }

  source(): CacheSource {
    const sorted = () => [...this.objects.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const objects = this.objects;
    return {
      list: async function* () {
        for (const o of sorted()) yield { key: o.key, size: o.size, lastModified: o.lastModified, etag: `"${o.key}"`, kind: objectKind(o.key) } satisfies ListedObject;
      },
      uploads: async function* (this: void) {
        yield* [];
      },
      narinfos: async function* (keys, onMissing) {
        for await (const key of keys) {
          const o = objects.get(key);
          if (!o) {
            onMissing(key);
            continue;
          }
          const hash = keyHash(key)!;
          const base = { key, hash, etag: `"${key}"`, lastModified: o.lastModified, metadata: {}, text: o.body, ...(o.contentEncoding ? { contentEncoding: o.contentEncoding } : {}) };
          let result: FetchedNarinfo;
          try {
            const narinfo = parseNarinfo(o.body, key);
            result = storePathHash(narinfo.storePath) === hash ? { ...base, narinfo } : { ...base, narinfo, problem: 'StorePath is another path' };
          } catch (error) {
            result = { ...base, problem: (error as Error).message };
          }
          yield result;
        }
      },
      contentEncoding: async (key) => objects.get(key)?.contentEncoding ?? (objects.has(key) ? undefined : 'missing'),
    };
  }

  withUploads(): CacheSource {
    const source = this.source();
    const uploads = this.uploads;
    return {
      ...source,
      uploads: async function* () {
        yield* uploads;
      },
    };
  }
}
