/** The signing public key file (SPEC 4.7), `NAME:BASE64`, written as source/keys/ gives it. */
export function renderPublicKeyFile(publicKeyText: string): string {
  return publicKeyText;
}
