/**
 * A Nix secret signing key: `NAME:BASE64(seed32 ‖ public32)` (notes/nix.md, SPEC 3).
 *
 * Kept in a class with a private seed so that the secret cannot leak by accident: JSON.stringify
 * (`--json`), console.log and util.inspect show only the name and the public key (SPEC 10).
 * The secret text comes out only through `secretKeyText()`, for writing the key file.
 */
import { UsageError } from '../errors';
import { ed } from './ed25519';
import { KeyFileError } from './key-file-error';
import { formatNamedKeyText, keyNameProblem, parseNamedKeyText } from './named-key-text';
import { formatNixPublicKey, type NixPublicKey } from './nix-public-key';
import { nativePublicKey } from './native-ed25519';

const SEED_BYTES = 32;

export class NixSecretKey {
  readonly #seed: Uint8Array;
  /** the 32-byte Ed25519 public key, derived from the seed */
  readonly publicKeyBytes: Uint8Array;

  /** Use generateNixSecretKey or parseNixSecretKey; `seed` must be 32 bytes. */
  constructor(
    readonly name: string,
    seed: Uint8Array,
  ) {
    if (seed.length !== SEED_BYTES) throw new RangeError(`an Ed25519 seed is ${SEED_BYTES} bytes, not ${seed.length}`);
    this.#seed = Uint8Array.from(seed);
    this.publicKeyBytes = nativePublicKey(this.#seed);
  }

  /** The secret key file's text, no trailing newline, as `nix key generate-secret` writes it. */
  secretKeyText(): string {
    const both = new Uint8Array(SEED_BYTES * 2);
    both.set(this.#seed, 0);
    both.set(this.publicKeyBytes, SEED_BYTES);
    return formatNamedKeyText(this.name, both);
  }

  publicKey(): NixPublicKey {
    return { name: this.name, bytes: this.publicKeyBytes };
  }

  /** The public key file's text, as `nix key convert-secret-to-public` writes it. */
  publicKeyText(): string {
    return formatNixPublicKey(this.publicKey());
  }

  /** The 64-byte Ed25519 signature of `message` (UTF-8 when text); deterministic. */
  sign(message: string | Uint8Array): Uint8Array {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    return ed.sign(bytes, this.#seed);
  }

  toJSON(): { name: string; publicKey: string } {
    return { name: this.name, publicKey: this.publicKeyText() };
  }

  toString(): string {
    return `NixSecretKey(${this.name}, public key ${this.publicKeyText()})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * A new signing key named `name` (convention `<cache host>-<n>`) from 32 bytes of `randomBytes`,
 * which must be a cryptographic source (Effects.randomBytes).
 */
export function generateNixSecretKey(name: string, randomBytes: (n: number) => Uint8Array): NixSecretKey {
  const problem = keyNameProblem(name);
  if (problem) throw new UsageError(`key.name cannot be used as a Nix key name: ${problem.reason}.`, 'key.name');
  const seed = randomBytes(SEED_BYTES);
  if (seed.length !== SEED_BYTES) throw new Error(`the random source gave ${seed.length} bytes when asked for ${SEED_BYTES}`);
  return new NixSecretKey(name, seed);
}

/**
 * Parses and checks an existing secret key file's text (a trailing newline is allowed). Besides
 * the format, the last 32 bytes must be the public key of the first 32: Nix never checks this,
 * and a key with a wrong tail signs happily but its signatures never verify (notes/nix.md).
 * Throws KeyFileError naming `path` and the rule; the message never holds key material.
 */
export function parseNixSecretKey(text: string, path: string): NixSecretKey {
  const { name, bytes } = parseNamedKeyText(text, 'secret key', path);
  const key = new NixSecretKey(name, bytes.subarray(0, SEED_BYTES));
  const tail = bytes.subarray(SEED_BYTES);
  if (!tail.every((byte, i) => byte === key.publicKeyBytes[i])) {
    throw new KeyFileError(
      `${path} is not a valid Nix secret key: its last 32 bytes are not the public key of its first 32 (the seed), ` +
        'so Nix would sign with it but no signature would ever verify. Generate a new key (move this file away and run setup again).',
      path,
      'public-key-mismatch',
    );
  }
  return key;
}

/**
 * The public key text of a secret key file's text, like `nix key convert-secret-to-public` but
 * checking the secret key first (parseNixSecretKey) instead of copying its last 32 bytes blindly.
 */
export function convertSecretKeyToPublic(secretKeyText: string, path: string): string {
  return parseNixSecretKey(secretKeyText, path).publicKeyText();
}
