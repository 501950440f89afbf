/**
 * A generated file in the plan (SPEC 4). Rendering is pure: given what is on disk now, it says
 * what will be there after the write. Writing is done by `write-planned-files.ts`.
 */
export type FileId =
  | 'mcConfig'
  | 'awsCredentials'
  | 'nixosModule'
  | 'nixConf'
  | 'policy'
  | 'cacheInfo'
  | 'builderModule'
  | 'readerCredentials'
  | 'secretKey'
  | 'publicKey'
  /** the remembered answers of a setup (source/state/remembered-answers.ts), not a generated file */
  | 'rememberedAnswers';

/** The answer that names each file, for messages that must name the field (SPEC 2). */
export const FILE_FIELDS: Readonly<Record<string, string>> = {
  mcConfig: 'files.mcConfig',
  awsCredentials: 'files.awsCredentials',
  nixosModule: 'files.nixosModule',
  nixConf: 'files.nixConf',
  policy: 'files.policy',
  cacheInfo: 'files.cacheInfo',
  secretKey: 'key.secretFile',
  publicKey: 'key.publicFile',
};

export function fileField(id: string): string {
  return FILE_FIELDS[id] ?? `files.${id}`;
}

export type FileAction = 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update';

export interface PlannedFile {
  readonly id: FileId;
  /** a short title for lists, e.g. "AWS credentials (profile nixbuilder)" */
  readonly title: string;
  /** the real absolute path (`~` expanded, relative paths resolved against the working directory) */
  readonly path: string;
  /** 0o600 for files holding a secret, else 0o644 */
  readonly mode: number;
  /** true when the content holds a secret: mode 0600, an existing file's mode is tightened */
  readonly secret: boolean;
  /**
   * Where the file goes under `--out DIR`, relative to DIR (SPEC 4: `~/x` → `home/x`, `x` → `x`,
   * `/x` → `x`). Needed because `path` no longer says whether it was given with `~`. When absent,
   * the writer derives it from `path` (under the working directory, else under home, else absolute).
   */
  readonly outPath?: string;
  /**
   * The complete content to write, given the current content (null when the file is missing).
   * Merges keep everything that is not ours. Throws `FileParseError` when the current content
   * cannot be parsed.
   */
  render(existing: string | null): string;
  /** The same as `render`, with every secret replaced by a mask, for display. */
  renderMasked(existing: string | null): string;
  /**
   * Masks every secret in any content of this file, such as the current file on disk, so the UI
   * can show a diff with secrets masked on both sides. Never throws, even on unparsable content.
   */
  maskContent?(content: string): string;
  /** true for the signing secret key: an existing file is never overwritten */
  readonly keepExisting?: boolean;
}

export interface FileReport {
  readonly path: string;
  readonly action: FileAction;
}
