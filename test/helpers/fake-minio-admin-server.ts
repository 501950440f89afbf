/**
 * A test stand-in for a MinIO server's admin API (and the one S3 call the builder check makes),
 * on 127.0.0.1 at a random port. It is strict where MinIO is strict, so the client cannot pass by
 * luck: every request's SigV4 signature is recomputed with @smithy/signature-v4 (an implementation
 * independent of the `aws4` the product signs with) and a mismatch is 403 SignatureDoesNotMatch;
 * X-Amz-Content-Sha256 must be the hex SHA-256 of the body; add-user and attach bodies must
 * decrypt under the admin secret. It keeps users and policies in memory, answers like MinIO
 * (including add-user's silent upsert and attach's "already applied"), and records every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { decryptData, encryptData, type MadminAeadId } from '../../source/backends/minio/madmin-encryption';

export interface FakeUser {
  secretKey: string;
  status: 'enabled' | 'disabled';
  policies: string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** the access key that signed it */
  readonly accessKey: string | undefined;
  /** true for every method but GET and HEAD */
  readonly mutating: boolean;
  /** the body as sent */
  readonly rawBody: Buffer;
  /** the decrypted JSON of an encrypted body */
  readonly decrypted?: unknown;
  readonly status: number;
}

export interface FakeMinioOptions {
  readonly admin: { readonly accessKey: string; readonly secretKey: string };
  /** [us-east-1] */
  readonly region?: string;
  /** a server from before 2023: no attach call (426 XMinioAdminVersionMismatch), set-user-or-group-policy instead */
  readonly legacyPolicyApi?: boolean;
  /** a server that dropped the deprecated set-user-or-group-policy call (none has yet): attach only */
  readonly withoutSetPolicyApi?: boolean;
  /** the AEAD id of encrypted answers [0x00]; MinIO picks its own */
  readonly responseAeadId?: MadminAeadId;
  /** serve https with this key and certificate */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export interface FakeMinioAdminServer {
  readonly endpoint: string;
  readonly users: Map<string, FakeUser>;
  /** canned policies, as the documents were sent */
  readonly policies: Map<string, unknown>;
  readonly requests: RecordedRequest[];
  /** requests other than GET/HEAD */
  mutatingRequests(): RecordedRequest[];
  close(): Promise<void>;
}

const ADMIN = '/minio/admin/v3';

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parseAuthorization(header: string | undefined) {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) throw new HttpFailure(403, 'AccessDenied', 'Missing or malformed SigV4 Authorization header.');
  const [, accessKey, , region, service, signedHeaders, signature] = match as unknown as string[];
  return { accessKey: accessKey!, region: region!, service: service!, signedHeaders: signedHeaders!.split(';'), signature: signature! };
}

function amzDate(value: string | undefined): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (m === null) throw new HttpFailure(403, 'AccessDenied', 'Missing X-Amz-Date.');
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** how MinIO writes a stored policy back: its own key order, a lone Resource unwrapped, actions sorted */
function reformatLikeMinio(document: unknown): unknown {
  const doc = document as { Version?: string; Statement?: Record<string, unknown>[] };
  return {
    Statement: (doc.Statement ?? []).map((s) => ({
      Effect: s['Effect'],
      Action: [...((s['Action'] as string[]) ?? [])].sort().reverse(),
      Resource: Array.isArray(s['Resource']) && s['Resource'].length === 1 ? s['Resource'][0] : s['Resource'],
      ...(s['Sid'] === undefined ? {} : { Sid: s['Sid'] }),
    })),
    Version: doc.Version,
  };
}

function allows(document: unknown, action: string, resource: string): boolean {
  const statements = (document as { Statement?: unknown[] }).Statement ?? [];
  return statements.some((raw) => {
    const s = raw as { Effect?: string; Action?: string | string[]; Resource?: string | string[] };
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    return s.Effect === 'Allow' && actions.includes(action) && resources.includes(resource);
  });
}

export async function startFakeMinioAdminServer(options: FakeMinioOptions): Promise<FakeMinioAdminServer> {
  const region = options.region ?? 'us-east-1';
  const users = new Map<string, FakeUser>();
  const policies = new Map<string, unknown>();
  const requests: RecordedRequest[] = [];

  function secretOf(accessKey: string): string | undefined {
    if (accessKey === options.admin.accessKey) return options.admin.secretKey;
    const user = users.get(accessKey);
    return user?.status === 'enabled' ? user.secretKey : undefined;
  }

  async function verifySignature(req: IncomingMessage, url: URL, body: Buffer): Promise<string> {
    const auth = parseAuthorization(req.headers.authorization);
    const secret = secretOf(auth.accessKey);
    if (secret === undefined) throw new HttpFailure(403, 'InvalidAccessKeyId', 'The Access Key Id you provided does not exist in our records.');
    if (auth.region !== region || auth.service !== 's3') throw new HttpFailure(400, 'AuthorizationHeaderMalformed', `Expected region ${region} and service s3.`);
    const declared = req.headers['x-amz-content-sha256'];
    if (declared !== createHash('sha256').update(body).digest('hex')) {
      throw new HttpFailure(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) throw new HttpFailure(403, 'SignatureDoesNotMatch', `Signed header ${name} is missing.`);
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-amz-content-sha256')) {
      throw new HttpFailure(403, 'AccessDenied', 'Host and X-Amz-Content-Sha256 must be signed.');
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => (query[key] = value));
    const signer = new SignatureV4({ service: 's3', region, credentials: { accessKeyId: auth.accessKey, secretAccessKey: secret }, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const signed = await signer.sign(
      { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers, body },
      { signingDate: amzDate(headers['x-amz-date']) },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1];
    if (expected !== auth.signature) {
      throw new HttpFailure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    return auth.accessKey;
  }

  async function decryptBody(body: Buffer): Promise<unknown> {
    try {
      return JSON.parse(Buffer.from(await decryptData(options.admin.secretKey, body)).toString('utf8')) as unknown;
    } catch {
      throw new HttpFailure(400, 'XMinioAdminConfigBadJSON', 'The request body could not be decrypted with the admin secret.');
    }
  }

  async function admin(method: string, route: string, url: URL, body: Buffer, note: (decrypted: unknown) => void): Promise<{ status: number; json?: unknown; raw?: Uint8Array }> {
    const q = url.searchParams;
    if (method === 'GET' && route === 'user-info') {
      const user = users.get(q.get('accessKey') ?? '');
      if (user === undefined) throw new HttpFailure(404, 'XMinioAdminNoSuchUser', 'The specified user does not exist. Check the user name and try again.');
      return { status: 200, json: { ...(user.policies.length > 0 ? { policyName: user.policies.join(',') } : {}), status: user.status, updatedAt: new Date().toISOString() } };
    }
    if (method === 'PUT' && route === 'add-user') {
      const request = (await decryptBody(body)) as { secretKey?: string; status?: string };
      note(request);
      const accessKey = q.get('accessKey') ?? '';
      // MinIO upserts: an existing user keeps its policies but silently gets the new secret.
      const existing = users.get(accessKey);
      users.set(accessKey, { secretKey: String(request.secretKey), status: request.status === 'disabled' ? 'disabled' : 'enabled', policies: existing?.policies ?? [] });
      return { status: 200 };
    }
    if (method === 'GET' && route === 'info-canned-policy') {
      const name = q.get('name') ?? '';
      const policy = policies.get(name);
      if (policy === undefined) throw new HttpFailure(404, 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.');
      if (q.get('v') !== '2') return { status: 200, json: reformatLikeMinio(policy) };
      return { status: 200, json: { PolicyName: name, Policy: reformatLikeMinio(policy), CreateDate: '2026-01-01T00:00:00Z', UpdateDate: '2026-01-01T00:00:00Z' } };
    }
    if (method === 'PUT' && route === 'add-canned-policy') {
      let document: unknown;
      try {
        document = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpFailure(400, 'XMinioMalformedJSON', 'The JSON you provided was not well-formed.');
      }
      policies.set(q.get('name') ?? '', document);
      return { status: 200 };
    }
    if (method === 'POST' && route === 'idp/builtin/policy/attach') {
      if (options.legacyPolicyApi === true) {
        throw new HttpFailure(426, 'XMinioAdminVersionMismatch', "This 'admin' API is not supported by server in 'mode-server-xl'");
      }
      const request = (await decryptBody(body)) as { policies?: string[]; user?: string };
      note(request);
      const user = users.get(request.user ?? '');
      if (user === undefined) throw new HttpFailure(404, 'XMinioAdminNoSuchUser', 'The specified user does not exist. Check the user name and try again.');
      const missing = (request.policies ?? []).find((name) => !policies.has(name));
      if (missing !== undefined) throw new HttpFailure(404, 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.');
      const added = (request.policies ?? []).filter((name) => !user.policies.includes(name));
      if (added.length === 0) throw new HttpFailure(400, 'XMinioAdminPolicyChangeAlreadyApplied', 'The specified policy change is already in effect.');
      user.policies.push(...added);
      const answer = new TextEncoder().encode(JSON.stringify({ policiesAttached: added, updatedAt: new Date().toISOString() }));
      const raw = await encryptData(options.admin.secretKey, answer, {
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
        aeadId: options.responseAeadId ?? 0x00,
      });
      return { status: 200, raw };
    }
    if (method === 'PUT' && route === 'set-user-or-group-policy' && options.withoutSetPolicyApi !== true) {
      const user = users.get(q.get('userOrGroup') ?? '');
      if (user === undefined) throw new HttpFailure(404, 'XMinioAdminNoSuchUser', 'The specified user does not exist. Check the user name and try again.');
      // the old call REPLACES the user's policy list; every name must be a policy (PolicyDBSet)
      const names = (q.get('policyName') ?? '').split(',').filter((name) => name !== '');
      if (names.some((name) => !policies.has(name))) throw new HttpFailure(404, 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.');
      user.policies = names;
      return { status: 200 };
    }
    throw new HttpFailure(426, 'XMinioAdminVersionMismatch', "This 'admin' API is not supported by server in 'mode-server-xl'");
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const isAdmin = url.pathname.startsWith(`${ADMIN}/`);
    let accessKey: string | undefined;
    let decrypted: unknown;
    let status = 500;
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => (query[key] = value));
    const send = (code: number, contentType: string, payload: string | Uint8Array) => {
      status = code;
      res.writeHead(code, { 'Content-Type': contentType });
      res.end(payload);
    };
    try {
      accessKey = await verifySignature(req, url, body);
      if (isAdmin) {
        if (accessKey !== options.admin.accessKey) throw new HttpFailure(403, 'AccessDenied', 'Access Denied.');
        const result = await admin(method, url.pathname.slice(ADMIN.length + 1), url, body, (d) => (decrypted = d));
        if (result.raw !== undefined) send(result.status, 'application/octet-stream', result.raw);
        else send(result.status, 'application/json', result.json === undefined ? '' : JSON.stringify(result.json));
      } else {
        // the builder check: GET /<bucket>?location
        const bucket = url.pathname.slice(1);
        if (method !== 'GET' || !url.searchParams.has('location') || bucket.includes('/')) throw new HttpFailure(501, 'NotImplemented', 'Only GetBucketLocation is served here.');
        const user = users.get(accessKey);
        const permitted = accessKey === options.admin.accessKey || (user?.policies ?? []).some((name) => allows(policies.get(name), 's3:GetBucketLocation', `arn:aws:s3:::${bucket}`));
        if (!permitted) throw new HttpFailure(403, 'AccessDenied', 'Access Denied.');
        send(200, 'application/xml', '<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>');
      }
    } catch (error) {
      const failure = error instanceof HttpFailure ? error : new HttpFailure(500, 'InternalError', (error as Error).message);
      if (isAdmin) send(failure.status, 'application/json', JSON.stringify({ Code: failure.code, Message: failure.message, Resource: url.pathname, RequestId: '1', HostId: '' }));
      else send(failure.status, 'application/xml', `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${failure.code}</Code><Message>${failure.message}</Message></Error>`);
    }
    requests.push({ method, path: url.pathname, query, accessKey, mutating: method !== 'GET' && method !== 'HEAD', rawBody: body, ...(decrypted === undefined ? {} : { decrypted }), status });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  };
  const server = options.tls === undefined ? createHttpServer(listener) : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    users,
    policies,
    requests,
    mutatingRequests: () => requests.filter((r) => r.mutating),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
