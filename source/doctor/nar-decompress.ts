/**
 * Decompresses a stored NAR as it streams in, for `doctor --deep` (issue 18 part 5): never the
 * whole NAR in memory, and never more out than the narinfo's NarSize allows (a corrupt or hostile
 * object cannot blow up the process: the decompressor stops once `limit` bytes came out).
 *
 * The libraries (readme, "Dependencies, and why"), each pure JavaScript or WebAssembly shipped in
 * its npm package (no native build, nothing downloaded at install), each streaming:
 *  - xz: `xz-decompress` (xz-embedded compiled to WebAssembly; WHATWG streams);
 *  - zstd: `fzstd` (pure JS; Node 20's zlib has no zstd, it came in Node 22.15/23.8);
 *  - bzip2: `unbzip2-stream` (pure JS);
 *  - br: Node's own zlib; none: the bytes as stored.
 */
import { Readable } from 'node:stream';
import { createBrotliDecompress } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import unbzip2 from 'unbzip2-stream';
import xzDecompress from 'xz-decompress';

/** The compressions Nix writes (Compression: in a narinfo), each with its NAR extension. */
export const NAR_COMPRESSIONS = ['xz', 'zstd', 'bzip2', 'br', 'none'] as const;
export type NarCompression = (typeof NAR_COMPRESSIONS)[number];

export function isNarCompression(value: string): value is NarCompression {
  return (NAR_COMPRESSIONS as readonly string[]).includes(value);
}

/** Thrown when the decompressed NAR passes `limit`: it is larger than its narinfo says. */
export class DecompressedTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`it decompresses to more than ${limit} bytes`);
  }
}

/** Pushes each decompressed piece to `sink`, counting; fails once more than `limit` came out. */
function counted(limit: number, sink: (piece: Uint8Array) => void): (piece: Uint8Array) => void {
  let size = 0;
  return (piece) => {
    size += piece.length;
    if (size > limit) throw new DecompressedTooLargeError(limit);
    if (piece.length > 0) sink(piece);
  };
}

/**
 * A decoder the input is pushed into: each push returns what came out of it. The push-style
 * decoders (fzstd, unbzip2-stream) emit a block at a time (zstd ≤ 128 KiB, bzip2 ≤ 900 kB before
 * expansion), and the count stops a bomb inside the first block past `limit`.
 */
async function* pushDecoded(source: AsyncIterable<Uint8Array>, start: (emit: (piece: Uint8Array) => void) => { push(chunk: Uint8Array): void; end(): void }): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const decoder = start((piece) => out.push(piece));
  for await (const chunk of source) {
    decoder.push(chunk);
    const ready = out;
    out = [];
    yield* ready;
  }
  decoder.end();
  yield* out;
}

function zstdDecoder(emit: (piece: Uint8Array) => void): { push(chunk: Uint8Array): void; end(): void } {
  const decoder = new ZstdDecompress((data) => emit(data));
  return {
    push: (chunk) => decoder.push(chunk),
    end: () => decoder.push(new Uint8Array(0), true),
  };
}

function bzip2Decoder(emit: (piece: Uint8Array) => void): { push(chunk: Uint8Array): void; end(): void } {
  const stream = unbzip2();
  let failure: unknown;
  stream.on('data', (data: Buffer) => {
    try {
      emit(data);
    } catch (error) {
      failure ??= error;
    }
  });
  stream.on('error', (error: unknown) => (failure ??= error));
  const check = () => {
    if (failure !== undefined) throw failure;
  };
  return {
    push: (chunk) => {
      // unbzip2-stream (through) emits synchronously from write and end
      stream.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      check();
    },
    end: () => {
      stream.end();
      check();
    },
  };
}

/** Pulls through a Node or web stream (xz, br): the decoder's own backpressure bounds memory. */
async function* pulled(decoded: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const piece of decoded) {
    size += piece.length;
    if (size > limit) throw new DecompressedTooLargeError(limit);
    yield piece;
  }
}

/**
 * The NAR's bytes, decompressed from `source` (the stored object as it arrives). Fails with the
 * library's error on a corrupt stream, or DecompressedTooLargeError past `limit`.
 */
export function decompressNar(compression: NarCompression, source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  switch (compression) {
    case 'none':
      return pulled(source, limit);
    case 'br':
      return pulled(Readable.from(source).pipe(createBrotliDecompress()), limit);
    case 'xz': {
      // toWeb/fromWeb keep the pull chain: the WebAssembly decoder asks for input as it needs it
      const web = Readable.toWeb(Readable.from(source)) as ReadableStream<Uint8Array>;
      return pulled(Readable.fromWeb(new xzDecompress.XzReadableStream(web) as import('node:stream/web').ReadableStream<Uint8Array>), limit);
    }
    case 'zstd':
      return pushDecoded(source, (emit) => zstdDecoder(counted(limit, emit)));
    case 'bzip2':
      return pushDecoded(source, (emit) => bzip2Decoder(counted(limit, emit)));
  }
}
