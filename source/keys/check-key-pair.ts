/**
 * Whether a secret key file and a public key file belong together (SPEC 6, verify): same name,
 * same public key, and a test message signed with one verifies with the other. Comparing bytes
 * alone would trust our own derivation; signing checks what Nix will actually do.
 */
import { signDetached, verifyDetached } from './detached-signature';
import type { NixPublicKey } from './nix-public-key';
import type { NixSecretKey } from './nix-secret-key';

export type KeyPairCheck = { readonly ok: true } | { readonly ok: false; readonly problem: string };

const TEST_MESSAGE = 'nix-cache-wizard key pair check';

export function checkKeyPair(secretKey: NixSecretKey, publicKey: NixPublicKey): KeyPairCheck {
  if (secretKey.name !== publicKey.name) {
    // Key names are public (they are in every Sig line), so naming them is safe.
    return { ok: false, problem: `the public key is named "${publicKey.name}" but the secret key "${secretKey.name}"; Nix matches signatures to keys by name` };
  }
  const sameBytes = publicKey.bytes.length === secretKey.publicKeyBytes.length && publicKey.bytes.every((b, i) => b === secretKey.publicKeyBytes[i]);
  if (!sameBytes || !verifyDetached(signDetached(secretKey, TEST_MESSAGE), TEST_MESSAGE, publicKey)) {
    return { ok: false, problem: 'the public key is not the one of the secret key: signatures made with the secret key would not verify' };
  }
  return { ok: true };
}
