/**
 * Every first-setup default of SPEC 2, written once, beside the answers schema. resolveAnswers
 * fills a missing answer from here; the wizard's questions, `--yes`, `preview` and the review offer
 * what this says (source/wizard/defaults.ts lays the given and the known answers over it).
 * The answers with no default (endpoint, the admin keys, the secrets) are not in it.
 */
import type { AnswersInput } from './answers-schema';
import { getField } from './answer-fields';
import { firstKeyName } from './per-cache-names';

/** The defaults that depend on nothing else, shaped like the answers they fill. */
export const ANSWER_DEFAULTS = {
  backend: 'minio',
  region: 'us-east-1',
  insecure: false,
  adminVia: 'api',
  alias: 's3',
  writeMcConfig: true,
  bucket: 'nix-cache',
  builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' },
  reader: { accessKey: 'nixreader', profile: 'nixreader' },
  policyName: 'nix-cache-write',
  anonymous: 'get',
  cacheInfo: { storeDir: '/nix/store', wantMassQuery: true, priority: 30 },
  key: { secretFile: '~/.config/nix/secret.key', publicFile: '~/.config/nix/public.key' },
  expireDays: null,
  connectTimeout: 5,
  files: {
    mcConfig: '~/.mc/config.json',
    // the AWS CLI's own default; AWS_SHARED_CREDENTIALS_FILE, when set, comes first (awsCredentialsDefault)
    awsCredentials: '~/.aws/credentials',
    nixosModule: './nix-cache.nix',
    nixConf: './nix-cache.conf',
    policy: './nix-cache-write.json',
    cacheInfo: './nix-cache-info',
    builderModule: './nix-cache-builder.nix',
    readerCredentials: './nix-cache-reader.credentials',
  },
} as const satisfies AnswersInput;

/** The environment, for `AWS_SHARED_CREDENTIALS_FILE`. */
export interface DefaultsEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Where the AWS credentials file is by default: where the AWS CLI looks. */
export function awsCredentialsDefault({ env }: DefaultsEnv): string {
  return env['AWS_SHARED_CREDENTIALS_FILE'] || ANSWER_DEFAULTS.files.awsCredentials;
}

/** The backend of the answers, given or by default. */
export function backendOf(answers: Pick<AnswersInput, 'backend'>): NonNullable<AnswersInput['backend']> {
  return answers.backend ?? ANSWER_DEFAULTS.backend;
}

/** The bucket of the answers, given or by default. */
export function bucketOf(answers: Pick<AnswersInput, 'bucket'>): string {
  return answers.bucket ?? ANSWER_DEFAULTS.bucket;
}

/** The mc config the answers name, given or by default (not expanded). */
export function mcConfigOf(answers: Pick<AnswersInput, 'files'>): string {
  return answers.files?.mcConfig ?? ANSWER_DEFAULTS.files.mcConfig;
}

/** SPEC 2's default for `field`, given the answers so far; undefined when there is none (endpoint, keys). */
export function firstSetupDefault(field: string, answers: AnswersInput, context: DefaultsEnv): unknown {
  // On s3 the keys are made elsewhere: there is no name to offer.
  if (field === 'builder.accessKey' || field === 'reader.accessKey') return backendOf(answers) === 's3' ? undefined : getField(ANSWER_DEFAULTS, field);
  if (field === 'key.name') return firstKeyName(answers.endpoint, bucketOf(answers));
  // The alias written is the one the admin keys were picked from: a new alias beside it would
  // hold the same keys twice, and `s3` may be mc's own placeholder or another server's.
  if (field === 'alias' && answers.admin?.mcAlias !== undefined) return answers.admin.mcAlias;
  if (field === 'files.awsCredentials') return awsCredentialsDefault(context);
  return getField(ANSWER_DEFAULTS, field);
}
