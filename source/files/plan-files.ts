import { basename } from 'node:path';
import type { Answers } from '../answers/answers';
import type { PlannedFile } from './planned-file';
import { maskKnownSecrets } from './mask-secrets';
import { maskAwsCredentialsSecrets, renderAwsCredentials } from './render-aws-credentials';
import { maskMcConfigSecrets, renderMcConfig } from './render-mc-config';
import { renderNixCacheInfo } from './render-nix-cache-info';
import { renderNixConf } from './render-nix-conf';
import { renderNixosModule } from './render-nixos-module';
import { renderBuilderModule } from './render-builder-module';
import { isPrivateCache } from '../answers/answers';
import { READER_CREDENTIALS_PATH, s3StoreUrl, substituterUrl } from '../nix/cache-urls';
import { renderPublicKeyFile } from './render-public-key-file';
import { maskSecretKeyFile, renderSecretKeyFile } from './render-secret-key-file';
import { renderWritePolicy } from './render-write-policy';
import { type PathBase, outRelativePath, resolveFilePath } from './resolve-file-path';

export interface PlanFilesInput {
  /** resolved answers, every default applied */
  readonly answers: Answers;
  /** what `~` and relative paths mean */
  readonly base: PathBase;
  /** admin keys for the mc config; default `answers.admin` (they may come from env or mc) */
  readonly adminAccessKey?: string | undefined;
  readonly adminSecretKey?: string | undefined;
  /** the builder secret; default `answers.builder.secretKey` (on ceph only known after the user step) */
  readonly builderSecretKey?: string | undefined;
  /** the reader secret (private caches); default `answers.reader.secretKey` (on ceph only known after the reader step) */
  readonly readerSecretKey?: string | undefined;
  /** public keys the module and snippet trust, the current one first (two during a key rotation) */
  readonly publicKeys: readonly string[];
  /** the current public key text for `key.publicFile`; default `publicKeys[0]` */
  readonly publicKeyText?: string | undefined;
  /** the secret key text for `key.secretFile`; the file is never overwritten when it exists */
  readonly secretKeyText?: string | undefined;
  /** default `answers.caFile` */
  readonly caFile?: string | undefined;
  /** the PEM text of `caFile`, inlined in the NixOS module (read by the caller: planning reads nothing) */
  readonly caPem?: string | undefined;
}

const PUBLIC = { mode: 0o644, secret: false } as const;
const SECRET = { mode: 0o600, secret: true } as const;

/**
 * Every generated file of SPEC 4, in the order they are listed. Rendering stays lazy: nothing is
 * read here, the writer passes each file's current content to `render`.
 * The mc config is planned only when `writeMcConfig` is set and the admin keys are known; the AWS
 * credentials only when the builder secret is known; the signing key files only when given.
 */
export function planFiles(input: PlanFilesInput): PlannedFile[] {
  const { answers, base } = input;
  const where = (given: string) => ({ path: resolveFilePath(given, base), outPath: outRelativePath(given, base) });
  const substituters = [substituterUrl(answers)];
  const privateCache = isPrivateCache(answers);
  const publicKeys = input.publicKeys;
  const caFile = input.caFile ?? answers.caFile;
  const adminAccessKey = input.adminAccessKey ?? answers.admin.accessKey;
  const adminSecretKey = input.adminSecretKey ?? answers.admin.secretKey;
  const builderSecretKey = input.builderSecretKey ?? answers.builder.secretKey;
  const readerSecretKey = input.readerSecretKey ?? answers.reader.secretKey;
  const files: PlannedFile[] = [];

  if (answers.writeMcConfig && adminAccessKey !== undefined && adminSecretKey !== undefined) {
    const location = where(answers.files.mcConfig);
    const render = (existing: string | null): string =>
      renderMcConfig(existing, {
        alias: answers.alias,
        url: answers.endpoint,
        accessKey: adminAccessKey,
        secretKey: adminSecretKey,
        path: location.path,
      });
    const mask = (content: string): string => maskKnownSecrets(maskMcConfigSecrets(content), [adminSecretKey]);
    files.push({ id: 'mcConfig', title: `mc config (alias ${answers.alias})`, ...location, ...SECRET, render, renderMasked: (e) => mask(render(e)), maskContent: mask });
  }

  /** An AWS credentials file with `user`'s profile merged into what is there (the builder's, the reader's). */
  const credentialsFile = (id: 'awsCredentials' | 'readerCredentials', title: string, user: Answers['builder'], secret: string): PlannedFile => {
    const location = where(answers.files[id]);
    const render = (existing: string | null): string =>
      renderAwsCredentials(existing, { profile: user.profile, accessKeyId: user.accessKey, secretAccessKey: secret, path: location.path });
    const mask = (content: string): string => maskKnownSecrets(maskAwsCredentialsSecrets(content), [secret]);
    return { id, title, ...location, ...SECRET, render, renderMasked: (e) => mask(render(e)), maskContent: mask };
  };
  if (builderSecretKey !== undefined) {
    files.push(credentialsFile('awsCredentials', `AWS credentials (profile ${answers.builder.profile})`, answers.builder, builderSecretKey));
  }
  if (privateCache && readerSecretKey !== undefined) {
    files.push(
      credentialsFile('readerCredentials', `Reader credentials (profile ${answers.reader.profile}), for ${READER_CREDENTIALS_PATH} on every machine`, answers.reader, readerSecretKey),
    );
  }

  const fixed = (id: PlannedFile['id'], title: string, given: string, text: string): PlannedFile => ({
    id,
    title,
    ...where(given),
    ...PUBLIC,
    render: () => text,
    renderMasked: () => text,
    maskContent: (content) => content,
  });

  const readerCredentialsPath = privateCache ? READER_CREDENTIALS_PATH : undefined;
  const connectTimeout = answers.connectTimeout;
  const moduleText = renderNixosModule({ substituters, publicKeys, caPem: input.caPem, connectTimeout, readerCredentialsPath, fileName: basename(answers.files.nixosModule) });
  files.push(fixed('nixosModule', 'NixOS module', answers.files.nixosModule, moduleText));
  files.push(fixed('nixConf', 'nix.conf snippet', answers.files.nixConf, renderNixConf({ substituters, publicKeys, caFile, connectTimeout, readerCredentialsPath })));
  // The builder module names the files where they really are (not under --out): it runs on the builder.
  const builderModule = renderBuilderModule({
    cacheStore: s3StoreUrl(answers, answers.builder.profile),
    secretKeyFile: resolveFilePath(answers.key.secretFile, base),
    awsCredentialsFile: resolveFilePath(answers.files.awsCredentials, base),
    profile: answers.builder.profile,
    fileName: basename(answers.files.builderModule),
    clientFileName: basename(answers.files.nixosModule),
  });
  files.push(fixed('policy', `Write policy ${answers.policyName} (IAM JSON)`, answers.files.policy, renderWritePolicy(answers.bucket)));
  files.push(fixed('cacheInfo', 'nix-cache-info', answers.files.cacheInfo, renderNixCacheInfo(answers.cacheInfo)));
  files.push(fixed('builderModule', 'NixOS module for the builder (signs and uploads every build)', answers.files.builderModule, builderModule));

  const secretKeyText = input.secretKeyText;
  if (secretKeyText !== undefined) {
    const text = renderSecretKeyFile(secretKeyText);
    files.push({
      id: 'secretKey',
      title: 'Signing secret key',
      ...where(answers.key.secretFile),
      ...SECRET,
      keepExisting: true,
      // An existing secret key is kept as it is (SPEC 3): rendering returns it unchanged.
      render: (existing) => existing ?? text,
      renderMasked: (existing) => maskSecretKeyFile(existing ?? text),
      maskContent: maskSecretKeyFile,
    });
  }
  const publicKeyText = input.publicKeyText ?? publicKeys[0];
  if (publicKeyText !== undefined) {
    files.push(fixed('publicKey', 'Signing public key', answers.key.publicFile, renderPublicKeyFile(publicKeyText)));
  }
  return files;
}
