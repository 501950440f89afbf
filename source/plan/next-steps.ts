/**
 * What to do after a run (SPEC 4, end), ready to paste: trust the cache on every machine, sign
 * what is built, upload it.
 */
import { basename, isAbsolute, relative } from 'node:path';
import type { Answers } from '../answers/answers';
import type { FileId, FileReport } from '../files/planned-file';
import { wantsFullEndpointUrl } from '../nix/detect-nix-version';
import { quoteForShell } from '../output/quote-for-shell';

export interface NextStepsInput {
  readonly answers: Answers;
  /** where the files are (real paths, or under --out), absolute */
  readonly nixosModulePath: string;
  readonly nixConfPath: string;
  readonly secretKeyPath: string;
  readonly cwd: string;
  readonly home: string;
  /** the local Nix version, if installed; picks the endpoint form of the s3:// URL */
  readonly nixVersion: string | undefined;
}

function inside(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
}

/** A path as the user would type it: `./x` under the working directory, `~/x` under home. */
function shown(path: string, cwd: string, home: string): string {
  if (!isAbsolute(path)) return path;
  const underCwd = inside(cwd, path);
  const underHome = inside(home, path);
  if (underHome !== undefined && (underCwd === undefined || home.length > cwd.length)) return `~/${underHome}`;
  return underCwd !== undefined ? `./${underCwd}` : path;
}

/** `s3://BUCKET?profile=P&endpoint=…` for `nix copy --to` (notes/nix.md). */
export function nixCopyStoreUrl(answers: Answers, nixVersion: string | undefined): string {
  const url = new URL(answers.endpoint);
  const endpoint = wantsFullEndpointUrl(nixVersion) ? answers.endpoint : url.host;
  const params = [`profile=${answers.builder.profile}`, `endpoint=${endpoint}`];
  if (answers.region !== 'us-east-1') params.push(`region=${answers.region}`);
  if (url.protocol === 'http:') params.push('scheme=http');
  return `s3://${answers.bucket}?${params.join('&')}`;
}

export function nextSteps(input: NextStepsInput): string[] {
  const { answers, cwd, home } = input;
  const module = shown(input.nixosModulePath, cwd, home);
  const conf = shown(input.nixConfPath, cwd, home);
  const key = shown(input.secretKeyPath, cwd, home);
  return [
    `# NixOS: copy ${basename(module)} next to configuration.nix, add it to imports = [ ./${basename(module)} ]; then:`,
    'sudo nixos-rebuild switch',
    `# Nix on another system: append the snippet to nix.conf (as root), then restart nix-daemon:`,
    `cat ${quoteForShell(conf)} | sudo tee -a /etc/nix/nix.conf`,
    `# On the builder: sign what you built, then upload it with the ${answers.builder.profile} profile:`,
    `nix store sign --recursive --key-file ${quoteForShell(key)} /run/current-system`,
    `nix copy --to ${quoteForShell(nixCopyStoreUrl(answers, input.nixVersion))} /run/current-system`,
  ];
}

/**
 * The next steps for files as just written (or previewed): each path is where the file went,
 * under --out when given. `reports` are in the order of `files`, as writePlannedFiles returns them.
 */
export function nextStepsForFiles(input: {
  readonly answers: Answers;
  readonly files: readonly { readonly id: FileId; readonly path: string }[];
  readonly reports: readonly FileReport[];
  readonly cwd: string;
  readonly home: string;
  readonly nixVersion: string | undefined;
}): string[] {
  const pathOf = (id: FileId): string => {
    const index = input.files.findIndex((file) => file.id === id);
    return input.reports[index]?.path ?? input.files[index]?.path ?? '';
  };
  return nextSteps({
    answers: input.answers,
    nixosModulePath: pathOf('nixosModule'),
    nixConfPath: pathOf('nixConf'),
    secretKeyPath: pathOf('secretKey'),
    cwd: input.cwd,
    home: input.home,
    nixVersion: input.nixVersion,
  });
}
