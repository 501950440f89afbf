/**
 * From an answers file (or what the UI gathered) to one complete, typed `Answers`: validation
 * with messages naming field and rule, defaults, the admin keys from the environment or an mc
 * alias, and the list of answers still missing.
 */
import type { ZodIssue } from 'zod';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { duplicateKeys, JsonSyntaxError, positionOf, scanJson, type JsonNode } from '../files/json-text';
import { readRegularFileSync } from '../files/regular-file';
import { expandUserPath } from '../paths/expand-user-path';
import { readTrustedKeysSync } from '../state/rotation-state';
import type { Answers } from './answers';
import { firstKeyName } from './per-cache-names';
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

/** Reads and validates an answers JSON file; every problem is a UsageError naming the field. */
export function loadAnswersFile(path: string, effects: Pick<Effects, 'home' | 'cwd'>): AnswersInput {
  const full = expandUserPath(path, effects);
  let text: string;
  try {
    // A FIFO or a device would be read forever: only a regular file (or a link to one).
    text = readRegularFileSync(full, '--answers', path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--answers: cannot read ${path} (${code ?? 'unreadable'})`, '--answers');
  }
  let root: JsonNode;
  try {
    root = scanJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    // Line, column and rule; never the text around the error, which may be a secret (SPEC 10).
    throw new UsageError(`--answers: ${path} is not valid JSON at ${error.message}`, '--answers');
  }
  const twice = duplicateKeys(root)[0];
  if (twice) {
    const { line, column } = positionOf(text, twice.at.start);
    throw new UsageError(
      `--answers: ${path} gives ${twice.path} twice (line ${line}, column ${column}); JSON readers disagree on which one counts, so give it once`,
      twice.path,
      [{ field: twice.path, message: 'is given twice' }],
    );
  }
  return validateAnswersInput(JSON.parse(text) as unknown, path);
}

interface McAliasEntry {
  url: string;
  accessKey: string;
  secretKey: string;
}

/** The aliases of an existing mc config, for `admin.mcAlias` and the UI's connection screen. */
export function readMcAliases(path: string): Record<string, McAliasEntry> {
  // No prototype: an alias lookup sees only the file's own aliases, never `constructor` or `toString`.
  const out = Object.create(null) as Record<string, McAliasEntry>;
  let text: string;
  try {
    text = readRegularFileSync(path, 'files.mcConfig');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return out;
  }
  let json: unknown;
  try {
    scanJson(text);
    json = JSON.parse(text);
  } catch (error) {
    const where = error instanceof JsonSyntaxError ? ` (${error.message})` : '';
    throw new UsageError(`admin.mcAlias: the mc config ${path} is not valid JSON${where}`, 'admin.mcAlias');
  }
  const aliases = (json as { aliases?: unknown }).aliases;
  if (!aliases || typeof aliases !== 'object') return out;
  for (const [name, value] of Object.entries(aliases as Record<string, unknown>)) {
    const v = value as Partial<McAliasEntry> | null;
    if (v && typeof v.url === 'string' && typeof v.accessKey === 'string' && typeof v.secretKey === 'string') {
      out[name] = { url: v.url, accessKey: v.accessKey, secretKey: v.secretKey };
    }
  }
  return out;
}

/**
 * The alias the mc config would be written with, when another server or other keys hold it there:
 * writing it would overwrite that alias (SPEC 2: never a silent replacement). A UsageError naming
 * the alias, what it points at, and a free name; undefined when the alias is free or already this
 * server's with these keys.
 */
export function mcAliasConflict(answers: Pick<Answers, 'alias' | 'endpoint' | 'admin' | 'writeMcConfig' | 'files'>, effects: Pick<Effects, 'home' | 'cwd'>): UsageError | undefined {
  if (!answers.writeMcConfig) return undefined;
  const aliases = readMcAliases(expandUserPath(answers.files.mcConfig, effects));
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
 * Applies defaults, the environment and `admin.mcAlias`, and checks what only the whole set can
 * tell. Returns the answers still missing instead of throwing, so the UI can ask for them.
 */
export function resolveAnswers(
  input: AnswersInput,
  effects: Pick<Effects, 'env' | 'home' | 'cwd'>,
  options: { readonly offline?: boolean } = {},
): Resolution {
  const backend = input.backend ?? 'minio';
  const issues: AnswerIssue[] = [];
  const missing: MissingAnswer[] = [];

  // Secrets this wizard sets on the server (MinIO, Ceph) keep the 40-character limit; keys made
  // elsewhere (on s3) may be up to 128 (SPEC 2).
  const builderSecret = input.builder?.secretKey;
  if (builderSecret !== undefined && backend !== 's3' && builderSecret.length > SECRET_MAX) {
    issues.push({ field: 'builder.secretKey', message: `must be 8–${SECRET_MAX} characters long on backend "${backend}" (up to ${FOREIGN_SECRET_MAX} only for keys made elsewhere, backend "s3")` });
  }
  if (input.adminVia === 'mc' && backend !== 'minio') {
    issues.push({ field: 'adminVia', message: `"mc" applies only to backend "minio" (backend is "${backend}")` });
  }
  const awsDefault = effects.env['AWS_SHARED_CREDENTIALS_FILE'] || '~/.aws/credentials';
  const files = {
    mcConfig: input.files?.mcConfig ?? '~/.mc/config.json',
    awsCredentials: input.files?.awsCredentials ?? awsDefault,
    nixosModule: input.files?.nixosModule ?? './nix-cache.nix',
    nixConf: input.files?.nixConf ?? './nix-cache.conf',
    policy: input.files?.policy ?? './nix-cache-write.json',
    cacheInfo: input.files?.cacheInfo ?? './nix-cache-info',
    builderModule: input.files?.builderModule ?? './nix-cache-builder.nix',
    readerCredentials: input.files?.readerCredentials ?? './nix-cache-reader.credentials',
  };

  let endpoint = input.endpoint;
  let adminAccessKey = input.admin?.accessKey ?? effects.env['NIX_CACHE_ADMIN_ACCESS_KEY'] ?? undefined;
  let adminSecretKey = input.admin?.secretKey ?? effects.env['NIX_CACHE_ADMIN_SECRET_KEY'] ?? undefined;
  const mcAlias = input.admin?.mcAlias;
  if (mcAlias !== undefined) {
    const aliases = readMcAliases(expandUserPath(files.mcConfig, effects));
    const entry = aliases[mcAlias];
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
    caFile = expandUserPath(input.caFile, effects);
    let pem = '';
    try {
      pem = readRegularFileSync(caFile, 'caFile', input.caFile);
    } catch (error) {
      const kind = error instanceof UsageError ? error.issues[0]?.message : undefined;
      issues.push({ field: 'caFile', message: kind ?? `cannot read ${input.caFile}` });
    }
    if (pem && !pem.includes('-----BEGIN CERTIFICATE-----')) {
      issues.push({ field: 'caFile', message: `${input.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    }
  }
  // The reader must be its own user: the builder's keys may write, the machines' may only read.
  if (input.anonymous === 'none' && (input.reader?.accessKey ?? 'nixreader') === (input.builder?.accessKey ?? 'nixbuilder')) {
    issues.push({ field: 'reader.accessKey', message: 'must differ from builder.accessKey: the machines read with a user that cannot write' });
  }
  // Two answers naming one file would have the second write clobber the first.
  const seen = new Map<string, string>();
  const pathAnswers: [string, string][] = [
    ...Object.entries(files).map(([key, path]) => [`files.${key}`, path] as [string, string]),
    ['key.secretFile', input.key?.secretFile ?? '~/.config/nix/secret.key'],
    ['key.publicFile', input.key?.publicFile ?? '~/.config/nix/public.key'],
  ];
  for (const [field, path] of pathAnswers) {
    const full = expandUserPath(path, effects);
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
  const insecure = input.insecure ?? false;
  const answers: Answers = {
    backend,
    endpoint: normalized,
    region: input.region ?? 'us-east-1',
    caFile,
    insecure,
    admin: { accessKey: adminAccessKey, secretKey: adminSecretKey, mcAlias },
    adminVia: input.adminVia ?? 'api',
    alias: input.alias ?? mcAlias ?? 's3',
    writeMcConfig: input.writeMcConfig ?? true,
    bucket: input.bucket ?? 'nix-cache',
    builder: {
      accessKey: input.builder?.accessKey ?? 'nixbuilder',
      secretKey: input.builder?.secretKey,
      profile: input.builder?.profile ?? 'nixbuilder',
    },
    reader: {
      accessKey: input.reader?.accessKey ?? 'nixreader',
      secretKey: input.reader?.secretKey,
      profile: input.reader?.profile ?? 'nixreader',
    },
    policyName: input.policyName ?? 'nix-cache-write',
    anonymous: input.anonymous ?? 'get',
    cacheInfo: {
      storeDir: input.cacheInfo?.storeDir ?? '/nix/store',
      wantMassQuery: input.cacheInfo?.wantMassQuery ?? true,
      priority: input.cacheInfo?.priority ?? 30,
    },
    key: {
      name: input.key?.name ?? firstKeyName(normalized, input.bucket ?? 'nix-cache'),
      secretFile: input.key?.secretFile ?? '~/.config/nix/secret.key',
      publicFile: input.key?.publicFile ?? '~/.config/nix/public.key',
      trusted: input.key?.trusted ?? readTrustedKeysSync(effects, normalized, input.bucket ?? 'nix-cache'),
    },
    expireDays: input.expireDays === undefined ? null : input.expireDays,
    connectTimeout: input.connectTimeout === undefined ? 5 : input.connectTimeout,
    files,
  };
  return { ok: true, value: { answers, warnings: endpointWarnings(normalized, insecure) } };
}

/** Like resolveAnswers, for `--yes` and no-TTY runs: a missing answer is a UsageError naming each one. */
export function requireCompleteAnswers(
  input: AnswersInput,
  effects: Pick<Effects, 'env' | 'home' | 'cwd'>,
  options: { readonly offline?: boolean } = {},
): ResolvedAnswers {
  const resolution = resolveAnswers(input, effects, options);
  if (resolution.ok) return resolution.value;
  const issues = resolution.missing.map((m) => ({ field: m.field, message: `is required (${m.hint})` }));
  const lines = issues.map((i) => `  ${i.field}: ${i.message}`);
  throw new UsageError(`missing answers (give them in --answers FILE, or run in a terminal to be asked):\n${lines.join('\n')}`, issues[0]?.field, issues);
}
