/** verify from the machines' side, with the real Nix: a Nix without S3 support is said plainly. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Effects } from '../../source/effects';
import { substituterUrl } from '../../source/nix/cache-urls';
import { checkLocalNix } from '../../source/verify/client-checks';
import { exampleAnswers, PUBLIC_KEY } from '../files/example-answers';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';

const unavailable = nixUnavailableReason();

describe.skipIf(unavailable !== undefined)(`verify on a machine whose Nix has no S3 support (Debian's 2.8)${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let nix: NixSandbox;
  let effects: Effects;
  beforeAll(() => {
    nix = makeNixSandbox();
    const home = mkdtempSync(join(tmpdir(), 'ncw-verify-home-'));
    effects = { env: nix.env, cwd: home, home, now: () => new Date(), randomBytes: (n) => new Uint8Array(n) };
  });
  afterAll(() => nix.remove());
  // Nothing listens on the discard port: the read check fails at once instead of reaching anyone.
  const endpoint = 'http://127.0.0.1:9';

  it('fails the check on a machine meant to use a private cache, saying this Nix cannot read it and what works instead', async () => {
    const answers = exampleAnswers({ endpoint, anonymous: 'none' });
    // This machine's nix.conf names the cache: it is one of the machines.
    const machine: Effects = { ...effects, env: { ...nix.env, NIX_CONFIG: `extra-substituters = ${substituterUrl(answers)}\nextra-trusted-public-keys = ${PUBLIC_KEY}` } };
    const reports = await checkLocalNix(answers, machine, PUBLIC_KEY);
    expect(reports.find((r) => r.id === 'local-nix-config')?.status).toBe('ok');
    const s3 = reports.find((r) => r.id === 'local-nix-s3');
    expect(s3?.status).toBe('failed');
    expect(s3?.detail).toMatch(/^this machine's Nix 2\.8\S* cannot open s3:\/\/ stores \(error: don't know how to open Nix store/);
    expect(s3?.detail).toContain('cannot read this private cache');
    expect(s3?.detail).toContain('the builder module uploads every build by itself');
    expect(s3?.detail).toContain('every machine that substitutes from it needs a Nix with S3 support');
    expect(reports.find((r) => r.id === 'local-nix-read')?.detail).toContain('built without S3 support');
    // A machine that is not one of the cache's (its Nix names neither cache nor key) is told the same, without failing.
    const elsewhere = (await checkLocalNix(answers, effects, PUBLIC_KEY)).find((r) => r.id === 'local-nix-s3');
    expect(elsewhere?.status).toBe('skipped');
    expect(elsewhere?.detail).toBe(s3?.detail);
  });

  it('for a public cache, says uploads by hand fail here while substituting over https still works', async () => {
    const reports = await checkLocalNix(exampleAnswers({ endpoint }), effects, PUBLIC_KEY);
    const s3 = reports.find((r) => r.id === 'local-nix-s3');
    expect(s3?.status).toBe('skipped');
    expect(s3?.detail).toContain('nix copy --to s3://… fails here');
    expect(s3?.detail).toContain('they read this public cache over https');
  });
});
