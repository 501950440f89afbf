/**
 * A SetupSession that talks to no server: every call resolves after a tick, the steps report what
 * the test says, and every call is recorded so a test can tell that nothing was applied.
 */
import type { Answers } from '../../source/answers/answers';
import type { AnswersInput } from '../../source/answers/answers-schema';
import { StepError, StoppedError } from '../../source/errors';
import type { StepEvent } from '../../source/steps/run-steps';
import type { ApplyResult, FilePreview, SetupPlan, SetupSession } from '../../source/session/setup-session';
import { PlanState } from '../../source/session/plan-state';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import type { CheckResult, ServerStep, StepId, StepReport } from '../../source/steps/server-step';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

export interface FakeSessionOptions {
  /** results of successive connection tests; the last one repeats @default [ok] */
  readonly connection?: readonly Awaited<ReturnType<SetupSession['testConnection']>>[];
  /** the check result of each step @default every step todo */
  readonly checks?: Partial<Record<StepId, CheckResult>>;
  /** the step that fails on the first applyPlan (succeeds on the next) */
  readonly failOnceAt?: StepId;
  readonly previews?: readonly FilePreview[];
  /** what detectExisting finds on the "server" @default nothing */
  readonly detected?: AnswersInput;
  /** the step whose apply waits until the test calls release() (to press a key while it runs) */
  readonly holdApplyAt?: StepId;
  /** the connection test waits until the test calls release() (to see the screen while it runs) */
  readonly holdConnection?: boolean;
  /** the step whose check (the review's) waits until the test calls release() */
  readonly holdCheckAt?: StepId;
  /** the step whose apply says a request of it is sent again (a 503), as runSteps does */
  readonly retryAt?: StepId;
}

export interface FakeSetupSession extends SetupSession {
  readonly calls: {
    testConnection: Answers[];
    prepareSetup: Answers[];
    checkPlan: number;
    previewFiles: number;
    applyPlan: number;
    detectExisting: Answers[];
  };
  /** lets what `holdApplyAt`, `holdConnection` or `holdCheckAt` held finish */
  release(): void;
}

const STEPS: readonly { id: StepId; title: string; command: string }[] = [
  { id: 'connect', title: 'Connect as admin', command: 'mc alias set s3 https://s3.example.org "$ADMIN_ACCESS_KEY" "$ADMIN_SECRET_KEY"' },
  { id: 'bucket', title: 'Create the bucket', command: 'mc mb s3/nix-cache' },
  { id: 'user', title: 'Create the builder user', command: 'mc admin user add s3 nixbuilder "$BUILDER_SECRET"' },
  { id: 'policy', title: 'Create the write policy', command: 'mc admin policy create s3 nix-cache-write ./nix-cache-write.json' },
  { id: 'attach', title: 'Attach the policy', command: 'mc admin policy attach s3 nix-cache-write --user nixbuilder' },
  { id: 'anonymous', title: 'Allow anonymous downloads', command: 'mc anonymous set-json ./anonymous.json s3/nix-cache' },
  { id: 'cache-info', title: 'Upload nix-cache-info', command: 'mc cp ./nix-cache-info s3/nix-cache/nix-cache-info' },
  { id: 'expiry', title: 'Set the expiry rules', command: 'mc ilm rule ls s3/nix-cache' },
];

export const FAKE_PREVIEWS: readonly FilePreview[] = [
  {
    title: 'AWS credentials (profile nixbuilder)',
    path: '/home/user/.aws/credentials',
    action: 'would-update',
    before: '[default]\naws_access_key_id = AKIA\naws_secret_access_key = ********\n',
    beforeRevealed: '[default]\naws_access_key_id = AKIA\naws_secret_access_key = Default-Secret-7\n',
    after: '[default]\naws_access_key_id = AKIA\naws_secret_access_key = ********\n\n[nixbuilder]\naws_access_key_id = nixbuilder\naws_secret_access_key = ********\n',
    afterRevealed:
      '[default]\naws_access_key_id = AKIA\naws_secret_access_key = Default-Secret-7\n\n[nixbuilder]\naws_access_key_id = nixbuilder\naws_secret_access_key = Revealed+Secret=42\n',
    secret: true,
  },
  {
    title: 'NixOS module',
    path: '/work/nix-cache.nix',
    action: 'would-create',
    before: null,
    beforeRevealed: null,
    after: '{ ... }:\n{\n  nix.settings.extra-substituters = [ "https://s3.example.org/nix-cache" ];\n}\n',
    afterRevealed: '{ ... }:\n{\n  nix.settings.extra-substituters = [ "https://s3.example.org/nix-cache" ];\n}\n',
    secret: false,
  },
  {
    title: 'nix-cache-info',
    path: '/work/nix-cache-info',
    action: 'unchanged',
    before: 'StoreDir: /nix/store\n',
    beforeRevealed: 'StoreDir: /nix/store\n',
    after: 'StoreDir: /nix/store\n',
    afterRevealed: 'StoreDir: /nix/store\n',
    secret: false,
  },
];

export function makeFakeSetupSession(options: FakeSessionOptions = {}): FakeSetupSession {
  const calls: FakeSetupSession['calls'] = { testConnection: [], prepareSetup: [], checkPlan: 0, previewFiles: 0, applyPlan: 0, detectExisting: [] };
  const connection = options.connection ?? [{ ok: true, detail: 'MinIO answered; admin login works' } as const];
  let failPending = options.failOnceAt;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  const steps: ServerStep[] = STEPS.map((s) => ({
    ...s,
    why: `why ${s.id}`,
    check: async () => {
      await tick();
      if (options.holdCheckAt === s.id) await released;
      return options.checks?.[s.id] ?? { status: 'todo', detail: `${s.id} is missing` };
    },
    apply: async () => {
      await tick();
      if (options.holdApplyAt === s.id) await released;
      if (failPending === s.id) {
        failPending = undefined;
        throw new StepError(`${s.title} failed: the server said AccessDenied`, s.id, 'give the admin user the right to create users, then retry');
      }
      return `${s.id} done`;
    },
  }));

  async function run(plan: SetupPlan, apply: boolean, onEvent?: (event: StepEvent) => void, shouldStop?: () => boolean): Promise<{ reports: StepReport[]; error?: StepError }> {
    const reports: StepReport[] = [];
    let error: StepError | undefined;
    for (const step of plan.steps) {
      if (!error && apply && reports.length > 0 && shouldStop?.()) error = new StoppedError('Stopped at your request (Ctrl-C)', step.id, 'Run setup again to continue.');
      if (error) {
        const report: StepReport = { id: step.id, status: 'skipped', detail: 'not run' };
        reports.push(report);
        onEvent?.({ type: 'finished', step, report });
        continue;
      }
      onEvent?.({ type: 'checking', step });
      const result = await step.check();
      let report: StepReport = { id: step.id, status: result.status, detail: result.detail, ...(result.status === 'todo' && result.removes ? { removes: result.removes } : {}) };
      if (apply && result.status === 'todo') {
        onEvent?.({ type: 'applying', step });
        if (options.retryAt === step.id) {
          const text = 'the server answered 503; trying again in 2 s, attempt 2 of 4';
          onEvent?.({ type: 'retrying', step, notice: { reason: 'the server answered 503', waitMs: 2000, attempt: 2, attempts: 4, text } });
        }
        try {
          report = { id: step.id, status: 'changed', detail: await step.apply() };
        } catch (caught) {
          error = caught as StepError;
          report = { id: step.id, status: 'failed', detail: error.message };
        }
      }
      reports.push(report);
      onEvent?.({ type: 'finished', step, report });
    }
    return error ? { reports, error } : { reports };
  }

  return {
    calls,
    release,
    async testConnection(answers) {
      calls.testConnection.push(answers);
      await tick();
      if (options.holdConnection) await released;
      return connection[Math.min(calls.testConnection.length - 1, connection.length - 1)] ?? { ok: true, detail: 'ok' };
    },
    async prepareSetup(answers, warnings) {
      calls.prepareSetup.push(answers);
      await tick();
      return {
        answers,
        warnings,
        steps,
        files: [],
        outDir: undefined,
        builderSecretGenerated: false,
        publicKeys: [`${answers.key.name}:AAAA`],
        keyReused: false,
        state: new PlanState({
          builderSecret: answers.builder.secretKey,
          readerSecret: answers.reader.secretKey,
          key: generateNixSecretKey(answers.key.name, (n) => new Uint8Array(n).fill(7)),
          caPem: undefined,
          builderSecretGenerated: false,
          readerSecretGenerated: false,
          keyReused: false,
        }),
      };
    },
    async checkPlan(plan, onEvent) {
      calls.checkPlan++;
      return (await run(plan, false, onEvent)).reports;
    },
    async previewFiles() {
      calls.previewFiles++;
      await tick();
      return [...(options.previews ?? FAKE_PREVIEWS)];
    },
    async detectExisting(answers) {
      calls.detectExisting.push(answers);
      await tick();
      return options.detected ?? {};
    },
    async detectNames(_answers, wanted) {
      await tick();
      // A stand-in server where no other cache holds a name: every wanted name is free.
      return { ...wanted };
    },
    async applyPlan(plan, onEvent, applyOptions): Promise<ApplyResult> {
      calls.applyPlan++;
      const { reports, error } = await run(plan, true, onEvent, applyOptions?.shouldStop);
      await tick();
      const files = error ? [] : (options.previews ?? FAKE_PREVIEWS).map((p) => ({ path: p.path, action: p.action === 'would-create' ? ('created' as const) : p.action === 'would-update' ? ('updated' as const) : p.action }));
      const next = [
        '# NixOS: copy nix-cache.nix next to configuration.nix, add it to imports = [ ./nix-cache.nix ]; then:',
        'sudo nixos-rebuild switch',
        `nix copy --to 's3://${plan.answers.bucket}?profile=${plan.answers.builder.profile}&endpoint=s3.example.org' /run/current-system`,
      ];
      return error ? { steps: reports, files, next, error } : { steps: reports, files, next };
    },
  };
}
