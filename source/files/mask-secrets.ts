/** What the UI and `preview` print in place of a secret (SPEC 10). */
export const SECRET_MASK = '********';

/**
 * Replaces every occurrence of each known secret in `text` with the mask. Used after a
 * format-aware mask as a second net, so a secret that ends up somewhere unexpected is still hidden.
 */
export function maskKnownSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let masked = text;
  for (const secret of secrets) {
    // Very short strings would mask unrelated text; real secrets are 8 characters or more.
    if (secret !== undefined && secret.length >= 8) masked = masked.split(secret).join(SECRET_MASK);
  }
  return masked;
}
