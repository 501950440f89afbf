/**
 * SPEC 5 `connect` and SPEC 10: connection failures are explained in plain words with what to
 * do, the same for the S3 client and both admin clients; TLS failures by an unknown CA point to
 * caFile.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionError, explainConnectionError } from '../../source/backends/explain-connection-error';
import { StepError } from '../../source/errors';
import { noteAnswered, runWithRequestRules } from '../../source/requests/request-rules';

function withCode(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe('explaining a failed connection', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /CA this machine does not trust/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /private \(self-signed\) CA/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /CA this machine does not trust/],
    ['CERT_UNTRUSTED', /CA this machine does not trust/],
  ])('%s suggests caFile', (code, message) => {
    const explained = explainConnectionError(withCode(code));
    expect(explained.message).toMatch(message);
    expect(explained.hint).toMatch(/set caFile to the PEM of your CA/i);
  });

  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed/, /caFile/],
    ['CERT_HAS_EXPIRED', /expired/, /Renew/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /not made out for this host name/, /subjectAltName/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /answers in plain HTTP, not https: use http:\/\//, /http:\/\//],
    ['ECONNREFUSED', /nothing accepts connections/, /server is running/],
    ['ENOTFOUND', /does not resolve/, /host name/],
    ['ETIMEDOUT', /did not answer in time/, /firewall/],
    ['ECONNRESET', /connection was dropped/, /^Run the same command again/],
    ['EPIPE', /connection was dropped/, /^Run the same command again/],
    ['SignatureDoesNotMatch', /secret key is wrong/, /secret key/],
    ['InvalidAccessKeyId', /does not know this access key/, /access key/],
    ['RequestTimeTooSkewed', /clock/, /NTP/],
  ])('%s is said in plain words with what to do', (code, message, hint) => {
    const explained = explainConnectionError(withCode(code));
    expect(explained.message).toMatch(message);
    expect(explained.hint).toMatch(hint);
    expect(explained.code).toBe(code);
  });

  it('a time-out after the server answered other requests of the command is not blamed on the endpoint or a firewall', async () => {
    const explained = await runWithRequestRules({}, async () => {
      noteAnswered('127.0.0.1:9000');
      return explainConnectionError(withCode('ETIMEDOUT'), 'http://127.0.0.1:9000');
    });
    expect(explained.message).toBe('http://127.0.0.1:9000 answered earlier requests of this command, then gave no complete answer to one in time (ETIMEDOUT)');
    expect(explained.hint).toMatch(/^It may be overloaded, or a node behind a load balancer holds or drops requests .* Run the same command again in a moment/);
    expect(explained.hint).not.toMatch(/firewall/);
  });

  it('recognises OpenSSL saying the other side speaks plain HTTP', () => {
    const explained = explainConnectionError(withCode('EPROTO', 'C0D7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'));
    expect(explained.message).toMatch(/this port answers in plain HTTP, not https: use http:\/\/ instead of https:\/\//);
    // Nothing about TLS or certificates: a CA would not help, so nothing points at caFile
    expect(explained.message).not.toMatch(/\bTLS\b|certificate|caFile/);
    expect(explained.hint).toMatch(/http:\/\//);
    // With the endpoint, the one to use instead is spelled out
    const named = explainConnectionError(withCode('EPROTO', 'ssl3_get_record:wrong version number'), 'https://minio.lan:9000');
    expect(named.message).toBe('https://minio.lan:9000: this port answers in plain HTTP, not https: use http://minio.lan:9000 as the endpoint (EPROTO)');
    expect(explainConnectionError(withCode('EPROTO', 'handshake failure')).hint).toMatch(/scheme/);
  });

  it('a refused connection names the address and port that were tried (an endpoint without a port means 80 or 443)', () => {
    const refused = Object.assign(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:80'), { address: '127.0.0.1', port: 80 });
    expect(explainConnectionError(refused, 'http://127.0.0.1').message).toBe('Cannot reach http://127.0.0.1: nothing accepts connections at this address and port (tried 127.0.0.1 port 80) (ECONNREFUSED)');
    const v6 = Object.assign(withCode('ECONNREFUSED'), { address: '::1', port: 443 });
    expect(explainConnectionError(new AggregateError([v6], 'all failed')).message).toContain('(tried [::1] port 443)');
  });

  it('looks inside an AggregateError (Node tries IPv4 and IPv6)', () => {
    const error = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'all failed');
    expect(explainConnectionError(error).code).toBe('ECONNREFUSED');
  });

  it("says what a retryable status means, which the minio client reports without the server's code", () => {
    // as minio 8 words it when a server answers 503 (MinIO shutting down or starting)
    const error = new Error('Request failed after 0 retries: Error: Retryable HTTP status: 503');
    const explained = explainConnectionError(error, 'http://127.0.0.1:9000');
    expect(explained).toMatchObject({ message: 'http://127.0.0.1:9000 answered HTTP 503 (Service Unavailable: it is starting, stopping or overloaded)', code: 'HTTP_503' });
    expect(explained.hint).toMatch(/again in a moment/);
    expect(explainConnectionError(new Error('Request failed after 0 retries: Error: Retryable HTTP status: 500')).message).toBe('the server answered HTTP 500 (Internal Server Error: it failed while handling the request)');
  });

  it('keeps the message of an error it does not know', () => {
    expect(explainConnectionError(new Error('odd'))).toEqual({ message: 'odd', hint: undefined, code: undefined });
  });
});

describe('a request that got no answer', () => {
  it('names the endpoint it tried, keeps the code and is a connect step failure', () => {
    const error = new ConnectionError('https://s3.example.org:9000', withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'));
    expect(error).toBeInstanceOf(StepError);
    expect(error.step).toBe('connect');
    expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(error.message).toBe(
      "TLS with https://s3.example.org:9000 failed: the server's TLS certificate is signed by a CA this machine does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    );
    expect(error.hint).toMatch(/set caFile to the PEM of your CA/i);
    expect(new ConnectionError('http://127.0.0.1:1', withCode('ECONNREFUSED')).message).toBe(
      'Cannot reach http://127.0.0.1:1: nothing accepts connections at this address and port (ECONNREFUSED)',
    );
  });
});
