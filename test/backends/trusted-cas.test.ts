/** SPEC 10: `caFile` adds a CA; the system's CAs stay trusted, so a public certificate keeps working. */
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { trustedCas } from '../../source/backends/trusted-cas';

describe('the CAs a connection trusts', () => {
  it('are the system roots plus the private CA, never the private CA alone', () => {
    const privateCa = '-----BEGIN CERTIFICATE-----\nprivate\n-----END CERTIFICATE-----\n';
    expect(trustedCas(privateCa)).toEqual([...rootCertificates, privateCa]);
    expect(rootCertificates.length).toBeGreaterThan(0);
  });
});
