/**
 * The builder's NixOS module (SPEC 4.8, notes/builder-automation.md): signs every local build
 * (`secret-key-files`, a string path) and uploads every build through a post-build hook that only
 * queues, and a separate service that uploads with retries.
 */
import template from '../../templates/nix-cache-builder.nix.tmpl?raw';
import queueScript from '../../templates/queue-built-paths.sh?raw';
import uploadScript from '../../templates/upload-queued-paths.sh?raw';
import { UsageError } from '../errors';
import { commentText } from './comment-text';
import { fillTemplate } from './fill-template';
import { nixIndentedString, nixString } from './render-nixos-module';

export interface BuilderModuleInput {
  /** the store URL to upload to, without `secret-key=` (the service adds its own copy of the key) */
  readonly cacheStore: string;
  /** absolute path of the signing secret key on the builder */
  readonly secretKeyFile: string;
  /** absolute path of the AWS credentials file holding `profile` on the builder */
  readonly awsCredentialsFile: string;
  readonly profile: string;
  /** this module's file name and the cache module's, for the import line */
  readonly fileName?: string | undefined;
  readonly clientFileName?: string | undefined;
}

/** The post-build hook's script body, as the module embeds it (after its PATH line). */
export const QUEUE_SCRIPT = queueScript;
/** The uploader's script body, as the module embeds it. */
export const UPLOAD_SCRIPT = uploadScript;

/**
 * What a path in this module passes through: nix.conf's `secret-key-files` (values split at white
 * space, `#` starts a comment) and systemd's `LoadCredential=` (`%` starts a specifier: `%h` is a
 * home folder). The module cannot quote for either, so such a path is bad input naming its field,
 * as the nix.conf snippet refuses its values.
 */
function modulePath(path: string, field: string): string {
  const bad = /[\s#%\p{Cc}]/u.exec(path);
  if (bad) {
    const why = bad[0] === '%' ? 'systemd reads "%" as the start of a specifier' : bad[0] === '#' ? 'nix.conf reads the rest after "#" as a comment' : 'nix.conf splits values at white space';
    throw new UsageError(`${field}: ${JSON.stringify(path)} cannot go into the builder module: it contains ${JSON.stringify(bad[0])} (${why}); choose a path without white space, "#" or "%"`, field, [
      { field, message: `contains ${JSON.stringify(bad[0])}, which the builder module cannot hold (${why})` },
    ]);
  }
  return path;
}

export function renderBuilderModule(input: BuilderModuleInput): string {
  const secretKeyFile = modulePath(input.secretKeyFile, 'key.secretFile');
  const awsCredentialsFile = modulePath(input.awsCredentialsFile, 'files.awsCredentials');
  return fillTemplate(template, {
    fileName: commentText(input.fileName ?? 'nix-cache-builder.nix'),
    clientFileName: commentText(input.clientFileName ?? 'nix-cache.nix'),
    storeComment: commentText(input.cacheStore),
    secretKeyComment: commentText(input.secretKeyFile),
    credentialsComment: commentText(input.awsCredentialsFile),
    profileComment: commentText(input.profile),
    secretKeyFile: nixString(secretKeyFile),
    awsCredentialsFile: nixString(awsCredentialsFile),
    cacheStore: nixString(input.cacheStore),
    queueScript: nixIndentedString(queueScript, 4),
    uploadScript: nixIndentedString(uploadScript, 4),
  });
}
