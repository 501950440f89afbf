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
