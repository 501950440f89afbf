import { SECRET_MASK } from './mask-secrets';

/**
 * The signing secret key file (SPEC 3, 4.7). The text comes from source/keys/ exactly as
 * `nix key generate-secret` writes it, and is written as given.
 */
export function renderSecretKeyFile(secretKeyText: string): string {
  return secretKeyText;
}

/** `NAME:********`: the key name is not secret and tells which key it is. */
export function maskSecretKeyFile(content: string): string {
  const trailingNewline = /\r?\n$/.exec(content)?.[0] ?? '';
  const colon = content.indexOf(':');
  return (colon < 0 ? '' : content.slice(0, colon + 1)) + SECRET_MASK + trailingNewline;
}
