/**
 * What this machine's Nix can do for the cache, asked of the real `nix` rather than guessed from
 * its version: distributions build Nix without S3 support (Debian's nix-bin 2.8 has none, Nix
 * 2.28.0 compiled it out), and such a Nix can neither upload with `nix copy --to s3://…` nor read
 * a private cache (notes/nix.md).
 */
import { nixMessage, runNix } from './run-nix';

export type NixS3Support =
  | { readonly kind: 'no-nix' }
  | { readonly kind: 'supported'; readonly version: string }
  | { readonly kind: 'unsupported'; readonly version: string; readonly message: string };

/** Nix's words when it has no store implementation for a URL scheme (2.8: "…store 's3://…'"; later: "…with scheme 's3'"). */
const NO_STORE_FOR_SCHEME = /don't know how to open Nix store/;

/** A store URL nothing answers at (the discard port), so a Nix with S3 support fails fast at connecting, never reaching anyone. */
const PROBE_STORE = 's3://nix-cache-wizard-probe?endpoint=http://127.0.0.1:9';

/**
 * Opens an s3:// store with the local Nix. A Nix without S3 refuses the URL at once; one with S3
 * support gets further (a refused connection, or still trying when the probe's time is up):
 * either way it knows the scheme. Dummy keys and no instance metadata keep the AWS SDK from
 * looking for credentials anywhere else.
 */
export async function probeNixS3Support(env: Readonly<Record<string, string | undefined>>, timeoutMs = 10_000): Promise<NixS3Support> {
  const probeEnv: NodeJS.ProcessEnv = {
    ...(env as NodeJS.ProcessEnv),
    AWS_ACCESS_KEY_ID: 'nix-cache-wizard-probe',
    AWS_SECRET_ACCESS_KEY: 'nix-cache-wizard-probe',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete probeEnv['AWS_PROFILE'];
  const version = await runNix(['--version'], probeEnv, timeoutMs);
  if (version.missing) return { kind: 'no-nix' };
  const versionText = version.stdout.trim().replace(/^nix \(Nix\) /, '') || 'of unknown version';
  // One attempt: a Nix that knows s3:// would otherwise retry the refused connection for seconds.
  const ping = await runNix(['--option', 'download-attempts', '1', 'store', 'ping', '--store', PROBE_STORE], probeEnv, timeoutMs);
  const message = nixMessage(ping.stderr);
  // Nix's own words, with the probe's made-up URL left out.
  if (NO_STORE_FOR_SCHEME.test(message)) return { kind: 'unsupported', version: versionText, message: message.replaceAll(PROBE_STORE, 's3://…') };
  return { kind: 'supported', version: versionText };
}

/**
 * What works on the machines when a Nix cannot open s3:// stores, said the same way by the end
 * screen and by verify.
 */
export function nixWithoutS3Advice(privateCache: boolean): string[] {
  return [
    "What works instead: on a NixOS builder, the builder module uploads every build by itself (NixOS builds Nix with S3 support); elsewhere, a Nix with S3 support (the nixos.org installer's, or nixpkgs' nix).",
    privateCache
      ? 'This cache is private: every machine that substitutes from it needs a Nix with S3 support (NixOS with the module has one; a Nix like this one cannot read the cache at all); the builder needs one only to upload by hand.'
      : 'Machines that only substitute need none: they read this public cache over https.',
  ];
}
