/**
 * The builder's NixOS module (SPEC 4.8, notes/builder-automation.md): signs every local build
 * (`secret-key-files`, a string path) and uploads every build through a post-build hook that only
 * queues, and a separate service that uploads with retries.
 */
import template from '../../templates/nix-cache-builder.nix.tmpl?raw';
import queueScript from '../../templates/queue-built-paths.sh?raw';
import uploadScript from '../../templates/upload-queued-paths.sh?raw';
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

export function renderBuilderModule(input: BuilderModuleInput): string {
  return fillTemplate(template, {
    fileName: commentText(input.fileName ?? 'nix-cache-builder.nix'),
    clientFileName: commentText(input.clientFileName ?? 'nix-cache.nix'),
    storeComment: commentText(input.cacheStore),
    secretKeyComment: commentText(input.secretKeyFile),
    credentialsComment: commentText(input.awsCredentialsFile),
    profileComment: commentText(input.profile),
    secretKeyFile: nixString(input.secretKeyFile),
    awsCredentialsFile: nixString(input.awsCredentialsFile),
    cacheStore: nixString(input.cacheStore),
    queueScript: nixIndentedString(queueScript, 4),
    uploadScript: nixIndentedString(uploadScript, 4),
  });
}
