/**
 * A stand-in for Effects.randomBytes that hands out the given bytes in order, and records how
 * many were asked for, so a test can say exactly which bytes a generator used.
 */
export interface ScriptedRandomBytes {
  (n: number): Uint8Array;
  /** how many bytes have been handed out */
  readonly consumed: number;
}

/** Hands out `bytes` in order; throws when asked for more than it holds. */
export function scriptedRandomBytes(bytes: Iterable<number>): ScriptedRandomBytes {
  const script = [...bytes];
  let position = 0;
  const source = (n: number): Uint8Array => {
    if (position + n > script.length) throw new Error(`scripted random source exhausted: asked for ${n} bytes at ${position} of ${script.length}`);
    const out = Uint8Array.from(script.slice(position, position + n));
    position += n;
    return out;
  };
  return Object.defineProperty(source, 'consumed', { get: () => position }) as ScriptedRandomBytes;
}

/** Hands out `pattern` over and over, forever. */
export function repeatingRandomBytes(pattern: readonly number[]): ScriptedRandomBytes {
  let position = 0;
  const source = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = pattern[(position + i) % pattern.length] ?? 0;
    position += n;
    return out;
  };
  return Object.defineProperty(source, 'consumed', { get: () => position }) as ScriptedRandomBytes;
}
