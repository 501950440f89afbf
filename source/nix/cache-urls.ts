/**
 * The URLs machines reach the cache by (notes/nix.md, "Uploading" and "Private caches").
 *
 * `endpoint=` is always the FULL URL (scheme, host, port): Nix up to 2.32 hands it to the AWS
 * SDK, which takes the scheme from it, and Nix 2.33+ parses it as a URL, where a bare `host:port`
 * silently becomes scheme `host`. `scheme=` is never written: 2.33+ ignores it and master
 * deprecates it.
 */
import type { Answers } from '../answers/answers';
import { isPrivateCache } from '../answers/answers';

/**
 * Where the machines' nix-daemon reads the reader's credentials on a private cache: root-only,
 * outside the Nix store (everything in the store is world-readable), the same path on NixOS and
 * elsewhere so one set of instructions fits every machine.
 */
export const READER_CREDENTIALS_PATH = '/etc/nix/nix-cache-reader.credentials';

/** `s3://BUCKET?profile=P&endpoint=<full URL>[&region=R][&secret-key=PATH]` */
export function s3StoreUrl(
  answers: Pick<Answers, 'bucket' | 'endpoint' | 'region'>,
  profile: string,
  options: { readonly secretKeyFile?: string | undefined } = {},
): string {
  const params = [`profile=${profile}`, `endpoint=${answers.endpoint}`];
  if (answers.region !== 'us-east-1') params.push(`region=${answers.region}`);
  // The singular `secret-key=`: `secret-keys=` exists only since Nix 2.29, and older versions
  // ignore it with a warning and upload unsigned paths.
  if (options.secretKeyFile !== undefined) params.push(`secret-key=${options.secretKeyFile}`);
  return `s3://${answers.bucket}?${params.join('&')}`;
}

/**
 * The substituter the machines use: `<endpoint>/<bucket>` for a public cache (anonymous GET);
 * for a private one an `s3://` URL with the reader's profile, since an https substituter cannot
 * sign requests and a private bucket answers its nix-cache-info with 403 (Nix then drops it).
 */
export function substituterUrl(answers: Pick<Answers, 'anonymous' | 'bucket' | 'endpoint' | 'region' | 'reader'>): string {
  return isPrivateCache(answers) ? s3StoreUrl(answers, answers.reader.profile) : `${answers.endpoint}/${answers.bucket}`;
}
