/**
 * doctor --deep's decompression and hashes, against NARs the real Nix makes (`nix-store --dump`),
 * compressed by the real xz, zstd and bzip2 programs, and hashes printed by the real `nix-hash`.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nixBase32 } from '../../source/keys/nix-base32';
import { DecompressedTooLargeError, decompressNar, type NarCompression } from '../../source/doctor/nar-decompress';
import { Reservoir } from '../../source/doctor/deep-check';
import { ensureDebianPackages } from '../helpers/debian-packages';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';

const missing = nixUnavailableReason() ?? ensureDebianPackages(['xz', 'zstd', 'bzip2'], ['xz-utils', 'zstd', 'bzip2']);

/** Yields `bytes` in pieces of `size`, as the ranged reads do. */
async function* pieces(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<{ hash: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hash: nixBase32(hash.digest()), size };
}

describe.skipIf(missing !== undefined)('NARs made by the real Nix, compressed by the real programs', () => {
  let nix: NixSandbox;
  let dir: string;
  let nar: Buffer;
  let narHash: string;
  const compressed = new Map<NarCompression, Buffer>();

  beforeAll(() => {
    nix = makeNixSandbox();
    dir = mkdtempSync(join(tmpdir(), 'ncw-deep-'));
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'bin'), { recursive: true });
    // incompressible and very compressible parts, several blocks of each codec
    writeFileSync(join(tree, 'bin', 'random'), randomBytes(1536 * 1024));
    writeFileSync(join(tree, 'zeros'), Buffer.alloc(2 * 1024 * 1024));
    writeFileSync(join(tree, 'text'), 'a store path\n'.repeat(100_000));
    nar = Buffer.from(execFileSync('nix-store', ['--dump', tree], { env: nix.env, maxBuffer: 64 * 1024 * 1024 }));
    writeFileSync(join(dir, 'nar'), nar);
    narHash = nix.run('nix-hash', ['--type', 'sha256', '--base32', '--flat', join(dir, 'nar')]).trim();
    compressed.set('xz', execFileSync('xz', ['-c', '-6', join(dir, 'nar')], { maxBuffer: 64 * 1024 * 1024 }));
    compressed.set('zstd', execFileSync('zstd', ['-c', '-q', join(dir, 'nar')], { maxBuffer: 64 * 1024 * 1024 }));
    compressed.set('bzip2', execFileSync('bzip2', ['-c', join(dir, 'nar')], { maxBuffer: 64 * 1024 * 1024 }));
    compressed.set('br', brotliCompressSync(nar));
    compressed.set('none', nar);
  }, 120_000);
  afterAll(() => {
    nix?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints a sha256 in Nix base-32 exactly as nix-hash does', async () => {
    expect(narHash).toMatch(/^[0-9a-df-np-sv-z]{52}$/);
    expect(nixBase32(createHash('sha256').update(nar).digest())).toBe(narHash);
    const xzFile = join(dir, 'nar.xz');
    writeFileSync(xzFile, compressed.get('xz')!);
    expect(nixBase32(createHash('sha256').update(readFileSync(xzFile)).digest())).toBe(nix.run('nix-hash', ['--type', 'sha256', '--base32', '--flat', xzFile]).trim());
  });

  for (const compression of ['xz', 'zstd', 'bzip2', 'br', 'none'] as const) {
    it(`decompresses a ${compression} NAR, streaming, to the bytes nix-store --dump wrote`, async () => {
      const result = await sha256Of(decompressNar(compression, pieces(compressed.get(compression)!), nar.length));
      expect(result).toEqual({ hash: narHash, size: nar.length });
    });

    it(`stops a ${compression} NAR that decompresses to more than its NarSize`, async () => {
      await expect(sha256Of(decompressNar(compression, pieces(compressed.get(compression)!), nar.length - 1))).rejects.toBeInstanceOf(DecompressedTooLargeError);
    });
  }

  for (const compression of ['xz', 'zstd', 'bzip2', 'br'] as const) {
    it(`fails on a ${compression} NAR with a flipped byte or cut short, instead of yielding a wrong NAR silently`, async () => {
      const flipped = Buffer.from(compressed.get(compression)!);
      flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
      const outcome = await sha256Of(decompressNar(compression, pieces(flipped), nar.length)).then(
        (result) => result,
        (error: unknown) => error as Error,
      );
      // a codec without a checksum of its own may yield wrong bytes: then NarHash tells
      if (!(outcome instanceof Error)) expect(outcome.hash).not.toBe(narHash);
      const cut = compressed.get(compression)!.subarray(0, Math.floor(compressed.get(compression)!.length * 0.7));
      const short = await sha256Of(decompressNar(compression, pieces(cut), nar.length)).then(
        (result) => result,
        (error: unknown) => error as Error,
      );
      if (!(short instanceof Error)) expect(short.size).toBeLessThan(nar.length);
    });
  }
});

describe('drawing a sample', () => {
  it('keeps N items of a stream, each item drawn with the same chance', () => {
    const counts = new Array<number>(10).fill(0);
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 2000; round++) {
      const reservoir = new Reservoir<number>(3, random);
      for (let i = 0; i < 10; i++) reservoir.offer(i);
      expect(reservoir.drawn()).toHaveLength(3);
      for (const item of reservoir.drawn()) counts[item]!++;
    }
    // 600 expected for each of the 10 items
    for (const count of counts) expect(count).toBeGreaterThan(450);
    for (const count of counts) expect(count).toBeLessThan(750);
  });

  it('keeps every item of a stream shorter than N', () => {
    const reservoir = new Reservoir<string>(5, Math.random);
    reservoir.offer('a');
    reservoir.offer('b');
    expect(reservoir.drawn()).toEqual(['a', 'b']);
  });
});
