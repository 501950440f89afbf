import template from '../../templates/nixos-module.nix.tmpl?raw';
import { quoteForShell } from '../text/quote-for-shell';
import { commentLine, commentText } from './comment-text';
import { fillTemplate } from './fill-template';

export interface NixosModuleInput {
  /** binary cache URLs: `<endpoint>/<bucket>`, or an `s3://…&profile=READER` URL for a private cache */
  readonly substituters: readonly string[];
  /** public keys `NAME:BASE64`; two while a rotated key is phased in (SPEC 8) */
  readonly publicKeys: readonly string[];
  /** the PEM text of a private CA to trust (inlined, never a path: notes/nix.md) */
  readonly caPem?: string | undefined;
  /** seconds for `connect-timeout`; null or absent leaves Nix's default */
  readonly connectTimeout?: number | null | undefined;
  /** private cache: where the nix-daemon reads the reader's credentials (root-only, outside the store) */
  readonly readerCredentialsPath?: string | undefined;
  /** the module's file name, for the import line of the header comment [`nix-cache.nix`] */
  readonly fileName?: string | undefined;
}

/**
 * A Nix double-quoted string literal. `\`, `"` and `${` are the characters the Nix lexer gives
 * a meaning inside "…"; newline, CR and tab are escaped so a literal never spans lines.
 */
export function nixString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$\{/g, '\\${')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/**
 * The text of an indented string literal. Nix's lexer reads `'''` as `''`, `''$` as `$` and
 * `''\X` as X, and ends the string at any other `''`. Greedy matching means a lone `'` right
 * before an escape would join it (`'` + `''${` lexes as `'''` + `${`), so such a `'` is written
 * `''\'`.
 */
function escapeIndentedString(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" && text[i + 1] === "'") {
      out += "'''";
      i++;
    } else if (c === "'" && text.startsWith('${', i + 1)) {
      out += "''\\'";
    } else if (c === '$' && text[i + 1] === '{') {
      out += "''$";
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * A Nix indented string (`''…''`) whose value is exactly `text` (a final newline is added if missing),
 * each line indented by `indent` spaces, which Nix strips again. Inside it `''` and `${` are the
 * only sequences with a meaning; they are written `'''` and `''${`. A tab in the indentation is
 * not stripped by Nix, so lines are indented with spaces only.
 */
export function nixIndentedString(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const body = escapeIndentedString(text.endsWith('\n') ? text : `${text}\n`)
    .split('\n')
    .map((line, index, all) => (index === all.length - 1 ? line : `${pad}${line}`))
    .join('\n');
  // The closing `''` on its own line keeps the final newline and adds no indentation of its own.
  return `''\n${body}${pad.slice(2)}''`;
}

function listItems(values: readonly string[]): string {
  return values.map((value) => `    ${nixString(value)}`).join('\n');
}

/** The certificates of a PEM bundle, each `-----BEGIN CERTIFICATE-----…-----END CERTIFICATE-----\n`. */
export function pemCertificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => `${m[0].replace(/\r\n/g, '\n')}\n`);
}

/** The NixOS module of SPEC 4.3. */
export function renderNixosModule(input: NixosModuleInput): string {
  const connectTimeout =
    input.connectTimeout === null || input.connectTimeout === undefined
      ? ''
      : [
          `  # Give up on a cache that does not answer within ${input.connectTimeout} s instead of Nix's default of`,
          '  # none (curl then waits up to 5 minutes), so a LAN cache that is down does not stall every',
          '  # build. It applies to every download; mkDefault lets your own setting win.',
          `  nix.settings.connect-timeout = lib.mkDefault ${input.connectTimeout};`,
          '',
        ].join('\n');
  const readerCredentials =
    input.readerCredentialsPath === undefined
      ? ''
      : [
          '  # A private cache: the nix-daemon (root) reads it with the reader\'s keys, from a root-only',
          '  # file that is not in the Nix store (only this path is).',
          `  systemd.services.nix-daemon.environment.AWS_SHARED_CREDENTIALS_FILE = ${nixString(input.readerCredentialsPath)};`,
          '',
        ].join('\n');
  const certificates =
    input.caPem === undefined
      ? ''
      : [
          "  # The endpoint's certificate is signed by a private CA, whose certificate (public) is",
          '  # inlined: a path would be read inside the build sandbox, and would not exist on the',
          '  # other machines this module is copied to.',
          '  security.pki.certificates = [',
          ...pemCertificates(input.caPem).map((cert) => `    ${nixIndentedString(cert, 6)}`),
          '  ];',
          '',
        ].join('\n');
  const privateNote =
    input.readerCredentialsPath === undefined
      ? ''
      : [
          '# This cache is private. Before rebuilding, put the reader credentials file written next to',
          '# this module on the machine, readable by root only:',
          commentLine(`  sudo install -D -m 0600 -o root -g root nix-cache-reader.credentials ${quoteForShell(input.readerCredentialsPath)}`),
          '',
        ].join('\n');
  return fillTemplate(template, {
    substituters: listItems(input.substituters),
    publicKeys: listItems(input.publicKeys),
    connectTimeout,
    readerCredentials,
    certificates,
    privateNote,
    fileName: commentText(input.fileName ?? 'nix-cache.nix'),
  });
}
