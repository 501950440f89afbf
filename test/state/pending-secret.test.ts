import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { knownBuilderSecret } from '../../source/session/prepare-secrets';
import { dropPendingSecret, pendingSecretPath, readPendingSecret, savePendingSecret } from '../../source/state/pending-secret';
import { exampleAnswers } from '../files/example-answers';

const SECRET = 'Wq3+xT7.rn=Ka4-Hc9_Vm2,Ye8Pj4Lf';

function effects() {
  const home = mkdtempSync(join(tmpdir(), 'ncw-pending-'));
  return { env: {}, home, cwd: home, now: () => new Date('2026-11-25T10:15:00Z'), randomBytes: (n: number) => new Uint8Array(n).fill(7) };
}

it('a pending builder secret is saved 0600 in the state folder, read back for its access key only, and dropped', async () => {
  const fx = effects();
  const setup = { endpoint: 'http://127.0.0.1:9000', bucket: 'nix-cache' };
  const path = await savePendingSecret(fx, setup, 'nixbuilder', SECRET);
  expect(path).toBe(pendingSecretPath(fx, setup));
  expect(path.startsWith(join(fx.home, '.config', 'nix-cache-wizard'))).toBe(true);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect((await readPendingSecret(fx, setup, 'nixbuilder'))?.secretKey).toBe(SECRET);
  expect(await readPendingSecret(fx, setup, 'someone-else')).toBeUndefined();
  expect(await readPendingSecret(fx, { ...setup, bucket: 'other' }, 'nixbuilder')).toBeUndefined();
  await dropPendingSecret(fx, setup);
  expect(await readPendingSecret(fx, setup, 'nixbuilder')).toBeUndefined();
});

it('a re-run starts from a pending secret instead of generating a new one', async () => {
  const fx = effects();
  const answers = exampleAnswers({ endpoint: 'http://127.0.0.1:9000', builder: { accessKey: 'nixbuilder', secretKey: undefined, profile: 'nixbuilder' } });
  await savePendingSecret(fx, answers, 'nixbuilder', SECRET);
  expect(await knownBuilderSecret(answers, fx)).toEqual({ secret: SECRET, source: 'pending' });
});
