/**
 * The real SetupSession (setup-session.ts): keys, the builder secret, the files and the server
 * steps for the chosen backend. The server clients are loaded only when a plan needs them.
 */
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import { StepError, UsageError } from '../errors';
import { mcAliasConflict } from '../facts/mc-config';
import { planFiles } from '../files/plan-files';
import { renderNixCacheInfo } from '../files/render-nix-cache-info';
import { serverBackupSaver } from '../files/save-server-backup';
import type { FileReport, PlannedFile } from '../files/planned-file';
import { proveWritable, writePlannedFiles } from '../files/write-planned-files';
import { dropPendingSecret, pendingSecretPath, savePendingSecret } from '../state/pending-secret';
import { acquireSetupLock, type SetupLock } from '../state/setup-lock';
import type { SetupIdentity } from '../state/state-dir';
import type { StepEvent } from '../steps/run-steps';
import { probeNixS3Support, type NixS3Support } from '../nix/local-nix';
import { readSystemNixConf } from '../nix/system-nix-conf';
import { trustedPublicKeys } from '../state/rotation-state';
import { nextStepsForFiles } from './next-steps';
import { knownBuilderSecret, knownReaderSecret, loadOrGenerateKey, readIfExists } from './prepare-secrets';
import { readCaPem } from '../files/read-ca-pem';
import { connectionsFor, connectionsFrom } from '../connections/connections';
import { withOneCheckDeadline } from '../steps/check-deadline';
import { runSteps } from '../steps/run-steps';
import type { ApplyResult, FilePreview, SetupPlan, SetupSession } from './setup-session';
import { PlanState, type PlanSecrets } from './plan-state';
import { trustRemoval } from '../files/dropped-trusted-keys';

export interface SessionOptions {
  readonly outDir: string | undefined;
  /** the machine's nix.conf, so the next steps offer to append the snippet only once [read from disk] */
  readonly systemNixConf?: () => Promise<string | null>;
  /** whether this machine's Nix can open s3:// stores, for the next steps [asked of the real nix] */
  readonly nixS3?: () => Promise<NixS3Support>;
  /** one deadline for a whole read-only check [CHECK_DEADLINE_MS] */
  readonly checkDeadlineMs?: number;
}

/** The builder secret's place in the review on Ceph, before the server has made it. */
export const SECRET_MADE_BY_SERVER = '(made-by-the-server-on-apply)';

function asStepError(error: unknown): StepError {
  if (error instanceof StepError) return error;
  if (error instanceof UsageError) return new StepError(error.message, 'files', 'Correct that answer and run again.');
  return new StepError((error as Error).message, 'files');
}

/** The AWS profile could not take the secret the server now holds: say where the copy is. */
function secretSaveError(error: unknown, pendingPath: string): StepError {
  const cause = asStepError(error);
  return new StepError(
    `${cause.message} The builder secret the server now holds is kept in ${pendingPath} (0600).`,
    'files',
    `${cause.hint ?? 'Make the AWS credentials file writable.'} Then run again: it checks that secret and writes it to the profile.`,
  );
}

export function createSetupSession(effects: Effects, options: SessionOptions): SetupSession {
  const systemNixConf = options.systemNixConf ?? (() => readSystemNixConf(effects.env));
  const nixS3 = options.nixS3 ?? (() => probeNixS3Support(effects.env));

  const filesFor = (answers: Answers, secrets: PlanSecrets): PlannedFile[] =>
    planFiles({
      answers,
      base: effects,
      builderSecretKey: secrets.builderSecret,
      readerSecretKey: secrets.readerSecret,
      publicKeys: trustedPublicKeys(secrets.key.publicKeyText(), answers.key.trusted),
      secretKeyText: secrets.key.secretKeyText(),
      caPem: secrets.caPem,
    });

  /** Under the lock: a key file or a builder or reader secret written meanwhile by another run wins. */
  async function refreshState(answers: Answers, state: PlanState): Promise<void> {
    if (!state.keyReused) {
      const { key, reused } = await loadOrGenerateKey(answers, effects);
      if (reused) state.foundKey(key);
    }
    if (state.builderSecretGenerated) {
      const builder = await knownBuilderSecret(answers, effects);
      if (builder.source === 'pending' || builder.source === 'aws-profile') state.foundBuilderSecret(builder.secret);
    }
    if (state.readerSecretGenerated) {
      const reader = await knownReaderSecret(answers, effects);
      if (reader?.source === 'pending' || reader?.source === 'aws-profile') state.foundReaderSecret(reader.secret);
    }
  }

  async function applyLocked(
    plan: SetupPlan,
    state: PlanState,
    setup: SetupIdentity,
    onEvent: ((event: StepEvent) => void) | undefined,
    shouldStop: (() => boolean) | undefined,
  ): Promise<ApplyResult> {
    const written: FileReport[] = [];
    const writeFiles = async (which: (file: PlannedFile) => boolean) => {
      const files = filesFor(plan.answers, state.secrets()).filter(which);
      const reports = await writePlannedFiles(files, { outDir: plan.outDir, dryRun: false, effects });
      for (const report of reports) {
        // A file written earlier in the run (the AWS profile) keeps its "created"/"updated".
        const at = written.findIndex((r) => r.path === report.path);
        if (at >= 0) written[at] = report.action === 'unchanged' ? written[at]! : report;
        else written.push(report);
      }
      // Once the AWS profile holds the secret, the pending copy has done its job.
      if (state.builderSecret !== undefined && files.some((f) => f.id === 'awsCredentials')) await dropPendingSecret(effects, setup);
      if (state.readerSecret !== undefined && files.some((f) => f.id === 'readerCredentials')) await dropPendingSecret(effects, setup, 'reader');
      return { files, reports };
    };
    let saveError: StepError | undefined;
    const result = await runSteps(plan.steps, {
      apply: true,
      ...(onEvent ? { onEvent } : {}),
      ...(shouldStop ? { shouldStop } : {}),
      // The builder's secret is saved as soon as the server has it, so that a run that stops
      // later still knows it and a re-run continues instead of finding a user it cannot use.
      afterStep: async (step) => {
        // The reader's secret likewise: written to its credentials file right after the reader step.
        if (step.id === 'reader-user' && state.readerSecret !== undefined) await writeFiles((f) => f.id === 'readerCredentials');
        if (step.id !== 'user' || state.builderSecret === undefined || saveError) return;
        try {
          await writeFiles((f) => f.id === 'awsCredentials');
        } catch (error) {
          saveError = secretSaveError(error, pendingSecretPath(effects, setup));
          throw saveError;
        }
      },
    }).catch((error: unknown) => {
      if (error === saveError) return { reports: [], error: saveError };
      throw error;
    });
    if (result.error) return { steps: result.reports, files: written, next: [], error: result.error };
    let final: Awaited<ReturnType<typeof writeFiles>>;
    try {
      final = await writeFiles(() => true);
    } catch (error) {
      return { steps: result.reports, files: written, next: [], error: asStepError(error) };
    }
    const next = nextStepsForFiles({
      answers: plan.answers,
      ...final,
      cwd: effects.cwd,
      home: effects.home,
      systemNixConf: await systemNixConf(),
      publicKeys: plan.publicKeys,
      nixS3: await nixS3(),
      verifyWith: effects.env,
    });
    const apply: ApplyResult = { steps: result.reports, files: written, next };
    return apply;
  }

  const session: SetupSession = {
    async prepareSetup(answers, warnings, ca) {
      // Under --out the real mc config is not written, so no alias of it is overwritten.
      const aliasTaken = options.outDir === undefined ? mcAliasConflict(answers, effects) : undefined;
      if (aliasTaken) throw aliasTaken;
      const { key, reused } = await loadOrGenerateKey(answers, effects);
      const builder = await knownBuilderSecret(answers, effects);
      const reader = await knownReaderSecret(answers, effects);
      const caPem = ca === undefined ? await readCaPem(answers.caFile) : ca.caPem;
      const state = new PlanState({
        builderSecret: builder.secret,
        readerSecret: reader?.secret,
        key,
        caPem,
        builderSecretGenerated: builder.source === 'generated',
        readerSecretGenerated: reader?.source === 'generated',
        keyReused: reused,
      });
      const setup = { endpoint: answers.endpoint, bucket: answers.bucket };
      const { buildServerSteps } = await import('./build-server-steps');
      const steps = await buildServerSteps({
        answers,
        effects,
        connections: connectionsFrom(answers, { caPem }, effects),
        builderSecret: () => state.builderSecret,
        onBuilderSecret: (secret) => state.serverGaveBuilderSecret(secret),
        readerSecret: () => state.readerSecret,
        onReaderSecret: (secret) => state.serverGaveReaderSecret(secret),
        keepBuilderSecret: async (secret) => {
          await savePendingSecret(effects, setup, answers.builder.accessKey, secret);
        },
        keepReaderSecret: async (secret) => {
          await savePendingSecret(effects, setup, answers.reader.accessKey, secret, 'reader');
        },
        cacheInfo: renderNixCacheInfo(answers.cacheInfo),
        saveBackup: serverBackupSaver(effects, options.outDir),
      });
      const plan: SetupPlan = {
        answers,
        warnings,
        steps,
        files: filesFor(answers, state.secrets()),
        outDir: options.outDir,
        builderSecretGenerated: builder.source === 'generated',
        publicKeys: trustedPublicKeys(key.publicKeyText(), answers.key.trusted),
        keyReused: reused,
        state,
      };
      // Parse every existing file now, before the server is touched: an unparsable config is
      // refused while nothing has changed yet.
      await writePlannedFiles(plan.files, { outDir: options.outDir, dryRun: true, effects });
      return plan;
    },

    async checkPlan(plan, onEvent) {
      const steps = withOneCheckDeadline(plan.steps, options.checkDeadlineMs);
      const { reports } = await runSteps(steps, { apply: false, ...(onEvent ? { onEvent } : {}) });
      return reports;
    },

    async previewFiles(plan) {

      // On Ceph the server makes the builder's secret when it creates the user, so the AWS profile
      // cannot be rendered yet; it is still written, and the review must list it: shown with a
      // stand-in for the secret (masked like any secret; revealed, it says where the secret comes from).
      const onCeph = plan.answers.backend === 'ceph';
      const files = filesFor(plan.answers, plan.state.secrets(onCeph ? SECRET_MADE_BY_SERVER : undefined));
      const reports = await writePlannedFiles(files, { outDir: plan.outDir, dryRun: true, effects });
      const previews: FilePreview[] = [];
      for (const [index, file] of files.entries()) {
        const before = await readIfExists(file.path);
        const mask = file.maskContent ?? ((text: string) => file.renderMasked(text));
        const after = file.keepExisting && before !== null ? before : file.render(before);
        const removes = file.id === 'nixosModule' || file.id === 'nixConf' ? trustRemoval(before, after) : undefined;
        previews.push({
          title: file.title,
          path: reports[index]?.path ?? file.path,
          action: reports[index]?.action ?? 'unchanged',
          before: before === null ? null : mask(before),
          beforeRevealed: before,
          after: file.keepExisting && before !== null ? mask(before) : file.renderMasked(before),
          afterRevealed: after,
          secret: file.secret,
          ...(removes === undefined ? {} : { removes }),
        });
      }
      return previews;
    },

    async applyPlan(plan, onEvent, applyOptions = {}) {
      const { state } = plan;
      const setup = { endpoint: plan.answers.endpoint, bucket: plan.answers.bucket };
      const failed = (error: unknown): ApplyResult => ({ steps: [], files: [], next: [], error: asStepError(error) });
      // One run per setup at a time (SPEC 10): a second run would race this one to set the secret.
      let lock: SetupLock;
      try {
        lock = await acquireSetupLock(setup, effects);
      } catch (error) {
        return failed(error);
      }
      try {
        // Another run may have finished since this plan was made: start from what it left.
        await refreshState(plan.answers, state);
        // Every target must be writable before the first server change (SPEC 10).
        try {
          await proveWritable(filesFor(plan.answers, state.secrets(SECRET_MADE_BY_SERVER)), { outDir: plan.outDir, effects });
        } catch (error) {
          return failed(error);
        }
        return await applyLocked(plan, state, setup, onEvent, applyOptions.shouldStop);
      } finally {
        await lock.release();
      }
    },

    async detectExisting(answers) {
      const { detectExistingSetup } = await import('./detect-existing-setup');
      return detectExistingSetup(answers, await connectionsFor(answers, effects));
    },

    async detectNames(answers, wanted) {
      const { detectCacheServerNames } = await import('./detect-existing-setup');
      return detectCacheServerNames(answers, wanted, await connectionsFor(answers, effects));
    },

    async testConnection(answers) {
      // Only the connect step's check: no admin client is loaded or made for it.
      try {
        const { connectStep } = await import('../backends/s3/connect-step');
        const client = await (await connectionsFor(answers, effects)).s3ForSteps();
        const result = await connectStep({ answers, client, cacheInfoContent: '' }).check();
        if (result.status === 'done') return { ok: true, detail: result.detail };
        return { ok: false, message: result.detail, field: 'endpoint' };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // On plain S3 the connection is made with the builder's keys (there is no admin).
        const keyField = answers.backend === 's3' ? 'builder.secretKey' : 'admin.secretKey';
        const field = /SignatureDoesNotMatch|InvalidAccessKeyId|secret key|access key|credentials/i.test(message)
          ? keyField
          : /\bcaFile\b|certificate|\bTLS\b/.test(message)
            ? 'caFile'
            : 'endpoint';
        // The step's "what to do" goes with it: the connection screen and --plain show only this.
        const hint = error instanceof StepError && error.hint ? ` What to do: ${error.hint}` : '';
        return { ok: false, message: `${message}${hint}`, field };
      }
    },
  };
  return session;
}
