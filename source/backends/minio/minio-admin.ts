/**
 * What the MinIO steps need from an admin connection, whichever way it talks: MinIO's admin REST
 * API (`minio-admin-client.ts`) or the `mc` program (`mc-client.ts`). Both throw `StepError`s
 * in plain words that never hold a secret.
 */
import type { ReadCache } from '../../steps/read-cache';
import type { PolicyDocument } from '../../policies/write-policy';
import { StepError } from '../../errors';
import { askAround, sendWithRetries } from '../../requests/request-rules';

/**
 * MinIO said a user or canned policy does not exist (XMinioAdminNoSuchUser, XMinioAdminNoSuchPolicy):
 * true, or a node of a distributed MinIO that has not learnt of it yet (issue 20), which another
 * node behind the balancer may know.
 */
export class AdminDenialError extends StepError {
  constructor(
    message: string,
    step: string,
    hint: string,
    /** what the server said, for a retry's notice: "MinIO at … says the canned policy does not exist" */
    readonly said: string,
  ) {
    super(message, step, hint);
  }
}

/** A user lookup: a missing user is a result, not an error. */
export type UserLookup =
  | { readonly exists: false }
  | {
      readonly exists: true;
      /** `enabled` or `disabled` */
      readonly status: string;
      /** the policies attached to the user itself (not through groups) */
      readonly policyNames: readonly string[];
    };

export type AttachOutcome = 'attached' | 'already-attached';

export interface MinioAdmin {
  readonly via: 'api' | 'mc';
  /** read-only */
  userInfo(accessKey: string): Promise<UserLookup>;
  /** Creates the user. MinIO upserts: on an existing user this silently resets its secret, so callers check first. */
  addUser(accessKey: string, secretKey: string): Promise<void>;
  /** read-only: the policy document as the server holds it, or undefined when there is no such policy */
  cannedPolicyInfo(name: string): Promise<unknown>;
  /** creates or replaces the canned policy */
  addCannedPolicy(name: string, document: PolicyDocument): Promise<void>;
  /**
   * Adds `policyName` to the user's policies. `attachedNow`: the names attached to the user now,
   * when the caller knows them (saves a read where the call replaces the whole list).
   */
  attachPolicy(policyName: string, user: string, attachedNow?: readonly string[]): Promise<AttachOutcome>;
  /**
   * read-only: the users each canned policy is attached to (policies attached to nobody are left
   * out), to tell whether a policy or a user belongs to another cache on the same server.
   */
  policyUsers(): Promise<PolicyUsers>;
}

/** policy name → the users it is attached to */
export type PolicyUsers = ReadonlyMap<string, readonly string[]>;

/** The mapping in a `policy-entities` answer (`{policyMappings: [{policy, users}]}`), as PolicyUsers. */
export function policyUsersFrom(result: unknown): PolicyUsers {
  const mappings = (result as { policyMappings?: unknown } | null)?.policyMappings;
  const out = new Map<string, string[]>();
  if (!Array.isArray(mappings)) return out;
  for (const mapping of mappings as unknown[]) {
    const { policy, users } = (mapping ?? {}) as { policy?: unknown; users?: unknown };
    if (typeof policy !== 'string' || !Array.isArray(users)) continue;
    out.set(policy, users.filter((user): user is string => typeof user === 'string'));
  }
  return out;
}

/** MinIO keeps the policy names of a user as one comma-separated string. */
export function splitPolicyNames(policyName: unknown): string[] {
  if (typeof policyName !== 'string') return [];
  return policyName
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** An admin connection made on its first call (its module loaded then). */
export function lazyMinioAdmin(via: MinioAdmin['via'], make: () => Promise<MinioAdmin>): MinioAdmin {
  let made: Promise<MinioAdmin> | undefined;
  const admin = () => (made ??= make());
  return {
    via,
    userInfo: async (accessKey) => (await admin()).userInfo(accessKey),
    addUser: async (accessKey, secretKey) => (await admin()).addUser(accessKey, secretKey),
    cannedPolicyInfo: async (name) => (await admin()).cannedPolicyInfo(name),
    addCannedPolicy: async (name, document) => (await admin()).addCannedPolicy(name, document),
    attachPolicy: async (policyName, user, attachedNow) => (await admin()).attachPolicy(policyName, user, attachedNow),
    policyUsers: async () => (await admin()).policyUsers(),
  };
}

/** Attempts of a change a node denied (AdminDenialError), the first included, and the fixed wait before each. */
const DENIED_CHANGE_ATTEMPTS = 4;
const DENIED_CHANGE_WAIT_MS = 250;

/**
 * Sends a change again, up to DENIED_CHANGE_ATTEMPTS in all after a short fixed wait, while the
 * server says the user or canned policy it names does not exist: each attempt is a request of its
 * own, so behind a balancer it reaches another node, and what helps is another node, not a later
 * time (as with InvalidAccessKeyId in the request rules, whose loop and notices it shares). Run L
 * of issue 20 saw attach stop so, right after the policy step wrote the policy. Only for a change
 * that may be sent twice (attach sets a list, or says it is already applied). On one server a real
 * denial costs 3 more requests and under a second.
 */
async function sendAround<T>(change: () => Promise<T>): Promise<T> {
  const outcome = await sendWithRetries<{ readonly value: T } | { readonly denial: AdminDenialError }>(true, async () => {
    try {
      return { done: { value: await change() } };
    } catch (error) {
      if (!(error instanceof AdminDenialError)) throw error;
      return { retry: `${error.said} (a node not caught up?)`, last: { denial: error }, attempts: DENIED_CHANGE_ATTEMPTS, waitMs: DENIED_CHANGE_WAIT_MS };
    }
  });
  if ('denial' in outcome) throw outcome.denial;
  return outcome.value;
}

/**
 * The same admin connection (REST API or mc) reading through a run's read cache
 * (plan/read-cache.ts): the user and the canned policy are read once per run whichever steps ask,
 * and each change forgets what it changed, so the next read asks the server. A user or canned
 * policy a node says is not there is asked about on other nodes too (askAround, issue 20), unless
 * `askAround` is false.
 */
export function minioAdminWithReads(admin: MinioAdmin, reads: ReadCache, options: { readonly askAround?: boolean } = {}): MinioAdmin {
  /** a read whose denial is asked about on other nodes too, unless the caller needs no more than one answer */
  const around = <T>(ask: () => Promise<T>, denied: (answer: T) => boolean, fallback?: (answers: readonly T[]) => T | undefined): Promise<T> =>
    options.askAround === false ? ask() : askAround(ask, denied, fallback);
  const userKey = (accessKey: string) => `minio-admin user/${accessKey}`;
  const policyKey = (name: string) => `minio-admin policy/${name}`;
  const policyUsersKey = 'minio-admin policy-users';
  const changing = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } finally {
      reads.forget(key);
    }
  };
  return {
    via: admin.via,
    // a user not found, or found without a policy, is asked about on other nodes too (askAround)
    userInfo: (accessKey) =>
      reads.read(userKey(accessKey), () =>
        around(
          () => admin.userInfo(accessKey),
          (found) => !found.exists || found.policyNames.length === 0,
          (answers) => answers.find((found) => found.exists),
        ),
      ),
    addUser: async (accessKey, secretKey) => {
      const before = await reads.peek<UserLookup>(userKey(accessKey))?.catch(() => undefined);
      await changing(userKey(accessKey), () => admin.addUser(accessKey, secretKey));
      // MinIO upserts: a new user has no policy, an existing one keeps its own; either way it is
      // enabled now. Known without a read-back.
      if (before !== undefined) reads.remember<UserLookup>(userKey(accessKey), { exists: true, status: 'enabled', policyNames: before.exists ? before.policyNames : [] });
    },
    cannedPolicyInfo: (name) => reads.read(policyKey(name), () => around(() => admin.cannedPolicyInfo(name), (policy) => policy === undefined)),
    addCannedPolicy: (name, document) => changing(policyKey(name), () => admin.addCannedPolicy(name, document)),
    policyUsers: () => reads.read(policyUsersKey, () => admin.policyUsers()),
    attachPolicy: (policyName, user, attachedNow) =>
      changing(userKey(user), async () => {
        const found = attachedNow === undefined ? await reads.peek<UserLookup>(userKey(user))?.catch(() => undefined) : undefined;
        const known = attachedNow ?? (found?.exists ? found.policyNames : undefined);
        const attach = () => admin.attachPolicy(policyName, user, known);
        return changing(policyUsersKey, () => (options.askAround === false ? attach() : sendAround(attach)));
      }),
  };
}
