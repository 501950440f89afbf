import { execFile } from 'node:child_process';

/** The local Nix version (`nix --version` → "2.8.0"), or undefined when Nix is not installed. */
export function detectNixVersion(env: Readonly<Record<string, string | undefined>> = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('nix', ['--version'], { timeout: 3000, env: env as NodeJS.ProcessEnv }, (error, stdout) => {
      if (error) return resolve(undefined);
      resolve(/(\d+\.\d+(?:\.\d+)?)/.exec(stdout)?.[1]);
    });
  });
}

/** Nix ≥ 2.33 wants `endpoint=https://host` (a full URL) in s3:// store URLs; older ones the bare host (notes/nix.md). */
export function wantsFullEndpointUrl(version: string | undefined): boolean {
  if (version === undefined) return true; // a machine that installs Nix today gets a current one
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 33);
}
