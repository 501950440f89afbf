/**
 * The MinIO admin steps of SPEC 5: `user`, `policy` and `attach`, through MinIO's admin REST API
 * or the `mc` program (answers.adminVia). Checks send only reads. The one rule that matters most:
 * MinIO's add-user upserts and silently resets an existing user's secret, so it is never sent for
 * a user that exists; a user whose secret we cannot prove is a conflict for
 * `nix-cache-wizard rotate credentials`.
 */
import type { Answers } from '../../answers/answers';
import { StepError } from '../../errors';
import { replaceDetail, type CheckResult, type ServerStep, type StepId } from '../../plan/server-step';
import { writePolicyDocument } from '../../policies/write-policy';
import { builderKeysChecker, type CheckBuilderKeys } from './builder-keys-check';
import { createMcClient } from './mc-client';
import type { MinioAdmin } from './minio-admin';
import { createMinioAdminClient } from './minio-admin-client';
import { samePolicy } from './same-policy';
import type { AccessKeys } from '../signed-request';
import { quoteForShell as shellWord } from '../../output/quote-for-shell';

export interface MinioStepsContext {
  readonly answers: Pick<
    Answers,
    'endpoint' | 'region' | 'caFile' | 'insecure' | 'adminVia' | 'alias' | 'bucket' | 'builder' | 'policyName' | 'files'
  >;
  /** the admin (root) credentials, already resolved from the answers, the environment or an mc alias */
  readonly admin: AccessKeys;
  /**
   * The builder's secret when it is known: from the answers (given or generated) or read from the
   * AWS credentials profile. undefined when neither has it.
   */
  readonly builderSecret: string | undefined;
  /** cryptographically secure random bytes (Effects.randomBytes), for madmin's body encryption */
  readonly randomBytes: (length: number) => Uint8Array;
  /** the environment for the `mc` child process (PATH, HOME, proxies) [process.env] */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** makes the admin connection [the REST client or the mc client, by answers.adminVia]; tests inject their own */
  readonly makeAdmin?: (via: 'api' | 'mc') => MinioAdmin;
  /** proves a builder secret right or wrong [a signed GET /<bucket>?location by the builder] */
  readonly checkBuilderKeys?: CheckBuilderKeys;
}

const ROTATE_HINT = 'Run `nix-cache-wizard rotate credentials` to give the builder a new secret (the old one stops working), or put the right one in builder.secretKey.';

function defaultAdmin(ctx: MinioStepsContext, via: 'api' | 'mc'): MinioAdmin {
  const { endpoint, region, caFile, insecure } = ctx.answers;
  if (via === 'mc') return createMcClient({ endpoint, caFile, insecure, admin: ctx.admin, ...(ctx.env === undefined ? {} : { env: ctx.env }) });
  return createMinioAdminClient({ endpoint, region, caFile, insecure, admin: ctx.admin, randomBytes: ctx.randomBytes });
}

/** Runs `work`, giving any StepError this step's id (the clients name the step of the call). */
async function asStep<T>(id: StepId, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StepError && error.step !== id) throw new StepError(error.message, id, error.hint);
    throw error;
  }
}

export function minioAdminSteps(ctx: MinioStepsContext): ServerStep[] {
  const { answers } = ctx;
  const user = answers.builder.accessKey;
  const policyName = answers.policyName;
  const alias = shellWord(answers.alias);
  let adminConnection: MinioAdmin | undefined;
  const admin = (): MinioAdmin => (adminConnection ??= (ctx.makeAdmin ?? ((via) => defaultAdmin(ctx, via)))(answers.adminVia));
  const checkKeys =
    ctx.checkBuilderKeys ??
    builderKeysChecker({ endpoint: answers.endpoint, region: answers.region, caFile: answers.caFile, insecure: answers.insecure });

  async function checkUser(): Promise<CheckResult> {
    const found = await admin().userInfo(user);
    if (!found.exists) {
      if (ctx.builderSecret === undefined) {
        return { status: 'conflict', detail: `User ${user} does not exist and no secret is known to create it with; give builder.secretKey or let the wizard generate one.` };
      }
      return { status: 'todo', detail: `User ${user} does not exist yet; it will be created with the builder secret.` };
    }
    if (found.status !== 'enabled') {
      return { status: 'conflict', detail: `User ${user} exists but is ${found.status}; enable it with \`mc admin user enable ${alias} ${shellWord(user)}\`.` };
    }
    if (ctx.builderSecret === undefined) {
      return {
        status: 'conflict',
        detail: `User ${user} already exists and its secret is not known here (not in the answers, not in the AWS credentials profile ${answers.builder.profile}); the wizard never resets a secret silently. ${ROTATE_HINT}`,
      };
    }
    const keys = await checkKeys({ accessKey: user, secretKey: ctx.builderSecret }, answers.bucket);
    if (!keys.works) {
      return { status: 'conflict', detail: `User ${user} already exists but the known secret does not work: ${keys.detail}. ${ROTATE_HINT}` };
    }
    return { status: 'done', detail: `User ${user} exists and the known secret works (${keys.detail}).` };
  }

  const userStep: ServerStep = {
    id: 'user',
    title: `Create the builder user ${user}`,
    why: 'Machines that upload to the cache sign in as this user, so the admin keys never leave this computer.',
    command: `printf '%s\\n%s\\n' ${shellWord(user)} "$BUILDER_SECRET" | mc admin user add ${alias}`,
    check: () => asStep('user', checkUser),
    apply: () =>
      asStep('user', async () => {
        // Look again right before writing: add-user on an existing user would reset its secret.
        const found = await admin().userInfo(user);
        if (found.exists) {
          const again = await checkUser();
          if (again.status === 'done') return `user ${user} was already there`;
          throw new StepError(`User ${user} already exists; its secret was left as it is.`, 'user', ROTATE_HINT);
        }
        if (ctx.builderSecret === undefined) {
          throw new StepError(`No secret is known to create user ${user} with.`, 'user', 'Give builder.secretKey or let the wizard generate one.');
        }
        await admin().addUser(user, ctx.builderSecret);
        return `created user ${user}`;
      }),
  };

  const wanted = writePolicyDocument(answers.bucket);
  const policyStep: ServerStep = {
    id: 'policy',
    title: `Write the policy ${policyName}`,
    why: `It lets the builder add and overwrite objects in ${answers.bucket}, and nothing else: no deleting, no other bucket.`,
    command: `mc admin policy create ${alias} ${shellWord(policyName)} ${shellWord(answers.files.policy)}`,
    check: () =>
      asStep('policy', async () => {
        const current = await admin().cannedPolicyInfo(policyName);
        if (current === undefined) return { status: 'todo', detail: `Policy ${policyName} does not exist yet.` } as const;
        if (samePolicy(current, wanted)) return { status: 'done', detail: `Policy ${policyName} is the write policy for ${answers.bucket}.` } as const;
        return {
          status: 'todo',
          detail: replaceDetail(`policy ${policyName} exists with a different document (made by hand or changed since); it will be replaced by the write policy for ${answers.bucket}.`),
        } as const;
      }),
    apply: () =>
      asStep('policy', async () => {
        await admin().addCannedPolicy(policyName, wanted);
        return `wrote policy ${policyName}`;
      }),
  };

  const attachStep: ServerStep = {
    id: 'attach',
    title: `Attach ${policyName} to ${user}`,
    why: 'A MinIO user can do nothing until a policy is attached to it.',
    command: `mc admin policy attach ${alias} ${shellWord(policyName)} --user ${shellWord(user)}`,
    check: () =>
      asStep('attach', async () => {
        const found = await admin().userInfo(user);
        if (!found.exists) return { status: 'todo', detail: `User ${user} does not exist yet; the policy will be attached once it does.` } as const;
        if (found.policyNames.includes(policyName)) return { status: 'done', detail: `Policy ${policyName} is attached to ${user}.` } as const;
        return { status: 'todo', detail: `Policy ${policyName} is not attached to ${user} yet.` } as const;
      }),
    apply: () =>
      asStep('attach', async () => {
        const outcome = await admin().attachPolicy(policyName, user);
        return outcome === 'attached' ? `attached ${policyName} to ${user}` : `${policyName} was already attached to ${user}`;
      }),
  };

  return [userStep, policyStep, attachStep];
}
