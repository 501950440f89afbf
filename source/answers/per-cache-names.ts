/**
 * The names one cache may take for something shared with other caches (SPEC 2, "Many caches on
 * one server"): the first-setup name, then names of this cache's own made from its bucket, then
 * numbered ones. Whoever decides (the defaults, a step's conflict offering a free name) walks the
 * same list and takes the first name that is free or already this cache's, so a re-run lands on the
 * name its first run took.
 */

/** How many names of its own a cache tries before giving up on finding a free one. */
const OWN_NAMES = 4;

export interface PerCacheNameRule {
  /** the longest name the destination takes (MinIO and RGW access keys: 64) */
  readonly maxLength?: number;
  /** a tail kept at the end (`-1` of a key name, `.key` of a key file): the bucket goes before it */
  readonly tail?: RegExp;
  /** characters the destination refuses, replaced by `-` (a `.` in an mc alias) */
  readonly refused?: RegExp;
}

/** The names `first` becomes for the cache of `bucket`, in the order they are tried. */
export function perCacheNames(first: string, bucket: string, rule: PerCacheNameRule = {}): string[] {
  const tail = rule.tail ? (rule.tail.exec(first)?.[0] ?? '') : '';
  const stem = first.slice(0, first.length - tail.length);
  const tag = rule.refused ? bucket.replace(rule.refused, '-') : bucket;
  const names = [first];
  for (let n = 1; n <= OWN_NAMES; n++) {
    const number = n === 1 ? '' : `-${n}`;
    const room = (rule.maxLength ?? Infinity) - stem.length - 1 - number.length - tail.length;
    names.push(`${stem}-${tag.slice(0, Math.max(1, room)).replace(/[-.]+$/, '')}${number}${tail}`);
  }
  return [...new Set(names)];
}

/** The first of `names` that `usable` accepts (free, or this cache's own); the last one otherwise. */
export async function firstUsableName(names: readonly string[], usable: (name: string) => Promise<boolean> | boolean): Promise<string> {
  for (const name of names) if (await usable(name)) return name;
  return names[names.length - 1]!;
}

/**
 * The answers that name something of one cache's own where other caches keep theirs: a setup's
 * remembered values of these stay its names whatever an answers file leaves out (SPEC 2).
 */
export const PER_CACHE_FIELDS = [
  'builder.accessKey',
  'builder.profile',
  'reader.accessKey',
  'reader.profile',
  'policyName',
  'alias',
  'key.name',
  'key.secretFile',
  'key.publicFile',
  'files.nixosModule',
  'files.nixConf',
  'files.policy',
  'files.cacheInfo',
  'files.builderModule',
  'files.readerCredentials',
] as const;

/** MinIO and RGW user names (access keys, SPEC 2: 3–64 characters). */
export const ACCESS_KEY_NAME_RULE: PerCacheNameRule = { maxLength: 64 };

/**
 * The endpoint's host as it may stand in a key name: a name holds no `:` (nix splits `name:key`
 * at the first one), so an IPv6 address has its colons made dashes, after `ipv6-`
 * (`http://[::1]:9000` gives `ipv6-1`, `[fd00::5]` gives `ipv6-fd00-5`).
 */
export function keyNameHost(endpoint: string | undefined): string {
  let host = 'cache';
  try {
    if (endpoint) host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '') || 'cache';
  } catch {
    host = 'cache';
  }
  return host.includes(':') ? `ipv6-${host.replace(/:+/g, '-').replace(/^-+|-+$/g, '')}` : host;
}

/**
 * The key names a new key of this cache may take, in order (notes/nix.md: `<cache host>-<n>`, the
 * number bumped on rotation): host and bucket, so that two caches on one server never propose the
 * same name (issue 15: a client trusting two keys of one name accepts only the first listed); then
 * with the port too, for two servers on one host.
 */
export function keyNames(endpoint: string | undefined, bucket: string): string[] {
  const host = keyNameHost(endpoint);
  let port = '';
  try {
    if (endpoint) port = new URL(endpoint).port || (endpoint.startsWith('https:') ? '443' : '80');
  } catch {
    port = '';
  }
  return [`${host}-${bucket}-1`, ...(port ? [`${host}-${port}-${bucket}-1`] : [])];
}

/** The first-setup key name. */
export function firstKeyName(endpoint: string | undefined, bucket: string): string {
  return keyNames(endpoint, bucket)[0]!;
}

/**
 * A cache's own files: the bucket goes before the extension (`secret.key` → `secret-b.key`,
 * `./nix-cache.nix` → `./nix-cache-b.nix`), or at the end when there is none (`./nix-cache-info-b`).
 */
export const CACHE_FILE_RULE: PerCacheNameRule = { tail: /\.[A-Za-z]+$/ };
