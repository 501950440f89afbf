/**
 * The answers file's schema (SPEC 2), with zod. Every rule has its own message so an error names
 * the field and the rule; unknown keys are errors (typos must not pass silently). This checks the
 * shape and each value on its own; `resolve-answers.ts` applies defaults and cross-field rules.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { parseNixPublicKey } from '../keys/nix-public-key';
import { findUnsafeSecretCharacter, SECRET_SYMBOLS } from '../secrets/secret-alphabet';

const ACCESS_KEY = /^[A-Za-z0-9._@+=,-]+$/;
/** Control characters (NUL, tab, escape, …): no file, header or terminal line holds them as they are. */
const CONTROL = /\p{Cc}/u;
const noControl = 'must not contain control characters (NUL, tab, escape, line breaks)';
/** Format and control characters: zero-width spaces and joiners, direction marks, BOM. */
const INVISIBLE = /[\p{Cf}\p{Cc}]/u;

export const bucketName = z.string().superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  if (value.length < 3 || value.length > 63) return fail(`must be 3–63 characters long (S3 bucket naming rules), got ${value.length}`);
  if (!/^[a-z0-9.-]+$/.test(value)) return fail('may hold only lowercase letters, digits, dots and hyphens (S3 bucket naming rules)');
  if (!/^[a-z0-9]/.test(value) || !/[a-z0-9]$/.test(value)) return fail('must begin and end with a lowercase letter or a digit (S3 bucket naming rules)');
  if (value.includes('..')) return fail('must not contain two dots in a row (S3 bucket naming rules)');
  // Only the dotted IPv4 form fits the characters allowed above (an IPv6 address needs ":"); and
  // isIP would compile Node's IPv6 pattern, 12 ms at every start.
  if (isIPv4(value)) return fail('must not be an IP address (S3 bucket naming rules)');
  if (value.includes('.-') || value.includes('-.')) return fail('must not have a dot next to a hyphen (S3 bucket naming rules; MinIO refuses it too)');
  // Names AWS keeps for its own kinds of bucket (access points, directory and table buckets, docs).
  const prefix = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((p) => value.startsWith(p));
  if (prefix) return fail(`must not start with "${prefix}" (reserved by the S3 bucket naming rules)`);
  const suffix = ['-s3alias', '--ol-s3', '--x-s3', '--table-s3'].find((p) => value.endsWith(p));
  if (suffix) return fail(`must not end with "${suffix}" (reserved by the S3 bucket naming rules)`);
});

export const endpointUrl = z.string().superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  // The URL parser trims white space and drops invisible characters from a host (U+200B turns
  // "cache\u200b.example.org" into another host): refuse them instead of guessing.
  if (/\s/.test(value)) return fail('must not contain white space');
  if (INVISIBLE.test(value)) return fail('must not contain invisible characters (zero-width spaces, joiners, direction marks)');
  if (/^[a-z]+:\/\/[^/?#]*:(?=$|[/?#])/i.test(value)) return fail('has ":" but no port after it; give a port 1–65535 or none');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('must be a URL of the form http(s)://host[:port]');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`must start with http:// or https://, not ${url.protocol}//`);
  if (url.port === '0') return fail('port must be 1–65535, not 0');
  if (url.username || url.password) return fail('must not hold credentials (give them as admin.accessKey / admin.secretKey)');
  if (url.pathname !== '/' && url.pathname !== '') return fail(`must have no path (got "${url.pathname}"): the bucket is a separate answer`);
  if (value.replace(/\/$/, '').match(/^[a-z]+:\/\/[^/]*\/./)) return fail('must have no path: the bucket is a separate answer');
  if (url.search || value.includes('?')) return fail('must have no query string');
  if (url.hash || value.includes('#')) return fail('must have no fragment');
});

export const accessKey = z
  .string()
  .min(3, 'must be 3–64 characters long')
  .max(64, 'must be 3–64 characters long')
  .regex(ACCESS_KEY, 'may hold only letters, digits and . _ @ + = -')
  // SigV4 carries the key in `Authorization: AWS4-HMAC-SHA256 Credential=KEY/date/…, SignedHeaders=…`:
  // a comma ends the Credential part, so RGW accepts such a user and then refuses every request
  // signed with its key.
  .refine((v) => !v.includes(','), 'must not contain "," (a SigV4 request carries the key in a comma-separated header, so no request signed with it could be read)');

/** The longest secret this wizard makes or accepts for keys it sets (SPEC 2). */
export const SECRET_MAX = 40;
/** Keys made elsewhere (admin keys; builder keys on `s3`) may be longer: R2 issues 64 (SPEC 2). */
export const FOREIGN_SECRET_MAX = 128;

export const secretKey = z.string().superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  // The schema allows keys made elsewhere; resolve-answers holds keys set here to SECRET_MAX.
  if (value.length < 8 || value.length > FOREIGN_SECRET_MAX) return fail(`must be 8–${SECRET_MAX} characters long (up to ${FOREIGN_SECRET_MAX} for keys made elsewhere)`);
  const bad = findUnsafeSecretCharacter(value);
  if (bad !== undefined) {
    const shown = /\s/.test(bad) ? JSON.stringify(bad) : `"${bad}"`;
    return fail(
      `holds the character ${shown}, which does not survive every place the secret is written (INI, JSON, MC_HOST URLs, Nix strings, shell commands); use letters, digits and ${SECRET_SYMBOLS.split('').join(' ')}`,
    );
  }
});

export const aliasName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must be a letter followed by letters, digits, _ or -')
  .max(64, 'must be at most 64 characters long');

export const profileName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters long')
  .regex(/^[A-Za-z0-9._@+-]+$/, 'may hold only letters, digits and . _ @ + -');

export const policyName = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters long')
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, . _ and -');

export const keyName = z
  .string()
  .min(1, 'must not be empty')
  .refine((v) => !INVISIBLE.test(v), 'must not contain invisible characters (zero-width spaces, joiners, direction marks)')
  .refine((v) => /^[\x21-\x7e]*$/.test(v) || /\s/.test(v), 'must be printable ASCII: letters from other scripts can look like these and name another key')
  .refine((v) => !v.includes(':'), 'must not contain ":" (Nix separates the name from the key with it)')
  .refine((v) => !/\s/.test(v), 'must not contain white space')
  .refine((v) => !v.includes('#'), 'must not contain "#" (nix.conf would read the rest as a comment)');

/** A previous public key still trusted after a rotation (SPEC 8): `NAME:BASE64(32 bytes)`. */
const trustedPublicKey = z.string().superRefine((value, ctx) => {
  if (CONTROL.test(value)) return ctx.addIssue({ code: z.ZodIssueCode.custom, message: noControl });
  try {
    parseNixPublicKey(value, 'the key');
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a Nix public key, NAME:BASE64(32 bytes) (${(error as Error).message.replace(/^the key is not a valid Nix public key: /, '').replace(/\. Expected .*$/, '')})` });
  }
});

export const filePath = z
  .string()
  .min(1, 'must not be empty')
  .refine((v) => !CONTROL.test(v), noControl)
  // U+FFFD is what undecodable bytes become; a lone surrogate cannot be a file name either.
  .refine((v) => !/\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v), 'must be valid UTF-8 text (it holds bytes that are not)');

const storeDir = z
  .string()
  .regex(/^\/[^\s\p{Cc}]*$/u, 'must be an absolute path without white space or control characters')
  .refine((v) => v === '/' || !v.endsWith('/'), 'must not end with "/"');

const region = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters long')
  .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, _ and -');

const priority = z
  .number({ invalid_type_error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0..1000')
  .max(1000, 'must be 0..1000');

const expireDays = z
  .number({ invalid_type_error: 'must be a whole number of days or null' })
  .int('must be a whole number of days')
  .min(1, 'must be 1..36500 days, or null for no expiry')
  .max(36500, 'must be 1..36500 days, or null for no expiry')
  .nullable();

const connectTimeout = z
  .number({ invalid_type_error: 'must be a whole number of seconds or null' })
  .int('must be a whole number of seconds')
  .min(1, 'must be 1..600 seconds, or null for Nix\'s default (no timeout)')
  .max(600, 'must be 1..600 seconds, or null for Nix\'s default (no timeout)')
  .nullable();

const bool = (what: string) => z.boolean({ invalid_type_error: `must be true or false (${what})` });

/** The answers file: every key optional here; which are required is decided in resolve-answers.ts. */
export const answersInputSchema = z
  .object({
    backend: z.enum(['minio', 'ceph', 's3'], { errorMap: () => ({ message: 'must be "minio", "ceph" or "s3"' }) }),
    endpoint: endpointUrl,
    region,
    caFile: filePath,
    insecure: bool('skip TLS verification'),
    admin: z
      .object({ accessKey, secretKey, mcAlias: aliasName })
      .partial()
      .strict(),
    adminVia: z.enum(['api', 'mc'], { errorMap: () => ({ message: 'must be "api" or "mc"' }) }),
    alias: aliasName,
    writeMcConfig: bool('write the mc config'),
    bucket: bucketName,
    builder: z.object({ accessKey, secretKey, profile: profileName }).partial().strict(),
    reader: z.object({ accessKey, secretKey, profile: profileName }).partial().strict(),
    policyName,
    anonymous: z.enum(['get', 'download', 'none'], { errorMap: () => ({ message: 'must be "get", "download" or "none"' }) }),
    cacheInfo: z.object({ storeDir, wantMassQuery: bool('WantMassQuery'), priority }).partial().strict(),
    key: z.object({ name: keyName, secretFile: filePath, publicFile: filePath, trusted: z.array(trustedPublicKey, { invalid_type_error: 'must be a list of public keys' }).readonly() }).partial().strict(),
    expireDays,
    connectTimeout,
    files: z
      .object({
        mcConfig: filePath,
        awsCredentials: filePath,
        nixosModule: filePath,
        nixConf: filePath,
        policy: filePath,
        cacheInfo: filePath,
        builderModule: filePath,
        readerCredentials: filePath,
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type AnswersInput = z.infer<typeof answersInputSchema>;

/** Field paths as the user writes them (`admin.accessKey`), for messages and the UI. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(answers)' : path.join('.');
}
