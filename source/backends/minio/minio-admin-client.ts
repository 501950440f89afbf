/**
 * A small client for MinIO's admin REST API, `/minio/admin/v3` (notes/minio-admin.md), the API
 * `mc admin` speaks, so the wizard needs no external program. Only the five calls the setup needs.
 * Bodies that carry a secret (add-user, attach) are encrypted with madmin's scheme under the
 * admin secret key; every request is SigV4-signed by the admin.
 */
import { StepError } from '../../errors';
import type { PolicyDocument } from '../../policies/write-policy';
import { decryptData, encryptData, MADMIN_ARGON2ID_AES_GCM, MADMIN_PBKDF2_AES_GCM, type MadminAeadId } from './madmin-encryption';
import type { AttachOutcome, MinioAdmin, UserLookup } from './minio-admin';
import { AdminDenialError, policyUsersFrom, splitPolicyNames } from './minio-admin';
import { type AccessKeys, type EndpointOptions, parseServerError, queryString, type RawResponse, sendSignedRequest, type ServerError } from '../signed-request';

const PREFIX = '/minio/admin/v3';

/** The advice after an admin answer naming something setup makes in an earlier step. */
const RUN_AGAIN = 'Run the same command again:';
/** Why a step just done may not be seen yet (issue 20: a distributed MinIO's nodes learn a new user or policy one by one). */
const CLUSTER_LAG = '; on a distributed MinIO a node can take a moment to learn of one just made.';

export interface MinioAdminClientOptions extends EndpointOptions {
  /** the admin (root) credentials: they sign every request and key the body encryption */
  readonly admin: AccessKeys;
  /** cryptographically secure random bytes (Effects.randomBytes), for the encryption's salt and nonce */
  readonly randomBytes: (length: number) => Uint8Array;
}

export type AdminOperation = 'user-info' | 'add-user' | 'policy-info' | 'add-policy' | 'attach' | 'policy-users';

const STEP_OF: Record<AdminOperation, string> = {
  'user-info': 'user',
  'add-user': 'user',
  'policy-info': 'policy',
  'add-policy': 'policy',
  attach: 'attach',
  'policy-users': 'policy',
};

const WHAT: Record<AdminOperation, string> = {
  'user-info': 'look up the builder user',
  'add-user': 'create the builder user',
  'policy-info': 'read the canned policy',
  'add-policy': 'write the canned policy',
  attach: 'attach the policy to the builder user',
  'policy-users': 'list which users each policy is attached to',
};

/**
 * Turns a MinIO error answer into a StepError in plain words. The server's own message is
 * included: it describes the request, never our secrets.
 */
export function adminError(operation: AdminOperation, endpoint: string, adminAccessKey: string, status: number | undefined, error: ServerError): StepError {
  const step = STEP_OF[operation];
  const what = WHAT[operation];
  const code = error.code ?? (status === undefined ? 'no error code' : `HTTP ${status}`);
  switch (error.code) {
    case 'SignatureDoesNotMatch':
      return new StepError(
        `${endpoint} refused the admin secret key for access key "${adminAccessKey}" (SignatureDoesNotMatch) while trying to ${what}.`,
        step,
        'Check admin.secretKey (or NIX_CACHE_ADMIN_SECRET_KEY); it must be the secret of the MinIO root user or another admin.',
      );
    case 'InvalidAccessKeyId':
      return new StepError(
        `${endpoint} does not know the admin access key "${adminAccessKey}" (InvalidAccessKeyId).`,
        step,
        'Check admin.accessKey (or NIX_CACHE_ADMIN_ACCESS_KEY); use the MinIO root user.',
      );
    case 'AccessDenied':
    case 'XMinioAdminAccessDenied':
      return new StepError(
        `The access key "${adminAccessKey}" is not allowed to ${what} on ${endpoint} (${code}).`,
        step,
        'Use the MinIO root credentials (MINIO_ROOT_USER / MINIO_ROOT_PASSWORD) or a user with the consoleAdmin policy.',
      );
    case 'RequestTimeTooSkewed':
      return new StepError(
        `${endpoint} says this computer's clock is too far from its own (RequestTimeTooSkewed).`,
        step,
        'Set the clock right (for example with NTP) on this computer or on the server.',
      );
    case 'XMinioAdminNoSuchPolicy': {
      const said = `MinIO at ${endpoint} says the canned policy does not exist`;
      return new AdminDenialError(`${said}, so it cannot ${what}.`, step, `${RUN_AGAIN} its policy step writes the policy${CLUSTER_LAG}`, said);
    }
    case 'XMinioAdminNoSuchUser': {
      const said = `MinIO at ${endpoint} says the user does not exist`;
      return new AdminDenialError(`${said}, so it cannot ${what}.`, step, `${RUN_AGAIN} its user step creates the user${CLUSTER_LAG}`, said);
    }
    case 'XMinioIAMNotInitialized':
    case 'XMinioServerNotInitialized':
      return new StepError(`${endpoint} is still starting up (${code}).`, step, 'Wait a moment and run the wizard again.');
    default: {
      const message = error.message === undefined ? '' : `: ${error.message}`;
      const httpStatus = error.code !== undefined && status !== undefined ? `, HTTP ${status}` : '';
      return new StepError(`MinIO at ${endpoint} could not ${what} (${code}${httpStatus})${message}`, step);
    }
  }
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

function parseJson(response: RawResponse, operation: AdminOperation, endpoint: string): unknown {
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    throw new StepError(
      `MinIO at ${endpoint} answered the request to ${WHAT[operation]} with something that is not JSON (HTTP ${response.status}).`,
      STEP_OF[operation],
      'Check that the endpoint is a MinIO server and not a proxy or another S3 store.',
    );
  }
}

/** The policy document inside an `info-canned-policy` answer (v2 wraps it; old servers send it bare). */
export function policyFromInfo(info: unknown): unknown {
  if (info !== null && typeof info === 'object' && 'Policy' in info) {
    const policy = (info as { Policy: unknown }).Policy;
    if (typeof policy === 'string') {
      try {
        return JSON.parse(policy) as unknown;
      } catch {
        return policy;
      }
    }
    return policy;
  }
  return info;
}

/** The server does not know the call (older or newer than it). */
function unknownCall(response: RawResponse, error: { readonly code?: string | undefined }): boolean {
  return (
    (response.status === 404 && !(error.code ?? '').startsWith('XMinioAdminNoSuch')) ||
    error.code === 'NotImplemented' ||
    error.code === 'XMinioAdminVersionMismatch' ||
    error.code === 'XMinioUnknownAPIRequest'
  );
}

export function createMinioAdminClient(options: MinioAdminClientOptions): MinioAdmin {
  const endpoint = options.endpoint;
  /** `safe: false`: never sent twice (request-rules.ts), see addUser */
  const send = (method: 'GET' | 'PUT' | 'POST', path: string, body?: Uint8Array, contentType?: string, safe = true) =>
    sendSignedRequest(options, options.admin, { method, path, safe, ...(body === undefined ? {} : { body }), ...(contentType === undefined ? {} : { contentType }) });
  const fail = (operation: AdminOperation, response: RawResponse) =>
    adminError(operation, endpoint, options.admin.accessKey, response.status, parseServerError(response.body));
  /**
   * Sends a body that carries a secret, encrypted the madmin way. PBKDF2 (id 0x02) first: every
   * server with madmin-go's FIPS support (2022 on) decrypts it, and it takes milliseconds where
   * Argon2id's 64 MiB takes seconds in Node (about 1.8 s each on a loaded machine, two per
   * setup: the bulk of a fresh run's time). A server that cannot decrypt it answers
   * XMinioAdminConfigBadJSON; then Argon2id (id 0x00), which every server decrypts.
   */
  async function sendEncrypted(method: 'PUT' | 'POST', path: string, value: unknown, safe = true): Promise<RawResponse> {
    const plain = new TextEncoder().encode(JSON.stringify(value));
    const attempt = async (aeadId: MadminAeadId) =>
      send(method, path, await encryptData(options.admin.secretKey, plain, { randomBytes: options.randomBytes, aeadId }), 'application/octet-stream', safe);
    const fast = await attempt(MADMIN_PBKDF2_AES_GCM);
    if (isOk(fast.status) || parseServerError(fast.body).code !== 'XMinioAdminConfigBadJSON') return fast;
    return attempt(MADMIN_ARGON2ID_AES_GCM);
  }

  async function userInfo(accessKey: string): Promise<UserLookup> {
    const response = await send('GET', `${PREFIX}/user-info?${queryString([['accessKey', accessKey]])}`);
    if (!isOk(response.status)) {
      if (parseServerError(response.body).code === 'XMinioAdminNoSuchUser') return { exists: false };
      throw fail('user-info', response);
    }
    const info = parseJson(response, 'user-info', endpoint) as { policyName?: unknown; status?: unknown };
    return { exists: true, status: typeof info.status === 'string' ? info.status : 'enabled', policyNames: splitPolicyNames(info.policyName) };
  }

  /**
   * set-user-or-group-policy REPLACES the user's list, so it gets the names attached now plus
   * ours; undefined when the server has no such call (a future one may drop it).
   */
  async function setUserPolicies(policyName: string, user: string, attachedNow: readonly string[] | undefined): Promise<AttachOutcome | undefined> {
    const current = attachedNow === undefined ? await userInfo(user) : undefined;
    const names = attachedNow ?? (current?.exists ? current.policyNames : []);
    if (names.includes(policyName)) return 'already-attached';
    const path = `${PREFIX}/set-user-or-group-policy?${queryString([['policyName', [...names, policyName].join(',')], ['userOrGroup', user], ['isGroup', 'false']])}`;
    const response = await send('PUT', path);
    if (isOk(response.status)) return 'attached';
    const error = parseServerError(response.body);
    // A name attached now whose policy was deleted since makes the whole list invalid: attach adds ours alone.
    if (unknownCall(response, error) || error.code === 'XMinioAdminNoSuchPolicy') return undefined;
    throw fail('attach', response);
  }

  return {
    via: 'api',
    userInfo,

    async addUser(accessKey, secretKey) {
      // Not sent twice: it sets a secret, and one whose answer is lost goes through the
      // pending-secret path (the secret is saved before; the next run checks it) like a killed run.
      const response = await sendEncrypted('PUT', `${PREFIX}/add-user?${queryString([['accessKey', accessKey]])}`, { secretKey, status: 'enabled' }, false);
      if (!isOk(response.status)) throw fail('add-user', response);
    },

    async cannedPolicyInfo(name) {
      const response = await send('GET', `${PREFIX}/info-canned-policy?${queryString([['name', name], ['v', '2']])}`);
      if (!isOk(response.status)) {
        if (parseServerError(response.body).code === 'XMinioAdminNoSuchPolicy') return undefined;
        throw fail('policy-info', response);
      }
      return policyFromInfo(parseJson(response, 'policy-info', endpoint));
    },

    async addCannedPolicy(name: string, document: PolicyDocument) {
      // The policy travels in plain JSON: it holds no secret, and the server expects it so.
      const body = new TextEncoder().encode(JSON.stringify(document));
      const response = await send('PUT', `${PREFIX}/add-canned-policy?${queryString([['name', name]])}`, body, 'application/json');
      if (!isOk(response.status)) throw fail('add-policy', response);
    },

    /**
     * Through set-user-or-group-policy first: the attach call answers with a body the server
     * encrypts with Argon2id (64 MiB), about 250 ms of server time on every fresh setup, the
     * slowest request of the run; set answers with no body. The names attached now come from the
     * caller (the run's read of the user) or are read just before, so only a policy attached by
     * someone else in between could be lost. The attach call
     * when the server has no set call, or the list names a policy deleted since.
     */
    async attachPolicy(policyName, user, attachedNow) {
      const set = await setUserPolicies(policyName, user, attachedNow);
      if (set !== undefined) return set;
      const response = await sendEncrypted('POST', `${PREFIX}/idp/builtin/policy/attach`, { policies: [policyName], user });
      // 200 carries an encrypted result; 201 and 204 come from older servers. None needs reading.
      if (isOk(response.status)) return 'attached';
      const error = parseServerError(response.body);
      if (error.code === 'XMinioAdminPolicyChangeAlreadyApplied') return 'already-attached';
      throw fail('attach', response);
    },

    /** The answer is encrypted under the admin secret (madmin), like every listing of users. */
    async policyUsers() {
      const response = await send('GET', `${PREFIX}/idp/builtin/policy-entities`);
      if (!isOk(response.status)) throw fail('policy-users', response);
      let plain: Uint8Array;
      try {
        plain = await decryptData(options.admin.secretKey, response.body);
      } catch {
        throw new StepError(`${endpoint} answered the policy listing with a body that does not decrypt with the admin secret.`, 'policy', 'Check that the endpoint is a MinIO server and not a proxy or another S3 store.');
      }
      try {
        return policyUsersFrom(JSON.parse(new TextDecoder().decode(plain)) as unknown);
      } catch {
        throw new StepError(`${endpoint} answered the policy listing with something that is not JSON.`, 'policy', 'Check that the endpoint is a MinIO server and not a proxy or another S3 store.');
      }
    },
  };
}
