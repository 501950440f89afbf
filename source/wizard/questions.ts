/**
 * The questions of the setup wizard, in order, as data. The full-screen UI and the plain prompts
 * (`--plain`) walk this same table, so they ask the same things in the same order. No React here:
 * the plain prompts import it too.
 *
 * Each question belongs to one wizard step (the list on the left of the UI), names the answer field
 * it fills (SPEC 2) and says when it applies. A step whose questions all do not apply (the policy on
 * Ceph or plain S3) is shown as not needed and skipped.
 */
import type { AnswersInput } from '../answers/answers-schema';
import { backendOf } from '../answers/answer-defaults';
import { validateAnswerField } from '../answers/resolve-answers';
import { getField, setField } from '../answers/answer-fields';
import { endpointOfAlias, offeredAliases, type McAliasEntry } from './mc-alias-choices';

export type WizardStepId =
  | 'connection'
  | 'backend'
  | 'bucket'
  | 'builder-user'
  | 'builder-secret'
  | 'policy'
  | 'anonymous'
  | 'cache-info'
  | 'signing-key'
  | 'expiry'
  | 'files'
  | 'review'
  | 'apply';

export interface WizardStepInfo {
  readonly id: WizardStepId;
  readonly title: string;
  /** one or two sentences: why the step exists */
  readonly why: string;
}

export const WIZARD_STEPS: readonly WizardStepInfo[] = [
  {
    id: 'connection',
    title: 'connection',
    why: 'The wizard talks to your object store as its admin to create the bucket, the builder user and the policies. Nothing changes until you confirm on the review screen.',
  },
  {
    id: 'backend',
    title: 'backend',
    why: 'MinIO and Ceph RGW can create users; on any other S3 store the builder keys are made elsewhere and only the bucket is set up. The connection is tested before going on.',
  },
  {
    id: 'bucket',
    title: 'bucket',
    why: 'Every NAR and .narinfo lives in one bucket; machines read it as <endpoint>/<bucket>.',
  },
  {
    id: 'builder-user',
    title: 'builder user',
    why: 'A separate user that can upload but not delete, so a leaked builder key cannot wipe the cache. Nix finds its keys through the AWS profile.',
  },
  {
    id: 'builder-secret',
    title: 'builder secret',
    // Said for every backend: on Ceph the server makes the secret (the notice says so), elsewhere the wizard draws it.
    why: 'The builder user uploads with a secret of its own, which is written only to your AWS credentials file (mode 0600).',
  },
  {
    id: 'policy',
    title: 'policy',
    why: 'The write policy lets the builder put and read objects and list the bucket, and nothing else (no delete).',
  },
  {
    id: 'anonymous',
    title: 'anonymous access',
    why: 'Machines download without credentials. Nix only ever GETs objects by name and needs no listing, so anonymous GetObject alone is enough and keeps the contents from being enumerated.',
  },
  {
    id: 'cache-info',
    title: 'cache-info',
    why: 'nix-cache-info tells Nix the store path and the priority of this cache. 30 puts it before cache.nixos.org (40), so your builds are fetched from here first.',
  },
  {
    id: 'signing-key',
    title: 'signing key',
    why: 'Nix trusts a binary cache only for paths signed with a key it knows. An existing secret key file is reused, never overwritten.',
  },
  {
    id: 'expiry',
    title: 'expiry',
    why: 'Optionally let the store delete old uploads. The rules never expire nix-cache-info, and NARs outlive the .narinfo files that point at them by 31 days, longer than a machine trusts a .narinfo it has seen (30 days). They go by age alone: for a closure-safe alternative, leave this empty and run `prune`.',
  },
  {
    id: 'files',
    title: 'files',
    why: 'Where the generated files go. Existing files are merged (other aliases and profiles stay), backed up before a change, and written atomically.',
  },
  {
    id: 'review',
    title: 'review',
    why: 'Each server step was checked read-only; this is what will change. Nothing is written until you confirm.',
  },
  {
    id: 'apply',
    title: 'apply',
    why: 'Each step runs in order and stops at the first failure; running again is safe, every step is idempotent.',
  },
];

/** Where the wizard looks things up that are not answers: the mc aliases found, the environment. */
export interface QuestionContext {
  readonly aliases: Readonly<Record<string, McAliasEntry>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** AWS credentials profiles that hold keys, profile → access key ID (never a secret) */
  readonly profileAccessKeys?: Readonly<Record<string, string>>;
}

export interface QuestionChoice {
  readonly label: string;
  readonly value: string;
  /** shown dimmed after the label */
  readonly hint?: string;
}

interface QuestionBase {
  readonly id: string;
  readonly step: WizardStepId;
  /** the answer field it fills (SPEC 2), or a name of the wizard's own (`@source`) */
  readonly field: string;
  /** the question itself, short */
  readonly label: string;
  /** a line under the question, when it needs one */
  readonly help?: string;
  /** false when the question does not apply to the answers so far */
  when?(input: AnswersInput, context: QuestionContext): boolean;
}

export interface TextQuestion extends QuestionBase {
  readonly kind: 'text';
  /** typed characters are shown as `*` */
  readonly secret?: boolean;
  /** the typed text to the answer value, or a message naming the broken rule */
  parse(text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };
  /** an answer value (given, remembered or a default: source/wizard/defaults.ts) as the text to edit */
  format(value: unknown): string;
  readonly placeholder?: string;
}

export interface SelectQuestion extends QuestionBase {
  readonly kind: 'select';
  choices(input: AnswersInput, context: QuestionContext): readonly QuestionChoice[];
  /**
   * The choice highlighted when the question opens, for a question that fills no answer field
   * (`@source`); the others highlight their default (source/wizard/defaults.ts).
   * `answers` are the answers so far over the known ones.
   */
  initialValue?(answers: AnswersInput, context: QuestionContext): string;
}

/** The builder secret: generated and masked, with keys to regenerate, reveal or type one's own. */
export interface BuilderSecretQuestion extends QuestionBase {
  readonly kind: 'builder-secret';
}

/** A panel with nothing to answer (the builder secret on Ceph, made by the server): Enter goes on. */
export interface NoticeQuestion extends QuestionBase {
  readonly kind: 'notice';
  readonly text: string;
}

export type Question = TextQuestion | SelectQuestion | BuilderSecretQuestion | NoticeQuestion;


/** A text answer checked by the answers schema (the same rules as an answers file). */
function checkedText(field: string, options: { optional?: boolean } = {}) {
  return {
    parse(text: string) {
      const value = text.trim();
      if (value === '') {
        return options.optional ? ({ ok: true, value: undefined } as const) : ({ ok: false, message: 'is required' } as const);
      }
      const message = validateAnswerField(field, value);
      return message ? ({ ok: false, message } as const) : ({ ok: true, value } as const);
    },
    format: (value: unknown) => (typeof value === 'string' ? value : ''),
  };
}

/** Secrets are taken as typed, without trimming: a space is a character the rules must see. */
function checkedSecret(field: string, options: { optional?: boolean } = {}) {
  return {
    parse(text: string) {
      if (text === '') {
        return options.optional ? ({ ok: true, value: undefined } as const) : ({ ok: false, message: 'is required' } as const);
      }
      const message = validateAnswerField(field, text);
      return message ? ({ ok: false, message } as const) : ({ ok: true, value: text } as const);
    },
    format: (value: unknown) => (typeof value === 'string' ? value : ''),
  };
}

export { endpointOfAlias } from './mc-alias-choices';

/** The `@source` answer meaning "I will type the endpoint and keys". */
export const TYPE_ENDPOINT = '@type';

export const QUESTIONS: readonly Question[] = [
  {
    id: 'source',
    step: 'connection',
    field: '@source',
    kind: 'select',
    label: 'Which server?',
    help: 'Aliases found in your mc config; their URL and keys are used as the admin login.',
    // mc's stock placeholder aliases are left out; its public playground comes last (mc-alias-choices.ts).
    when: (_input, context) => offeredAliases(context.aliases).length > 0,
    choices: (_input, context) => [
      ...offeredAliases(context.aliases).map(({ name, entry, mark }) => ({ label: name, value: name, hint: mark ? `${entry.url}, ${mark}` : entry.url })),
      { label: 'Type an endpoint and keys', value: TYPE_ENDPOINT },
    ],
    initialValue: (answers, context) => {
      const own = offeredAliases(context.aliases).filter((alias) => alias.mark === undefined);
      const fromAnswers = own.find(({ name, entry }) => name === answers.admin?.mcAlias || endpointOfAlias(entry.url) === answers.endpoint);
      return (fromAnswers ?? own[0])?.name ?? TYPE_ENDPOINT;
    },
  },
  {
    id: 'endpoint',
    step: 'connection',
    field: 'endpoint',
    kind: 'text',
    label: 'Endpoint URL',
    help: 'http(s)://host[:port], without the bucket.',
    placeholder: 'https://s3.example.org',
    ...checkedText('endpoint'),
  },
  {
    id: 'ca-file',
    step: 'connection',
    field: 'caFile',
    kind: 'text',
    label: 'CA certificate (PEM) to trust, if private',
    help: 'Leave empty when the certificate is signed by a public CA.',
    when: (input) => (input.endpoint ?? '').startsWith('https:'),
    ...checkedText('caFile', { optional: true }),
  },
  {
    id: 'insecure',
    step: 'connection',
    field: 'insecure',
    kind: 'select',
    label: 'Verify the server\'s TLS certificate?',
    when: (input) => (input.endpoint ?? '').startsWith('https:'),
    choices: () => [
      { label: 'Yes', value: 'false', hint: 'recommended' },
      { label: 'No, skip verification', value: 'true', hint: 'anyone on the path can read the keys' },
    ],
  },
  {
    id: 'region',
    step: 'connection',
    field: 'region',
    kind: 'text',
    label: 'Region',
    ...checkedText('region'),
  },
  {
    id: 'admin-access-key',
    step: 'connection',
    field: 'admin.accessKey',
    kind: 'text',
    label: 'Admin access key',
    help: 'The root or admin user. Leave empty on plain S3, where no admin is needed.',
    ...checkedText('admin.accessKey', { optional: true }),
  },
  {
    id: 'admin-secret-key',
    step: 'connection',
    field: 'admin.secretKey',
    kind: 'text',
    secret: true,
    label: 'Admin secret key',
    help: 'Shown as *; it is written only to the mc config.',
    ...checkedSecret('admin.secretKey', { optional: true }),
  },
  {
    id: 'backend',
    step: 'backend',
    field: 'backend',
    kind: 'select',
    label: 'Which object store is it?',
    choices: () => [
      { label: 'MinIO', value: 'minio', hint: 'users and policies via the admin API' },
      { label: 'Ceph RGW', value: 'ceph', hint: 'users via the Admin Ops API' },
      { label: 'Other S3', value: 's3', hint: 'builder keys made elsewhere' },
    ],
  },
  {
    id: 'admin-via',
    step: 'backend',
    field: 'adminVia',
    kind: 'select',
    label: 'Manage MinIO users through',
    when: (input) => backendOf(input) === 'minio',
    choices: () => [
      { label: 'the admin API', value: 'api', hint: 'no other program needed' },
      { label: 'the mc program', value: 'mc', hint: 'MinIO Client must be installed' },
    ],
  },
  {
    id: 's3-builder-access-key',
    step: 'backend',
    field: 'builder.accessKey',
    kind: 'text',
    label: 'Builder access key (made in your S3 console)',
    when: (input) => backendOf(input) === 's3',
    ...checkedText('builder.accessKey'),
  },
  {
    id: 's3-builder-secret-key',
    step: 'backend',
    field: 'builder.secretKey',
    kind: 'text',
    secret: true,
    label: 'Builder secret key',
    when: (input) => backendOf(input) === 's3',
    ...checkedSecret('builder.secretKey'),
  },
  {
    id: 'bucket',
    step: 'bucket',
    field: 'bucket',
    kind: 'text',
    label: 'Bucket name',
    help: '3–63 characters: lowercase letters, digits, dots, hyphens.',
    ...checkedText('bucket'),
  },
  {
    id: 'builder-access-key',
    step: 'builder-user',
    field: 'builder.accessKey',
    kind: 'text',
    label: 'Builder user (access key)',
    when: (input) => backendOf(input) !== 's3',
    ...checkedText('builder.accessKey'),
  },
  {
    id: 'builder-profile',
    step: 'builder-user',
    field: 'builder.profile',
    kind: 'text',
    label: 'AWS profile name for it',
    help: 'nix copy --to \'s3://…?profile=NAME\' reads the keys from this profile.',
    ...checkedText('builder.profile'),
  },
  {
    id: 'builder-secret',
    step: 'builder-secret',
    field: 'builder.secretKey',
    kind: 'builder-secret',
    label: 'Builder secret',
    when: (input) => backendOf(input) === 'minio',
  },
  {
    id: 'builder-secret-ceph',
    step: 'builder-secret',
    field: '@ceph-secret',
    kind: 'notice',
    label: 'Made by the server',
    text: 'On Ceph RGW the server generates the builder secret when it creates the user: a secret sent in the request would land in RGW\'s access log. It is written to your AWS credentials file after the user exists.',
    when: (input) => backendOf(input) === 'ceph',
  },
  {
    id: 'policy-name',
    step: 'policy',
    field: 'policyName',
    kind: 'text',
    label: 'Policy name',
    when: (input) => backendOf(input) === 'minio',
    ...checkedText('policyName'),
  },
  {
    id: 'anonymous',
    step: 'anonymous',
    field: 'anonymous',
    kind: 'select',
    label: 'Who may download without credentials?',
    choices: () => [
      { label: 'Anyone, by name only', value: 'get', hint: 'GetObject; recommended' },
      { label: 'Anyone, with listing', value: 'download', hint: 'mc "download" policy' },
      { label: 'Nobody', value: 'none', hint: 'machines need credentials' },
    ],
  },
  // A private cache: the read-only user every machine substitutes as (made by the wizard on MinIO
  // and Ceph; on plain S3 its keys are made elsewhere, like the builder's).
  {
    id: 'reader-access-key',
    step: 'anonymous',
    field: 'reader.accessKey',
    kind: 'text',
    label: 'Reader user (access key)',
    help: 'Every machine substitutes from the private cache as this user, which can only GET objects.',
    when: (input) => backendOf(input) !== 's3' && input.anonymous === 'none',
    ...checkedText('reader.accessKey'),
  },
  {
    id: 's3-reader-access-key',
    step: 'anonymous',
    field: 'reader.accessKey',
    kind: 'text',
    label: 'Reader access key (GetObject only, made in your S3 console)',
    help: 'Every machine substitutes from the private cache with these keys.',
    when: (input) => backendOf(input) === 's3' && input.anonymous === 'none',
    ...checkedText('reader.accessKey'),
  },
  {
    id: 's3-reader-secret-key',
    step: 'anonymous',
    field: 'reader.secretKey',
    kind: 'text',
    secret: true,
    label: 'Reader secret key',
    when: (input) => backendOf(input) === 's3' && input.anonymous === 'none',
    ...checkedSecret('reader.secretKey'),
  },
  {
    id: 'reader-profile',
    step: 'anonymous',
    field: 'reader.profile',
    kind: 'text',
    label: 'Profile name in the reader credentials file',
    help: "The substituter reads the reader's keys as s3://…?profile=NAME.",
    when: (input) => input.anonymous === 'none',
    ...checkedText('reader.profile'),
  },
  {
    id: 'store-dir',
    step: 'cache-info',
    field: 'cacheInfo.storeDir',
    kind: 'text',
    label: 'Nix store directory',
    ...checkedText('cacheInfo.storeDir'),
  },
  {
    id: 'priority',
    step: 'cache-info',
    field: 'cacheInfo.priority',
    kind: 'text',
    label: 'Priority (lower is asked first)',
    parse(text) {
      const trimmed = text.trim();
      if (!/^-?\d+$/.test(trimmed)) return { ok: false, message: 'must be a whole number 0..1000' };
      const value = Number(trimmed);
      const message = validateAnswerField('cacheInfo.priority', value);
      return message ? { ok: false, message } : { ok: true, value };
    },
    format: (value) => (typeof value === 'number' ? String(value) : ''),
  },
  {
    id: 'mass-query',
    step: 'cache-info',
    field: 'cacheInfo.wantMassQuery',
    kind: 'select',
    label: 'WantMassQuery',
    help: 'Lets Nix ask this cache about many paths at once.',
    choices: () => [
      { label: 'Yes', value: 'true' },
      { label: 'No', value: 'false' },
    ],
  },
  {
    id: 'key-name',
    step: 'signing-key',
    field: 'key.name',
    kind: 'text',
    label: 'Key name',
    help: 'Part of the public key every machine trusts; add -2 and so on when you rotate.',
    ...checkedText('key.name'),
  },
  {
    id: 'key-secret-file',
    step: 'signing-key',
    field: 'key.secretFile',
    kind: 'text',
    label: 'Secret key file',
    ...checkedText('key.secretFile'),
  },
  {
    id: 'key-public-file',
    step: 'signing-key',
    field: 'key.publicFile',
    kind: 'text',
    label: 'Public key file',
    ...checkedText('key.publicFile'),
  },
  {
    id: 'expire-days',
    step: 'expiry',
    field: 'expireDays',
    kind: 'text',
    label: 'Delete uploads after how many days?',
    help: 'Empty: never. Rules go by upload age alone and can delete a dependency a newer path still needs; `prune` deletes by closure instead (readme, "Prune").',
    placeholder: 'never',
    parse(text) {
      const trimmed = text.trim();
      if (trimmed === '' || trimmed === 'never') return { ok: true, value: null };
      if (!/^-?\d+$/.test(trimmed)) return { ok: false, message: 'must be a whole number of days, or empty for never' };
      const value = Number(trimmed);
      const message = validateAnswerField('expireDays', value);
      return message ? { ok: false, message } : { ok: true, value };
    },
    format: (value) => (typeof value === 'number' ? String(value) : ''),
  },
  {
    id: 'write-mc-config',
    step: 'files',
    field: 'writeMcConfig',
    kind: 'select',
    label: 'Write the admin alias into the mc config?',
    choices: () => [
      { label: 'Yes', value: 'true', hint: 'as the guide does' },
      { label: 'No', value: 'false' },
    ],
  },
  {
    id: 'mc-alias',
    step: 'files',
    field: 'alias',
    kind: 'text',
    label: 'Alias name in the mc config',
    when: (input) => input.writeMcConfig !== false,
    ...checkedText('alias'),
  },
  {
    id: 'mc-config-file',
    step: 'files',
    field: 'files.mcConfig',
    kind: 'text',
    label: 'mc config file',
    when: (input) => input.writeMcConfig !== false,
    ...checkedText('files.mcConfig'),
  },
  {
    id: 'aws-credentials-file',
    step: 'files',
    field: 'files.awsCredentials',
    kind: 'text',
    label: 'AWS credentials file',
    ...checkedText('files.awsCredentials'),
  },
  {
    id: 'reader-credentials-file',
    step: 'files',
    field: 'files.readerCredentials',
    kind: 'text',
    label: 'Reader credentials file (copied to every machine)',
    when: (input) => input.anonymous === 'none',
    ...checkedText('files.readerCredentials'),
  },
  {
    id: 'nixos-module-file',
    step: 'files',
    field: 'files.nixosModule',
    kind: 'text',
    label: 'NixOS module',
    ...checkedText('files.nixosModule'),
  },
  {
    id: 'nix-conf-file',
    step: 'files',
    field: 'files.nixConf',
    kind: 'text',
    label: 'nix.conf snippet (Nix without NixOS)',
    ...checkedText('files.nixConf'),
  },
  {
    id: 'policy-file',
    step: 'files',
    field: 'files.policy',
    kind: 'text',
    label: 'Write policy, for reference',
    ...checkedText('files.policy'),
  },
  {
    id: 'cache-info-file',
    step: 'files',
    field: 'files.cacheInfo',
    kind: 'text',
    label: 'nix-cache-info, for reference',
    ...checkedText('files.cacheInfo'),
  },
];

/** Select answers are strings in the list; these fields hold booleans in the answers. */
const BOOLEAN_FIELDS = new Set(['cacheInfo.wantMassQuery', 'writeMcConfig', 'insecure']);

/** A select choice's value as the answer value. */
export function choiceToAnswer(field: string, value: string): unknown {
  return BOOLEAN_FIELDS.has(field) ? value === 'true' : value;
}

export function questionApplies(question: Question, input: AnswersInput, context: QuestionContext): boolean {
  return question.when ? question.when(input, context) : true;
}

/**
 * True when `initial` (an answers file, the environment) already answers the question, so the
 * wizard skips it unless the user goes back to it.
 */
export function answeredBeforehand(question: Question, initial: AnswersInput, context: QuestionContext): boolean {
  if (question.field === '@source') return initial.endpoint !== undefined || initial.admin?.mcAlias !== undefined;
  if (question.field === '@ceph-secret') return false;
  if (question.field === 'admin.accessKey' || question.field === 'admin.secretKey') {
    const envName = question.field === 'admin.accessKey' ? 'NIX_CACHE_ADMIN_ACCESS_KEY' : 'NIX_CACHE_ADMIN_SECRET_KEY';
    return getField(initial, question.field) !== undefined || initial.admin?.mcAlias !== undefined || Boolean(context.env[envName]);
  }
  if (question.field === 'endpoint') return initial.endpoint !== undefined || initial.admin?.mcAlias !== undefined;
  return getField(initial, question.field) !== undefined;
}

/** The fields an mc alias answers. */
export const ALIAS_FIELDS = ['endpoint', 'admin.accessKey', 'admin.secretKey'] as const;

/** The answers after choosing an mc alias (or typing, which keeps what was typed). */
export function applySourceChoice(input: AnswersInput, choice: string, context: QuestionContext): AnswersInput {
  const entry = context.aliases[choice];
  if (!entry) return input;
  let next = setField(input, 'endpoint', endpointOfAlias(entry.url));
  next = setField(next, 'admin.accessKey', entry.accessKey);
  next = setField(next, 'admin.secretKey', entry.secretKey);
  return next;
}

/** The answers the connection test depends on; a change to any of them means testing again. */
export function connectionKey(input: AnswersInput): string {
  return JSON.stringify([
    input.endpoint,
    input.region,
    input.caFile,
    input.insecure,
    backendOf(input),
    input.admin?.accessKey,
    input.admin?.secretKey,
    input.admin?.mcAlias,
    input.backend === 's3' ? [input.builder?.accessKey, input.builder?.secretKey] : null,
  ]);
}
