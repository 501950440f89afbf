/**
 * Every default the wizard offers, in one place (SPEC 2, SPEC 8). For each answer, in order:
 *
 *   1. what was given beforehand or answered already (an answers file, the environment, a prompt);
 *   2. what is known of this setup: the remembered answers of the last successful run, then what
 *      the server and the files show (backend, expiry days, anonymous mode, key name);
 *   3. the first-setup default of SPEC 2.
 *
 * A re-run therefore offers what is there, never the first-setup defaults, and accepting every
 * default changes nothing. The full-screen UI and the plain prompts both ask through the reducer,
 * which takes its pre-filled text and highlighted choice from here.
 */
import type { AnswersInput } from '../answers/answers-schema';
import { firstKeyName } from '../answers/per-cache-names';
import { getField, mergeAnswers } from '../answers/answer-fields';

/** The environment, for `AWS_SHARED_CREDENTIALS_FILE`. */
export interface DefaultsContext {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What is known of an existing setup, besides the answers given. */
export interface KnownSetup {
  /** the answers kept after the last successful run for this setup (never a secret) */
  readonly remembered: AnswersInput;
  /** what the server and the files show (source/wizard/detect-existing.ts) */
  readonly detected: AnswersInput;
}

export const NOTHING_KNOWN: KnownSetup = { remembered: {}, detected: {} };

/**
 * The remembered answers while they are this setup's: they are kept per endpoint and bucket
 * (SPEC 8), so once the answers name another endpoint or bucket, none of them (the other
 * cache's names, its anonymous mode, its expiry) is offered for this one.
 */
export function rememberedFor(known: KnownSetup, input: AnswersInput): AnswersInput {
  const other = (field: 'endpoint' | 'bucket') => {
    const remembered = getField(known.remembered, field);
    const given = getField(input, field);
    return remembered !== undefined && given !== undefined && remembered !== given;
  };
  return other('endpoint') || other('bucket') ? {} : known.remembered;
}

/** The known answers, remembered ones first: they are what the user chose last time. */
export function knownAnswers(known: KnownSetup, input: AnswersInput): AnswersInput {
  return mergeAnswers(known.detected, rememberedFor(known, input));
}


const FIXED_FIRST_SETUP: Readonly<Record<string, unknown>> = {
  region: 'us-east-1',
  insecure: false,
  backend: 'minio',
  adminVia: 'api',
  bucket: 'nix-cache',
  'builder.profile': 'nixbuilder',
  'reader.profile': 'nixreader',
  'files.readerCredentials': './nix-cache-reader.credentials',
  policyName: 'nix-cache-write',
  anonymous: 'get',
  'cacheInfo.storeDir': '/nix/store',
  'cacheInfo.priority': 30,
  'cacheInfo.wantMassQuery': true,
  'key.secretFile': '~/.config/nix/secret.key',
  'key.publicFile': '~/.config/nix/public.key',
  expireDays: null,
  writeMcConfig: true,
  alias: 's3',
  'files.mcConfig': '~/.mc/config.json',
  'files.nixosModule': './nix-cache.nix',
  'files.nixConf': './nix-cache.conf',
  'files.policy': './nix-cache-write.json',
  'files.cacheInfo': './nix-cache-info',
  'files.builderModule': './nix-cache-builder.nix',
};

/** SPEC 2's default for `field`, given the answers so far; undefined when there is none (endpoint, keys). */
export function firstSetupDefault(field: string, answers: AnswersInput, context: DefaultsContext): unknown {
  if (field === 'builder.accessKey') return (answers.backend ?? 'minio') === 's3' ? undefined : 'nixbuilder';
  if (field === 'reader.accessKey') return (answers.backend ?? 'minio') === 's3' ? undefined : 'nixreader';
  if (field === 'key.name') return firstKeyName(answers.endpoint, answers.bucket ?? String(FIXED_FIRST_SETUP['bucket']));
  // The alias written is the one the admin keys were picked from: a new alias beside it would
  // hold the same keys twice, and `s3` may be mc's own placeholder or another server's.
  if (field === 'alias' && answers.admin?.mcAlias !== undefined) return answers.admin.mcAlias;
  if (field === 'files.awsCredentials') return context.env['AWS_SHARED_CREDENTIALS_FILE'] || '~/.aws/credentials';
  return FIXED_FIRST_SETUP[field];
}

/** The value the wizard offers for `field`: given, else known, else the first-setup default. */
export function defaultAnswer(field: string, input: AnswersInput, known: KnownSetup, context: DefaultsContext): unknown {
  const given = getField(input, field);
  if (given !== undefined) return given;
  const knownValue = getField(knownAnswers(known, input), field);
  if (knownValue !== undefined) return knownValue;
  return firstSetupDefault(field, mergeAnswers(knownAnswers(known, input), input), context);
}
