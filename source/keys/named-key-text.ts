/**
 * The `NAME:BASE64(bytes)` text Nix uses for secret keys, public keys and signatures, read as
 * strictly as the wizard needs: Nix itself splits at the first `:`, skips newlines inside the
 * base64 and stops at `=`, so it would take text that is not what `nix key` writes. Accepting only
 * the canonical form (one optional trailing newline run) keeps what we parse and what Nix parses
 * the same, and catches hand-edited or truncated files before they are used.
 */
import { KeyFileError } from './key-file-error';

export type KeyKind = 'secret key' | 'public key';

/** What the bytes of each kind hold, for error messages. */
const EXPECTED = {
  'secret key': { bytes: 64, holds: 'the 32-byte seed followed by the 32-byte public key', writtenBy: 'nix key generate-secret' },
  'public key': { bytes: 32, holds: 'the 32-byte Ed25519 public key', writtenBy: 'nix key convert-secret-to-public' },
} as const;

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function keyFormat(kind: KeyKind): string {
  return `NAME:BASE64(${EXPECTED[kind].bytes} bytes) on one line, as \`${EXPECTED[kind].writtenBy}\` writes it`;
}

/** Why `name` cannot be a key name, or undefined when it can. */
export function keyNameProblem(name: string): { rule: 'empty-name' | 'name-has-colon' | 'name-has-white-space'; reason: string } | undefined {
  if (name === '') return { rule: 'empty-name', reason: 'the key name before ":" is empty' };
  if (name.includes(':')) return { rule: 'name-has-colon', reason: 'the key name contains ":", which separates the name from the key' };
  // Nix would take it, but nix.conf's trusted-public-keys is a white-space separated list: a
  // public key with a space in its name could never be trusted.
  if (/\s/.test(name)) return { rule: 'name-has-white-space', reason: 'the key name contains white space, which would split it in trusted-public-keys' };
  return undefined;
}

/**
 * Splits key text into its name and decoded bytes, checking the name, the base64 and the byte
 * count. `path` names the file (or the answer) in errors.
 */
export function parseNamedKeyText(text: string, kind: KeyKind, path: string): { name: string; bytes: Uint8Array } {
  const fail = (rule: KeyFileError['rule'], reason: string): never => {
    throw new KeyFileError(`${path} is not a valid Nix ${kind}: ${reason}. Expected ${keyFormat(kind)}.`, path, rule);
  };
  // `nix key` writes no newline; editors and `echo` add one, and Nix accepts it.
  const line = text.replace(/\n+$/, '');
  if (line === '') fail('missing-colon', 'the file is empty');
  const colon = line.indexOf(':');
  if (colon === -1) fail('missing-colon', 'there is no ":" between the key name and the key');
  const name = line.slice(0, colon);
  const nameProblem = keyNameProblem(name);
  if (nameProblem) fail(nameProblem.rule, nameProblem.reason);
  const encoded = line.slice(colon + 1);
  if (encoded === '') fail('wrong-length', 'there is nothing after ":"');
  // The re-encoding check also refuses stray bits in the last character before the padding.
  if (!CANONICAL_BASE64.test(encoded) || Buffer.from(encoded, 'base64').toString('base64') !== encoded) {
    fail('bad-base64', 'the part after ":" is not base64 (only A-Z a-z 0-9 + / and "=" padding, in groups of 4, on one line)');
  }
  const bytes = new Uint8Array(Buffer.from(encoded, 'base64'));
  const expected = EXPECTED[kind];
  if (bytes.length !== expected.bytes) {
    const hint =
      kind === 'secret key' && bytes.length === 32 ? ' (32 bytes is a public key or a bare seed: is this the public key file?)'
      : kind === 'public key' && bytes.length === 64 ? ' (64 bytes is a secret key: is this the secret key file?)'
      : '';
    fail('wrong-length', `the key holds ${bytes.length} bytes, a Nix ${kind} holds ${expected.bytes}: ${expected.holds}${hint}`);
  }
  return { name, bytes };
}

export function formatNamedKeyText(name: string, bytes: Uint8Array): string {
  return `${name}:${Buffer.from(bytes).toString('base64')}`;
}
