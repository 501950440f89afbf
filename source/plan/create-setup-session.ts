/**
 * The real SetupSession (setup-session.ts): keys, the builder secret, the files and the server
 * steps for the chosen backend. The server clients are loaded only when a plan needs them.
 */
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import { StepError } from '../errors';
import { planFiles } from '../files/plan-files';
import { renderNixCacheInfo } from '../files/render-nix-cache-info';
import { serverBackupSaver } from '../files/save-server-backup';
import type { FileReport, PlannedFile } from '../files/planned-file';
import { writePlannedFiles } from '../files/write-planned-files';
import type { NixSecretKey } from '../keys/nix-secret-key';
import { detectNixVersion } from '../nix/detect-nix-version';
import { nextStepsForFiles } from './next-steps';
import { knownBuilderSecret, loadOrGenerateKey, readIfExists } from './prepare-secrets';
import { runSteps } from './run-steps';
import type { ApplyResult, FilePreview, SetupPlan, SetupSession } from './setup-session';

export interface SessionOptions {
  readonly outDir: string | undefined;
  /** the local Nix version; default: ask `nix --version` */
  readonly nixVersion?: () => Promise<string | undefined>;
}

/** What prepareSetup decides once and the steps share; the builder secret can arrive later (ceph). */
interface PlanState {
  builderSecret: string | undefined;
  readonly key: NixSecretKey;
}

const states = new WeakMap<SetupPlan, PlanState>();

/** The builder secret's place in the review on Ceph, before the server has made it. */
export const SECRET_MADE_BY_SERVER = '(made-by-the-server-on-apply)';

export function createSetupSession(effects: Effects, options: SessionOptions): SetupSession {
  const nixVersion = options.nixVersion ?? (() => detectNixVersion(effects.env));

  const filesFor = (answers: Answers, state: PlanState): PlannedFile[] =>
    planFiles({
      answers,
      base: effects,
      builderSecretKey: state.builderSecret,
      publicKeys: [state.key.publicKeyText()],
      secretKeyText: state.key.secretKeyText(),
    });

  const session: SetupSession = {
    async prepareSetup(answers, warnings) {
      const { key, reused } = await loadOrGenerateKey(answers, effects);
      const builder = await knownBuilderSecret(answers, effects);
      const state: PlanState = { builderSecret: builder.secret, key };
      const { buildServerSteps } = await import('./build-server-steps');
      const steps = await buildServerSteps({
        answers,
        effects,
        builderSecret: () => state.builderSecret,
        onBuilderSecret: (secret) => {
          state.builderSecret = secret;
        },
        cacheInfo: renderNixCacheInfo(answers.cacheInfo),
        saveBackup: serverBackupSaver(effects, options.outDir),
      });
      const plan: SetupPlan = {
        answers,
        warnings,
        steps,
        files: filesFor(answers, state),
        outDir: options.outDir,
        builderSecretGenerated: builder.source === 'generated',
        builderSecret: builder.secret,
        publicKeys: [key.publicKeyText()],
        keyReused: reused,
      };
      // Parse every existing file now, before the server is touched: an unparsable config is
      // refused while nothing has changed yet.
      await writePlannedFiles(plan.files, { outDir: options.outDir, dryRun: true, effects });
      states.set(plan, state);
      return plan;
    },

    async checkPlan(plan, onEvent) {
      const { reports } = await runSteps(plan.steps, { apply: false, ...(onEvent ? { onEvent } : {}) });
      return reports;
    },

    async previewFiles(plan) {
      const known = states.get(plan);
      // On Ceph the server makes the builder's secret when it creates the user, so the AWS profile
      // cannot be rendered yet; it is still written, and the review must list it: shown with a
      // stand-in for the secret (masked like any secret; revealed, it says where the secret comes from).
      const state = known && known.builderSecret === undefined && plan.answers.backend === 'ceph' ? { ...known, builderSecret: SECRET_MADE_BY_SERVER } : known;
      const files = state ? filesFor(plan.answers, state) : plan.files;
      const reports = await writePlannedFiles(files, { outDir: plan.outDir, dryRun: true, effects });
      const previews: FilePreview[] = [];
      for (const [index, file] of files.entries()) {
        const before = await readIfExists(file.path);
        const mask = file.maskContent ?? ((text: string) => file.renderMasked(text));
        previews.push({
          title: file.title,
          path: reports[index]?.path ?? file.path,
          action: reports[index]?.action ?? 'unchanged',
          before: before === null ? null : mask(before),
          beforeRevealed: before,
          after: file.keepExisting && before !== null ? mask(before) : file.renderMasked(before),
          afterRevealed: file.keepExisting && before !== null ? before : file.render(before),
          secret: file.secret,
        });
      }
      return previews;
    },

    async applyPlan(plan, onEvent, applyOptions = {}) {
      const state = states.get(plan);
      if (!state) throw new Error('applyPlan needs a plan made by prepareSetup');
      const written: FileReport[] = [];
      const writeFiles = async (which: (file: PlannedFile) => boolean) => {
        const files = filesFor(plan.answers, state).filter(which);
        const reports = await writePlannedFiles(files, { outDir: plan.outDir, dryRun: false, effects });
        for (const report of reports) {
          // A file written earlier in the run (the AWS profile) keeps its "created"/"updated".
          const at = written.findIndex((r) => r.path === report.path);
          if (at >= 0) written[at] = report.action === 'unchanged' ? written[at]! : report;
          else written.push(report);
        }
        return { files, reports };
      };
      const result = await runSteps(plan.steps, {
        apply: true,
        ...(onEvent ? { onEvent } : {}),
        ...(applyOptions.shouldStop ? { shouldStop: applyOptions.shouldStop } : {}),
        // The builder's secret is saved as soon as the server has it, so that a run that stops
        // later still knows it and a re-run continues instead of finding a user it cannot use.
        afterStep: async (step) => {
          if (step.id === 'user' && state.builderSecret !== undefined) await writeFiles((f) => f.id === 'awsCredentials');
        },
      });
      if (result.error) return { steps: result.reports, files: written, next: [], error: result.error };
      let final: Awaited<ReturnType<typeof writeFiles>>;
      try {
        final = await writeFiles(() => true);
      } catch (error) {
        const stepError = error instanceof StepError ? error : new StepError((error as Error).message, 'files');
        return { steps: result.reports, files: written, next: [], error: stepError };
      }
      const next = nextStepsForFiles({ answers: plan.answers, ...final, cwd: effects.cwd, home: effects.home, nixVersion: await nixVersion() });
      const apply: ApplyResult = { steps: result.reports, files: written, next };
      return apply;
    },

    async detectExisting(answers) {
      const { detectExistingSetup } = await import('../backends/detect-existing-setup');
      return detectExistingSetup(answers);
    },

    async testConnection(answers) {
      // Only the connect step's check: no admin client is loaded or made for it.
      try {
        const { createS3Client, s3ConnectionFromAnswers } = await import('../backends/s3/s3-connection');
        const { connectStep } = await import('../backends/s3/connect-step');
        const client = createS3Client(await s3ConnectionFromAnswers(answers));
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
        return { ok: false, message, field };
      }
    },
  };
  return session;
}
