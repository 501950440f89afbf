/**
 * What can go wrong on a connection to the endpoint, in plain words with what to do about it
 * (SPEC 5 `connect`, SPEC 10): network and TLS failures by Node's or OpenSSL's error code, S3
 * failures by the server's error code. One explanation for every client that talks to the
 * endpoint (the S3 client, MinIO's admin API, RGW's Admin Ops API), so an unknown CA reads the
 * same whichever step meets it first.
 */
import { StepError } from '../errors';
import { answeredInThisCommand } from '../requests/request-rules';

/** What went wrong, in plain words, and what to do about it. Never contains a secret. */
export interface Explanation {
  readonly message: string;
  readonly hint: string | undefined;
  /** the error code seen (Node's, OpenSSL's or the server's), for tests and logs */
  readonly code: string | undefined;
}

const CA_HINT = 'Set caFile to the PEM of your CA (or, only to try things out, insecure: true).';

const TLS_EXPLANATIONS: Record<string, [string, string]> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["the server's TLS certificate is signed by a CA this machine does not trust", CA_HINT],
  UNABLE_TO_GET_ISSUER_CERT: ["the server's TLS certificate is signed by a CA this machine does not trust", CA_HINT],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ["the server's TLS certificate is signed by a CA this machine does not trust", CA_HINT],
  SELF_SIGNED_CERT_IN_CHAIN: ["the server's TLS certificate chain ends in a private (self-signed) CA this machine does not trust", CA_HINT],
  DEPTH_ZERO_SELF_SIGNED_CERT: [
    "the server's TLS certificate is self-signed",
    'Set caFile to that certificate (PEM), or better, sign the server certificate with a CA of your own and set caFile to the CA.',
  ],
  CERT_HAS_EXPIRED: ["the server's TLS certificate has expired", 'Renew the server certificate (and check the clock of this machine).'],
  CERT_NOT_YET_VALID: ["the server's TLS certificate is not valid yet", 'Check the clock of this machine and of the server.'],
  ERR_TLS_CERT_ALTNAME_INVALID: [
    "the server's TLS certificate is not made out for this host name",
    'Use the host name the certificate names in endpoint, or issue a certificate with this name (or IP address) in its subjectAltName.',
  ],
  CERT_UNTRUSTED: ["the server's TLS certificate is signed by a CA this machine does not trust", CA_HINT],
  CERT_SIGNATURE_FAILURE: ["the server's TLS certificate has a bad signature", CA_HINT],
  // Said without the words TLS and certificate: nothing about a CA would help, the scheme is wrong.
  ERR_SSL_WRONG_VERSION_NUMBER: [
    'this port answers in plain HTTP, not https: use http:// instead of https:// in the endpoint (same host and port)',
    'Use an http:// endpoint if the server is plain HTTP, or the port of its https listener.',
  ],
  EPROTO: ['the TLS handshake failed', 'Check the scheme: use https:// only if the server speaks TLS on that port.'],
};

const NETWORK_EXPLANATIONS: Record<string, [string, string]> = {
  ECONNREFUSED: ['nothing accepts connections at this address and port', 'Check that the server is running and that endpoint names the right host and port.'],
  ENOTFOUND: ['the host name does not resolve', 'Check the host name in endpoint (and DNS on this machine).'],
  EAI_AGAIN: ['the host name could not be resolved right now (DNS did not answer)', 'Check DNS on this machine, then try again.'],
  ETIMEDOUT: ['the server did not answer in time', 'Check that endpoint is right and that no firewall drops the connection.'],
  // A dropped connection is mostly a server restart, a proxy or the network, mid-run: a re-run
  // continues. Only a first request that always fails so points at the scheme.
  ECONNRESET: [
    'the connection was dropped before the answer came',
    'Run the same command again: it continues where it stopped. If even the first request fails like this every time, the port may speak TLS (use https://).',
  ],
  EHOSTUNREACH: ['the host cannot be reached from here', 'Check the network path and the address in endpoint.'],
  ENETUNREACH: ['the network of that address cannot be reached from here', 'Check the network path and the address in endpoint.'],
  EPIPE: ['the connection was dropped while the request was sent', 'Run the same command again: it continues where it stopped. If it fails so every time, look at the server log.'],
};

const S3_EXPLANATIONS: Record<string, [string, string]> = {
  SignatureDoesNotMatch: ['the server rejected the signature: the secret key is wrong', 'Check the secret key (the admin keys, or the builder keys on a plain S3 store).'],
  InvalidAccessKeyId: ['the server does not know this access key', 'Check the access key (the admin keys, or the builder keys on a plain S3 store).'],
  AccessDenied: ['the server refused: these credentials may not do this', 'Use credentials with the rights this step needs.'],
  RequestTimeTooSkewed: ["this machine's clock differs too much from the server's", 'Set the clock right (NTP) and try again.'],
  AuthorizationHeaderMalformed: ['the server expects another region', 'Set region to the region of the server or bucket.'],
  InvalidLocationConstraint: ['the server does not accept this region for a new bucket', "Set region to the server's region (on Ceph RGW, its zonegroup's api_name)."],
  IllegalLocationConstraintException: ['the server does not accept this region for a new bucket', 'Set region to the region of the endpoint.'],
  PermanentRedirect: ['the bucket lives in another region or behind another endpoint', 'Set region (and endpoint) to where the bucket is.'],
  MovedPermanently: ['the bucket lives in another region or behind another endpoint', 'Set region (and endpoint) to where the bucket is.'],
  NoSuchBucket: ['the bucket does not exist', 'Run setup again so the bucket step creates it.'],
  BucketAlreadyExists: ['the bucket name is taken by another user or account', 'Choose another bucket name.'],
  TooManyBuckets: ['these credentials may not create more buckets', 'Remove an unused bucket or raise the limit for this user.'],
  InvalidBucketName: ['the server rejects the bucket name', 'Choose a bucket name of 3–63 lowercase letters, digits, dots and hyphens.'],
  MalformedPolicy: ['the server rejected the bucket policy', 'Check the existing bucket policy for statements this server does not understand.'],
  MalformedXML: ['the server rejected the lifecycle configuration', 'Check the existing lifecycle rules for parts this server does not understand.'],
  NotImplemented: ['the server does not implement this request', 'This S3 store lacks a feature this step needs; do the step by hand or skip it.'],
  XMinioAdminPolicyNotFound: ['the policy does not exist on the server', 'Run setup again.'],
};

/**
 * A request that ran out of its time, said once the server is known to answer (see
 * answeredInThisCommand): not a wrong endpoint or a firewall then. (A dropped connection already
 * says to run again.)
 */
const MIDWAY_FAILURES: Record<string, string> = {
  ETIMEDOUT: 'gave no complete answer to one in time',
};

/**
 * The statuses the minio client treats as retryable: it reports them as a plain Error, "Request
 * failed after N retries: Error: Retryable HTTP status: 503", without the server's error code.
 */
const RETRYABLE_STATUS_WORDS: Record<string, string> = {
  '408': 'Request Timeout: the request took too long to arrive',
  '429': 'Too Many Requests: it is throttling this client',
  '499': 'the request was closed before it answered',
  '500': 'Internal Server Error: it failed while handling the request',
  '502': 'Bad Gateway: a proxy in front of it got no answer from it',
  '503': 'Service Unavailable: it is starting, stopping or overloaded',
  '504': 'Gateway Timeout: a proxy in front of it waited too long for it',
  '520': 'an unknown error behind a proxy',
};

function codeOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** `address port N` from a Node network error, when it says. */
function triedAddress(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { address, port } = error as { address?: unknown; port?: unknown };
  if (typeof address !== 'string' || typeof port !== 'number') return undefined;
  return `${address.includes(':') ? `[${address}]` : address} port ${port}`;
}

/** The innermost error of an `AggregateError` (Node tries IPv4 and IPv6 and aggregates). */
function innermost(error: unknown): unknown {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors[0];
  return error;
}

/**
 * Plain words for a failed request: network and TLS failures by Node's error code, S3 failures
 * by the server's error code (minio's `S3Error.code`). Unknown errors keep their own message.
 * With `endpoint`, the network and TLS sentences name it instead of "the server" (the admin
 * clients' errors have no other place that says which server was meant).
 */
export function explainConnectionError(error: unknown, endpoint?: string): Explanation {
  const inner = innermost(error);
  const code = codeOf(inner) ?? codeOf(error);
  const serverMessage = inner instanceof Error ? inner.message : String(inner);
  const tlsFailed = endpoint === undefined ? 'TLS failed' : `TLS with ${endpoint} failed`;
  const plainHttp = code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(serverMessage));
  if (plainHttp) {
    // OpenSSL's words when the other side answers in plain HTTP
    const [message, hint] = TLS_EXPLANATIONS['ERR_SSL_WRONG_VERSION_NUMBER']!;
    const httpEndpoint = endpoint?.startsWith('https://') ? `http://${endpoint.slice('https://'.length)}` : undefined;
    const said = httpEndpoint ? `${endpoint}: ${message.replace(/use http:\/\/.*$/, `use ${httpEndpoint} as the endpoint`)}` : message;
    return { message: `${said} (${code})`, hint, code };
  }
  if (code && TLS_EXPLANATIONS[code]) {
    const [message, hint] = TLS_EXPLANATIONS[code]!;
    return { message: `${tlsFailed}: ${message} (${code})`, hint, code };
  }
  if (code && MIDWAY_FAILURES[code] && answeredInThisCommand()) {
    return {
      message: `${endpoint ?? 'The server'} answered earlier requests of this command, then ${MIDWAY_FAILURES[code]} (${code})`,
      hint: 'It may be overloaded, or a node behind a load balancer holds or drops requests (seen right after a node of a cluster started). Run the same command again in a moment: it continues where it stopped.',
      code,
    };
  }
  if (code && NETWORK_EXPLANATIONS[code]) {
    const [message, hint] = NETWORK_EXPLANATIONS[code]!;
    // Node says which address and port it tried: an endpoint without a port meant 80 or 443,
    // which is rarely where an object store listens.
    const tried = triedAddress(inner) ?? triedAddress(error);
    return { message: `Cannot reach ${endpoint ?? 'the server'}: ${message}${tried ? ` (tried ${tried})` : ''} (${code})`, hint, code };
  }
  if (code && S3_EXPLANATIONS[code]) {
    const [message, hint] = S3_EXPLANATIONS[code]!;
    return { message: `${message[0]!.toUpperCase()}${message.slice(1)} (${code})`, hint, code };
  }
  if (code && (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE')) {
    return {
      message: `The answer of ${endpoint ?? 'the server'} is not HTTP (${code})`,
      hint: 'Check the scheme: a TLS server reached with http:// answers like this.',
      code,
    };
  }
  if (code && /CERT|SSL|TLS/.test(code)) {
    return { message: `${tlsFailed}: ${serverMessage} (${code})`, hint: CA_HINT, code };
  }
  const retryable = /Retryable HTTP status: (\d{3})/.exec(serverMessage);
  if (retryable) {
    const status = retryable[1]!;
    return {
      message: `${endpoint ?? 'the server'} answered HTTP ${status} (${RETRYABLE_STATUS_WORDS[status] ?? 'an error it may not repeat'})`,
      hint: 'Run the same command again in a moment: it continues where it stopped. If the answer stays the same, look at the server log.',
      code: `HTTP_${status}`,
    };
  }
  return { message: code ? `${serverMessage} (${code})` : serverMessage, hint: undefined, code };
}

/**
 * No request reached the endpoint (or no answer came back). A `connect` StepError, so the admin
 * clients' callers show it as it is; `code` lets a client that reports its own error type (RGW's
 * Admin Ops client) keep Node's code.
 */
export class ConnectionError extends StepError {
  /** Node's or OpenSSL's error code (`ECONNREFUSED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, …) */
  readonly code: string | undefined;
  constructor(endpoint: string, error: unknown) {
    const explained = explainConnectionError(error, endpoint);
    super(explained.message, 'connect', explained.hint);
    this.code = explained.code;
  }
}

/** A `StepError` for `step` from a failed request, with what was being done. */
export function stepErrorFrom(step: string, doing: string, error: unknown): StepError {
  if (error instanceof StepError) return error;
  const explained = explainConnectionError(error);
  return new StepError(`${doing}: ${explained.message}`, step, explained.hint);
}
