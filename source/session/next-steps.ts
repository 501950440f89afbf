/**
 * What to do after a run (SPEC 4, end), ready to paste, each command working as printed on a
 * stock Nix or NixOS (notes/nix.md): `nix-command` enabled on the command line (it is off by
 * default), `sudo` wherever root is needed and nowhere else, the full-URL `endpoint=` form, and
 * signing during the upload (`secret-key=`), since a separate `nix store sign` needs root or a
 * trusted user.
 */
import { isAbsolute, relative } from 'node:path';
import type { Answers } from '../answers/answers';
import { isPrivateCache } from '../answers/answers';
import type { FileId, FileReport } from '../files/planned-file';
import { commentLine } from '../files/comment-text';
import { daemonCredentialsSteps, systemTrustStoreSteps } from '../files/render-nix-conf';
import { READER_CREDENTIALS_PATH, s3StoreUrl, substituterUrl } from '../nix/cache-urls';
import { nixWithoutS3Advice, type NixS3Support } from '../nix/local-nix';
import { wizardCommandLine } from '../text/wizard-command';
import { quoteForShell } from '../text/quote-for-shell';

/** Where one file is: `real` is its place on this machine, `written` where this run put it (under --out). */
export interface FilePlace {
  readonly real: string;
  readonly written: string;
}

export interface NextStepsInput {
  readonly answers: Answers;
  readonly files: Partial<Record<FileId, FilePlace>>;
  readonly cwd: string;
  readonly home: string;
  /** the machine's nix.conf as it is now, its includes inlined (null: missing or unreadable), so a change is offered only while needed */
  readonly systemNixConf: string | null;
  /** the public keys the snippet trusts */
  readonly publicKeys: readonly string[];
  /** whether this machine's Nix can open s3:// stores [not asked] */
  readonly nixS3?: NixS3Support | undefined;
  /**
   * After a setup has run: the environment the wizard was started in, so the last line suggests
   * checking the whole setup with `verify`, spelled the way the user started the wizard [no such line]
   */
  readonly verifyWith?: Readonly<Record<string, string | undefined>>;
}

/**
 * Where the snippet is installed on a machine without NixOS. An `!include` of an installed copy,
 * rather than appending its lines, makes both commands safe to paste again: `install` replaces
 * the copy (a rotated key's snippet replaces the old one), and the include line is added only when
 * missing, so nix.conf never gets the lines twice.
 */
export const INSTALLED_NIX_CONF = '/etc/nix/nix-cache.conf';
const INCLUDE_LINE = `!include ${INSTALLED_NIX_CONF}`;

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

/** `s3://BUCKET?profile=P&endpoint=<full URL>[&region=R]&secret-key=KEY` for a one-off `nix copy --to`. */
export function nixCopyStoreUrl(answers: Answers, secretKeyFile: string): string {
  return s3StoreUrl(answers, answers.builder.profile, { secretKeyFile });
}

/** True when the machine's nix.conf already holds the snippet's settings (this substituter and every key). */
export function nixConfListsCache(nixConf: string | null, substituter: string, publicKeys: readonly string[]): boolean {
  if (nixConf === null) return false;
  const values = (name: string): string[] =>
    nixConf
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter((line) => new RegExp(`^(extra-)?${name}\\s*=`).test(line))
      .flatMap((line) => line.replace(/^[^=]*=/, '').trim().split(/\s+/));
  return values('substituters').includes(substituter) && publicKeys.every((key) => values('trusted-public-keys').includes(key));
}

export function nextSteps(input: NextStepsInput): string[] {
  const { answers, cwd, home } = input;
  const place = (id: FileId): FilePlace | undefined => input.files[id];
  const written = (id: FileId): string => shown(place(id)?.written ?? '', cwd, home);
  const base = (path: string): string => path.replace(/^.*\//, '');
  const module = place('nixosModule');
  const builderModule = place('builderModule');
  const privateCache = isPrivateCache(answers);
  const lines: string[] = [];
  // Every comment line goes through commentLine, every value in a command through quoteForShell:
  // a file name holding a newline or `$(…)` can neither end the comment nor run when pasted.
  const comment = (text: string) => lines.push(commentLine(text));
  const command = (text: string) => lines.push(text);
  const withoutS3 = input.nixS3?.kind === 'unsupported' ? input.nixS3 : undefined;

  if (withoutS3) {
    comment(
      `This machine's Nix ${withoutS3.version} cannot open s3:// stores: it was built without S3 support (${withoutS3.message}), so nix copy --to s3://… fails here${privateCache ? ' and it cannot read this private cache' : ''}.`,
    );
    for (const sentence of nixWithoutS3Advice(privateCache)) comment(sentence);
  }

  const moduleName = base(module?.real ?? 'nix-cache.nix');
  comment(`Every NixOS machine: copy ${written('nixosModule')} next to configuration.nix, add it to imports = [ ./${moduleName} ];`);
  if (privateCache) {
    comment('this cache is private: first install the reader\'s credentials there, readable by root only:');
    command(`sudo install -D -m 0600 -o root -g root ${quoteForShell(written('readerCredentials'))} ${READER_CREDENTIALS_PATH}`);
  }
  command('sudo nixos-rebuild switch');

  if (builderModule) {
    const key = place('secretKey');
    const credentials = place('awsCredentials');
    comment(
      `The NixOS builder: also copy ${written('builderModule')} there and import it (imports = [ ./${moduleName} ./${base(builderModule.real)} ]); it signs and uploads every build by itself, then:`,
    );
    const moved = [key, credentials].filter((p): p is FilePlace => p !== undefined && p.real !== p.written);
    for (const file of moved) command(`sudo install -D -m 0600 ${quoteForShell(file.written)} ${quoteForShell(file.real)}`);
    command('sudo nixos-rebuild switch');
  }

  const substituter = substituterUrl(answers);
  comment(`Nix without NixOS${privateCache ? ' (with S3 support: the cache is private)' : ''}: the daemon (root) reads the settings from its nix.conf, then restarts:`);
  if (nixConfListsCache(input.systemNixConf, substituter, input.publicKeys)) {
    comment('(/etc/nix/nix.conf already lists this cache and its key: nothing to add)');
  } else {
    command(`sudo install -D -m 0644 ${quoteForShell(written('nixConf'))} ${INSTALLED_NIX_CONF}`);
    command(`grep -qsxF ${quoteForShell(INCLUDE_LINE)} /etc/nix/nix.conf || echo ${quoteForShell(INCLUDE_LINE)} | sudo tee -a /etc/nix/nix.conf > /dev/null`);
  }
  if (answers.caFile !== undefined) {
    comment(`trust the private CA (Debian/Ubuntu; ${written('nixConf')} lists the others):`);
    command(systemTrustStoreSteps(answers.caFile)[0]!.replace(/^[^:]*:\s*/, ''));
  }
  if (privateCache) {
    comment(`give the daemon the reader's credentials (systemd; ${written('nixConf')} says how on macOS):`);
    command(`sudo install -D -m 0600 -o root ${quoteForShell(written('readerCredentials'))} ${READER_CREDENTIALS_PATH}`);
    command(daemonCredentialsSteps(READER_CREDENTIALS_PATH)[0]!.replace(/^[^:]*:\s*/, ''));
  }
  command('sudo systemctl restart nix-daemon   # macOS: sudo launchctl kickstart -k system/org.nixos.nix-daemon');

  // A one-off upload runs as the user, who owns the key and the AWS profile: no root needed.
  const key = place('secretKey');
  const credentials = place('awsCredentials');
  const keyPath = key?.written ?? '';
  const defaultCredentials = `${home}/.aws/credentials`;
  const credentialsPrefix =
    credentials !== undefined && credentials.written !== defaultCredentials ? `AWS_SHARED_CREDENTIALS_FILE=${quoteForShell(credentials.written)} ` : '';
  comment(
    `Upload by hand (a builder without the module${withoutS3 ? ', whose Nix has S3 support: not this machine' : ''}): sign while uploading, as the ${answers.builder.profile} profile; ./result is what nix-build made:`,
  );
  command(`${credentialsPrefix}nix --extra-experimental-features nix-command copy --to ${quoteForShell(nixCopyStoreUrl(answers, keyPath))} ./result`);
  if (withoutS3) {
    // What works with this very Nix (notes/nix.md): sign into a local binary cache, then upload its
    // files with the aws CLI as the builder. Like Nix's S3 store, which writes nix-cache-info only
    // into a bucket without one, it never replaces the bucket's (Priority, WantMassQuery).
    const folder = `${home}/.cache/nix-cache-upload/${answers.bucket}`;
    const tls = answers.caFile !== undefined ? ` --ca-bundle ${quoteForShell(answers.caFile)}` : answers.insecure ? ' --no-verify-ssl' : '';
    comment(`With this machine's Nix: sign into a local binary cache, then upload its files with the aws CLI as the ${answers.builder.profile} profile, keeping the bucket's nix-cache-info:`);
    command(`nix --extra-experimental-features nix-command copy --to ${quoteForShell(`file://${folder}?secret-key=${keyPath}`)} ./result`);
    command(
      `${credentialsPrefix}aws --profile ${quoteForShell(answers.builder.profile)} --endpoint-url ${quoteForShell(answers.endpoint)} --region ${quoteForShell(answers.region)}${tls} s3 cp --recursive --only-show-errors --exclude nix-cache-info ${quoteForShell(folder)} ${quoteForShell(`s3://${answers.bucket}`)}`,
    );
  }
  if (input.verifyWith) {
    comment('Check the whole setup at any time (read-only: the server, the files, the keys and this machine\'s Nix):');
    command(wizardCommandLine(input.verifyWith, 'verify'));
  }
  return lines;
}

/**
 * The next steps for files as just written (or previewed). `reports` are in the order of
 * `files`, as writePlannedFiles returns them; a report's path is where the file went (under --out).
 */
export function nextStepsForFiles(input: {
  readonly answers: Answers;
  readonly files: readonly { readonly id: FileId; readonly path: string }[];
  readonly reports: readonly FileReport[];
  readonly cwd: string;
  readonly home: string;
  readonly systemNixConf: string | null;
  readonly publicKeys: readonly string[];
  readonly nixS3?: NixS3Support | undefined;
  readonly verifyWith?: Readonly<Record<string, string | undefined>>;
}): string[] {
  const places: Partial<Record<FileId, FilePlace>> = {};
  input.files.forEach((file, index) => {
    places[file.id] = { real: file.path, written: input.reports[index]?.path ?? file.path };
  });
  return nextSteps({ ...input, files: places });
}
