/**
 * Issue 17, item 6: a prepared plan is a value. The key and the secrets a plan was made with are
 * part of the plan (SetupPlan.state), not of a module-level map of the session that made it, and
 * they are never serialized or printed: not by JSON.stringify (`--json`), not by util.inspect
 * (console.log, a debug print).
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { createSetupSession } from '../../source/session/create-setup-session';
import { PlanState } from '../../source/session/plan-state';
import { exampleAnswers } from '../files/example-answers';
import { makeCliSandbox } from '../helpers/run-cli';

const BUILDER = 'Builder-secret-never-shown-1';
const READER = 'Reader-secret-never-shown-2';
const CA = '-----BEGIN CERTIFICATE-----\nCA-never-shown\n-----END CERTIFICATE-----\n';

function state(): PlanState {
  return new PlanState({
    builderSecret: BUILDER,
    readerSecret: READER,
    key: generateNixSecretKey('cache-1', (n) => new Uint8Array(n).fill(3)),
    caPem: CA,
    builderSecretGenerated: true,
    readerSecretGenerated: false,
    keyReused: false,
  });
}

describe('the state a plan carries', () => {
  it('gives its secrets to the files it renders, and a stand-in for one not known yet', () => {
    const held = state();
    expect(held.secrets()).toMatchObject({ builderSecret: BUILDER, readerSecret: READER, caPem: CA });
    const ceph = new PlanState({ ...held.secrets(), builderSecret: undefined, readerSecret: undefined, builderSecretGenerated: false, readerSecretGenerated: false, keyReused: false });
    expect(ceph.secrets('(made-by-the-server)')).toMatchObject({ builderSecret: '(made-by-the-server)', readerSecret: '(made-by-the-server)' });
    ceph.serverGaveBuilderSecret('from-the-server');
    expect(ceph.builderSecret).toBe('from-the-server');
  });

  it('a secret found meanwhile (another run) replaces the generated one and is no longer "generated"', () => {
    const held = state();
    held.foundBuilderSecret('Saved-by-another-run-3');
    expect(held.builderSecret).toBe('Saved-by-another-run-3');
    expect(held.builderSecretGenerated).toBe(false);
  });

  it('is never serialized or printed with a secret', () => {
    const held = state();
    const secretKeyText = held.key.secretKeyText();
    for (const text of [JSON.stringify(held), JSON.stringify({ plan: { state: held } }), inspect(held, { depth: Infinity, showHidden: true }), inspect({ state: held }, { depth: Infinity })]) {
      expect(text).not.toContain(BUILDER);
      expect(text).not.toContain(READER);
      expect(text).not.toContain('CA-never-shown');
      expect(text).not.toContain(secretKeyText.split(':')[1]!.slice(0, 20));
    }
    expect(JSON.parse(JSON.stringify(held))).toEqual({ builderSecretGenerated: true, readerSecretGenerated: false, keyReused: false });
  });
});

describe('a prepared plan', () => {
  async function prepared() {
    const sandbox = makeCliSandbox();
    const effects = sandbox.effects();
    // a private MinIO cache: the builder's and the reader's secrets and the signing key are all made here
    const answers = exampleAnswers({
      endpoint: 'http://127.0.0.1:9',
      anonymous: 'none',
      builder: { accessKey: 'nixbuilder', secretKey: undefined, profile: 'nixbuilder' },
      reader: { accessKey: 'nixreader', secretKey: undefined, profile: 'nixreader' },
    });
    const plan = await createSetupSession(effects, { outDir: undefined, systemNixConf: async () => null }).prepareSetup(answers, []);
    return { plan, effects };
  }

  it('carries the secrets it was made with, and another session previews it alike (no session-private map)', async () => {
    const { plan, effects } = await prepared();
    expect(plan.state.builderSecret).toMatch(/\S{20,}/);
    expect(plan.state.readerSecret).toMatch(/\S{20,}/);
    const elsewhere = createSetupSession(effects, { outDir: undefined, systemNixConf: async () => null });
    const previews = await elsewhere.previewFiles(plan);
    const profile = previews.find((p) => p.afterRevealed.includes('[nixbuilder]'));
    expect(profile?.afterRevealed).toContain(plan.state.builderSecret);
    // masked where it is shown unrevealed
    expect(profile?.after).not.toContain(plan.state.builderSecret);
  });

  it('serialized (as --json would) or printed, shows none of its secrets', async () => {
    const { plan } = await prepared();
    const secrets = [plan.state.builderSecret!, plan.state.readerSecret!, plan.state.key.secretKeyText().split(':')[1]!];
    const json = JSON.stringify(plan);
    const printed = inspect(plan, { depth: Infinity });
    for (const secret of secrets) {
      expect(json).not.toContain(secret);
      expect(printed).not.toContain(secret);
    }
  });
});
