import { rootCertificates } from 'node:tls';

/**
 * The CAs an https connection to the endpoint trusts: the system's, plus the private CA when there
 * is one. Node's `ca` option replaces its trust store rather than adding to it, so the system roots
 * are passed along: a caFile must not break an endpoint (or a proxy in front of it) whose
 * certificate comes from a public CA (SPEC 10: `caFile` adds a CA).
 */
export function trustedCas(privateCaPem: string | Buffer): (string | Buffer)[] {
  return [...rootCertificates, privateCaPem];
}
