/**
 * From an answers file (or what the UI gathered) to one complete, typed `Answers`: validation
 * with messages naming field and rule, defaults, the admin keys from the environment or an mc
 * alias, and the list of answers still missing.
 */
import type { ZodIssue } from 'zod';
import { UsageError } from '../errors';
import { expandUserPath } from '../paths/expand-user-path';
import { ANSWER_DEFAULTS, awsCredentialsDefault, backendOf, bucketOf, firstSetupDefault, mcConfigOf } from './answer-defaults';
import type { AnswerFacts, McAliases } from './answer-facts';
import { getField } from './answer-fields';
import type { Answers } from './answers';
import { answersInputSchema, fieldPath, FOREIGN_SECRET_MAX, SECRET_MAX, type AnswersInput } from './answers-schema';

export interface AnswerIssue {
  readonly field: string;
  readonly message: string;
}

function issueOf(issue: ZodIssue): AnswerIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: fieldPath([...issue.path, key]),
      message: 'is not a known answer (check its spelling; the readme\'s "Answers" section and `nix-cache-wizard --help` list every key)',
    }));
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return [{ field: fieldPath(issue.path), message: 'is required' }];
  }
  if (issue.code === 'invalid_type' && issue.expected === 'object') {
    return [{ field: fieldPath(issue.path), message: `must be an object, not ${issue.received}` }];
  }
  if (issue.code === 'invalid_type' && issue.expected === 'string') {
    return [{ field: fieldPath(issue.path), message: `must be a string, not ${issue.received}` }];
  }
  return [{ field: fieldPath(issue.path), message: issue.message }];
}

function usageErrorFrom(issues: readonly AnswerIssue[], source: string): UsageError {
  const lines = issues.map((i) => `  ${i.field}: ${i.message}`);
  const noun = issues.length === 1 ? 'answer is' : 'answers are';
  return new UsageError(`${issues.length} ${noun} not valid in ${source}:\n${lines.join('\n')}`, issues[0]?.field, issues);
}

/** Validates the shape and every value; throws UsageError listing every problem. */
export function validateAnswersInput(input: unknown, source = 'the answers'): AnswersInput {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UsageError(`${source} must be a JSON object`, '(answers)', [{ field: '(answers)', message: 'must be a JSON object' }]);
  }
  const parsed = answersInputSchema.safeParse(input);
  if (!parsed.success) throw usageErrorFrom(parsed.error.issues.flatMap(issueOf), source);
  return parsed.data;
}

const FIELD_SCHEMAS = answersInputSchema.shape;

/**
 * Checks one answer as the UI gathers it (`'bucket'`, `'admin.secretKey'`, …): the message for
 * the first broken rule, or undefined when the value is fine.
 */
export function validateAnswerField(field: string, value: unknown): string | undefined {
  const [top, sub] = field.split('.') as [keyof typeof FIELD_SCHEMAS, string | undefined];
  const schema = FIELD_SCHEMAS[top];
  if (!schema) return 'is not a known answer';
  const candidate = sub === undefined ? { [top]: value } : { [top]: { [sub]: value } };
  const parsed = answersInputSchema.safeParse(candidate);
  if (parsed.success) return undefined;
  return parsed.error.issues.flatMap(issueOf)[0]?.message;
}

/**
 * The alias the mc config would be written with, when another server or other keys hold it there:
 * writing it would overwrite that alias (SPEC 2: never a silent replacement). A UsageError naming
 * the alias, what it points at, and a free name; undefined when the alias is free or already this
 * server's with these keys. `aliases` are the mc config's (source/facts/mc-config.ts reads them).
 */
export function mcAliasConflictIn(answers: Pick<Answers, 'alias' | 'endpoint' | 'admin' | 'writeMcConfig' | 'files'>, aliases: McAliases): UsageError | undefined {
  if (!answers.writeMcConfig) return undefined;
  const ours = (name: string) => {
    const entry = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
    return entry === undefined || (entry.url.replace(/\/+$/, '') === answers.endpoint && entry.accessKey === answers.admin.accessKey);
  };
  if (ours(answers.alias)) return undefined;
  const entry = aliases[answers.alias]!;
  const free = [2, 3, 4, 5, 6, 7, 8, 9].map((n) => `${answers.alias}-${n}`).find(ours);
  const holds = entry.url.replace(/\/+$/, '') === answers.endpoint ? `${entry.url} with the access key ${entry.accessKey}` : entry.url;
  const message = `the mc alias "${answers.alias}" in ${answers.files.mcConfig} holds ${holds}; writing this setup's admin keys there would overwrite it. Give alias another name${free ? ` (${free} is free)` : ''}, or writeMcConfig false`;
  return new UsageError(`alias: ${message}`, 'alias', [{ field: 'alias', message }]);
}

/**
 * The endpoint the answers name, or the one of their admin.mcAlias, without trailing slashes:
 * what the rotation state is looked up by (source/facts/read-facts.ts) and the answers carry.
 */
export function endpointNamed(input: Pick<AnswersInput, 'endpoint' | 'admin'>, aliases: McAliases): string | undefined {
  const mcAlias = input.admin?.mcAlias;
  const entry = mcAlias !== undefined && Object.hasOwn(aliases, mcAlias) ? aliases[mcAlias] : undefined;
  return (input.endpoint ?? entry?.url.replace(/\/+$/, ''))?.replace(/\/+$/, '');
}

/** What of the facts was read for other answers than `input` (another mc config, CA file, endpoint or bucket). */
function staleFacts(input: AnswersInput, facts: AnswerFacts): string[] {
  const stale: string[] = [];
  if (facts.mcConfig.path !== mcConfigOf(input)) stale.push(`the mc config (${facts.mcConfig.path}, not ${mcConfigOf(input)})`);
  if (facts.caFile?.path !== input.caFile) stale.push('the CA file');
  const endpoint = endpointNamed(input, facts.mcConfig.aliases);
  const trusted = facts.trustedKeys;
  if (endpoint !== undefined && input.key?.trusted === undefined && (trusted?.endpoint !== endpoint || trusted.bucket !== bucketOf(input))) stale.push('the rotation state');
  return stale;
}

/** Whether `facts` were read for the answers `input` (source/facts/read-facts.ts reads them again when not). */
export function factsFitAnswers(input: AnswersInput, facts: AnswerFacts): boolean {
  return staleFacts(input, facts).length === 0;
}

/**
 * The facts must be those of these answers: facts of other answers are a mistake of the caller,
 * not something to resolve with.
 */
function checkFactsFit(input: AnswersInput, facts: AnswerFacts): void {
  const stale = staleFacts(input, facts);
  if (stale.length > 0) throw new Error(`the facts were read for other answers: ${stale.join(', ')} (read them with readFacts for these answers)`);
}

export interface MissingAnswer {
  readonly field: string;
  /** how else it can be given */
  readonly hint: string;
}

export interface ResolvedAnswers {
  readonly answers: Answers;
  /** said on every run: http endpoints, .local hosts, insecure */
  readonly warnings: readonly string[];
}

export type Resolution = { readonly ok: true; readonly value: ResolvedAnswers } | { readonly ok: false; readonly missing: readonly MissingAnswer[] };

function endpointWarnings(endpoint: string, insecure: boolean): string[] {
  const url = new URL(endpoint);
  const warnings: string[] = [];
  if (url.protocol === 'http:') {
    warnings.push(`endpoint: ${endpoint} is plain http: credentials and uploads cross the network unencrypted; use https outside a trusted LAN`);
  }
  if (url.hostname.endsWith('.local')) {
    warnings.push(`endpoint: ${url.hostname} is an mDNS (.local) name: machines without Avahi/mDNS cannot resolve it`);
  }
  // An IDN host is shown in Unicode but resolved in punycode: say both, so a look-alike is seen.
  // Only a host with non-ASCII letters has a punycode form; an IPv6 literal ([::1]) is written in
  // other ways than the URL parser's (brackets, zeros, case) and is no look-alike.
  const given = /^[a-z]+:\/\/(\[[^\]]*\]|[^/:?#]+)/i.exec(endpoint)?.[1];
  if (given !== undefined && /[^\x20-\x7e]/.test(given)) {
    warnings.push(`endpoint: the host ${given} is ${url.hostname} on the network (punycode); check that it is the host you mean, not a look-alike`);
  }
  if (insecure) warnings.push('insecure: TLS certificate verification is OFF; anyone on the path can read the credentials');
  return warnings;
}

/**
 * Applies defaults (answer-defaults.ts), the environment and `admin.mcAlias`, and checks what only
 * the whole set can tell. Returns the answers still missing instead of throwing, so the UI can ask
 * for them. Pure: what the disk says comes in `facts`, read for these answers (readFacts).
 */
export function resolveAnswers(input: AnswersInput, facts: AnswerFacts, options: { readonly offline?: boolean } = {}): Resolution {
  checkFactsFit(input, facts);
  const backend = backendOf(input);
  const bucket = bucketOf(input);
  const issues: AnswerIssue[] = [];
  const missing: MissingAnswer[] = [];
  const given = <T>(field: string): T | undefined => getField(input, field) as T | undefined;
  /** the answer given, else its first-setup default */
  const or = <T>(field: string): T => (given<T>(field) ?? getField(ANSWER_DEFAULTS, field)) as T;

  // Secrets this wizard sets on the server (MinIO, Ceph) keep the 40-character limit; keys made
  // elsewhere (on s3) may be up to 128 (SPEC 2).
  const builderSecret = input.builder?.secretKey;
  if (builderSecret !== undefined && backend !== 's3' && builderSecret.length > SECRET_MAX) {
    issues.push({ field: 'builder.secretKey', message: `must be 8–${SECRET_MAX} characters long on backend "${backend}" (up to ${FOREIGN_SECRET_MAX} only for keys made elsewhere, backend "s3")` });
  }
  if (input.adminVia === 'mc' && backend !== 'minio') {
    issues.push({ field: 'adminVia', message: `"mc" applies only to backend "minio" (backend is "${backend}")` });
  }
  const files: Answers['files'] = {
    mcConfig: or('files.mcConfig'),
    awsCredentials: input.files?.awsCredentials ?? awsCredentialsDefault(facts),
    nixosModule: or('files.nixosModule'),
    nixConf: or('files.nixConf'),
    policy: or('files.policy'),
    cacheInfo: or('files.cacheInfo'),
    builderModule: or('files.builderModule'),
    readerCredentials: or('files.readerCredentials'),
  };

  let endpoint = input.endpoint;
  let adminAccessKey = input.admin?.accessKey ?? facts.env['NIX_CACHE_ADMIN_ACCESS_KEY'] ?? undefined;
  let adminSecretKey = input.admin?.secretKey ?? facts.env['NIX_CACHE_ADMIN_SECRET_KEY'] ?? undefined;
  const mcAlias = input.admin?.mcAlias;
  if (mcAlias !== undefined) {
    if (facts.mcConfig.error) throw facts.mcConfig.error;
    const aliases = facts.mcConfig.aliases;
    const entry = Object.hasOwn(aliases, mcAlias) ? aliases[mcAlias] : undefined;
    if (!entry) {
      const known = Object.keys(aliases);
      issues.push({
        field: 'admin.mcAlias',
        message: `no alias "${mcAlias}" in ${files.mcConfig}${known.length ? ` (found: ${known.join(', ')})` : ''}`,
      });
    } else {
      endpoint ??= entry.url.replace(/\/+$/, '');
      adminAccessKey ??= entry.accessKey;
      adminSecretKey ??= entry.secretKey;
    }
  }
  // Values from the environment or an mc config pass the same rules as answers.
  for (const [field, value] of [
    ['endpoint', endpoint],
    ['admin.accessKey', adminAccessKey],
    ['admin.secretKey', adminSecretKey],
  ] as const) {
    if (value === undefined || (field === 'endpoint' && value === input.endpoint)) continue;
    const message = validateAnswerField(field, value);
    if (message) issues.push({ field, message: `${message} (as found in the environment or the mc alias)` });
  }

  let caFile: string | undefined;
  if (input.caFile !== undefined) {
    caFile = expandUserPath(input.caFile, facts);
    const read = facts.caFile;
    if (read?.problem !== undefined) issues.push({ field: 'caFile', message: read.problem });
    else if (read?.pem && !read.pem.includes('-----BEGIN CERTIFICATE-----')) {
      issues.push({ field: 'caFile', message: `${input.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    }
  }
  // The reader must be its own user: the builder's keys may write, the machines' may only read.
  if (input.anonymous === 'none' && or('reader.accessKey') === or('builder.accessKey')) {
    issues.push({ field: 'reader.accessKey', message: 'must differ from builder.accessKey: the machines read with a user that cannot write' });
  }
  // Two answers naming one file would have the second write clobber the first.
  const seen = new Map<string, string>();
  const pathAnswers: [string, string][] = [
    ...Object.entries(files).map(([key, path]) => [`files.${key}`, path] as [string, string]),
    ['key.secretFile', or('key.secretFile')],
    ['key.publicFile', or('key.publicFile')],
  ];
  for (const [field, path] of pathAnswers) {
    const full = expandUserPath(path, facts);
    const other = seen.get(full);
    if (other !== undefined) issues.push({ field, message: `names the same file as ${other} (${path}); give each file its own path` });
    else seen.set(full, field);
  }
  if (issues.length > 0) throw usageErrorFrom(issues, 'the answers');

  if (endpoint === undefined) missing.push({ field: 'endpoint', hint: 'the S3 endpoint, http(s)://host[:port]' });
  // offline (preview): no server, so no admin keys; builder keys fall back to placeholders.
  if (options.offline) {
    // nothing else is required
  } else if (backend !== 's3') {
    if (adminAccessKey === undefined) {
      missing.push({ field: 'admin.accessKey', hint: 'or env NIX_CACHE_ADMIN_ACCESS_KEY, or admin.mcAlias' });
    }
    if (adminSecretKey === undefined) {
      missing.push({ field: 'admin.secretKey', hint: 'or env NIX_CACHE_ADMIN_SECRET_KEY, or admin.mcAlias' });
    }
  } else {
    if (input.builder?.accessKey === undefined) missing.push({ field: 'builder.accessKey', hint: 'required for backend "s3": the keys are made elsewhere' });
    if (input.builder?.secretKey === undefined) missing.push({ field: 'builder.secretKey', hint: 'required for backend "s3": the keys are made elsewhere' });
    if (input.anonymous === 'none') {
      const hint = 'required for backend "s3" with anonymous "none": the machines read the private cache with these keys, made elsewhere';
      if (input.reader?.accessKey === undefined) missing.push({ field: 'reader.accessKey', hint });
      if (input.reader?.secretKey === undefined) missing.push({ field: 'reader.secretKey', hint });
    }
  }
  if (missing.length > 0 || endpoint === undefined) return { ok: false, missing };

  const normalized = endpoint.replace(/\/+$/, '');
  const insecure = or<boolean>('insecure');
  const answers: Answers = {
    backend,
    endpoint: normalized,
    region: or('region'),
    caFile,
    insecure,
    admin: { accessKey: adminAccessKey, secretKey: adminSecretKey, mcAlias },
    adminVia: or('adminVia'),
    alias: input.alias ?? (firstSetupDefault('alias', input, facts) as string),
    writeMcConfig: or('writeMcConfig'),
    bucket,
    builder: {
      accessKey: or('builder.accessKey'),
      secretKey: input.builder?.secretKey,
      profile: or('builder.profile'),
    },
    reader: {
      accessKey: or('reader.accessKey'),
      secretKey: input.reader?.secretKey,
      profile: or('reader.profile'),
    },
    policyName: or('policyName'),
    anonymous: or('anonymous'),
    cacheInfo: {
      storeDir: or('cacheInfo.storeDir'),
      wantMassQuery: or('cacheInfo.wantMassQuery'),
      priority: or('cacheInfo.priority'),
    },
    key: {
      name: input.key?.name ?? (firstSetupDefault('key.name', { ...input, endpoint: normalized }, facts) as string),
      secretFile: or('key.secretFile'),
      publicFile: or('key.publicFile'),
      trusted: input.key?.trusted ?? trustedKeysOf(facts),
    },
    expireDays: input.expireDays === undefined ? ANSWER_DEFAULTS.expireDays : input.expireDays,
    connectTimeout: input.connectTimeout === undefined ? ANSWER_DEFAULTS.connectTimeout : input.connectTimeout,
    files,
  };
  return { ok: true, value: { answers, warnings: endpointWarnings(normalized, insecure) } };
}

/** The keys a rotation still trusts, from the facts; an invalid rotation state is said here, when they are needed. */
function trustedKeysOf(facts: AnswerFacts): readonly string[] {
  if (facts.trustedKeys?.error) throw facts.trustedKeys.error;
  return facts.trustedKeys?.keys ?? [];
}

/** Like resolveAnswers, for `--yes` and no-TTY runs: a missing answer is a UsageError naming each one. */
export function requireCompleteAnswers(input: AnswersInput, facts: AnswerFacts, options: { readonly offline?: boolean } = {}): ResolvedAnswers {
  const resolution = resolveAnswers(input, facts, options);
  if (resolution.ok) return resolution.value;
  const issues = resolution.missing.map((m) => ({ field: m.field, message: `is required (${m.hint})` }));
  const lines = issues.map((i) => `  ${i.field}: ${i.message}`);
  throw new UsageError(`missing answers (give them in --answers FILE, or run in a terminal to be asked):\n${lines.join('\n')}`, issues[0]?.field, issues);
}
