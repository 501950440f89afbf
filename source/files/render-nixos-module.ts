import template from '../../templates/nixos-module.nix.tmpl?raw';
import { commentText } from './comment-text';
import { fillTemplate } from './fill-template';

export interface NixosModuleInput {
  /** binary cache URLs, `<endpoint>/<bucket>` */
  readonly substituters: readonly string[];
  /** public keys `NAME:BASE64`; two while a rotated key is phased in (SPEC 8) */
  readonly publicKeys: readonly string[];
  /** absolute path of a PEM file of a private CA to trust */
  readonly caFile?: string | undefined;
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

function listItems(values: readonly string[]): string {
  return values.map((value) => `    ${nixString(value)}`).join('\n');
}

/** The NixOS module of SPEC 4.3. */
export function renderNixosModule(input: NixosModuleInput): string {
  // The CA file is a string, not a Nix path literal: a path literal would copy the file into the
  // world-readable store at evaluation time and breaks on names with spaces; NixOS's
  // `certificateFiles` (list of paths) accepts an absolute path string.
  const certificateFiles =
    input.caFile === undefined ? '' : `  security.pki.certificateFiles = [ ${nixString(input.caFile)} ];\n`;
  return fillTemplate(template, {
    substituters: listItems(input.substituters),
    publicKeys: listItems(input.publicKeys),
    certificateFiles,
    fileName: commentText(input.fileName ?? 'nix-cache.nix'),
  });
}
