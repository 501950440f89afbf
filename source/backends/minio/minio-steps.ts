/**
 * The MinIO admin steps of SPEC 5: `user`, `policy` and `attach`, through MinIO's admin REST API
 * or the `mc` program (answers.adminVia). Checks send only reads. The one rule that matters most:
 * MinIO's add-user upserts and silently resets an existing user's secret, so it is never sent for
 * a user that exists; a user whose secret we cannot prove is a conflict for
 * `nix-cache-wizard rotate credentials`.
 */
import { resentNote, settleSecret } from './settle-secret';
import type { Answers } from '../../answers/answers';
import { StepError } from '../../errors';
import { newStepRun, replaceDetail, type CheckResult, type ServerStep, type StepId, type StepRun } from '../../steps/server-step';
import { bucketsGranted, describeBuckets, readPolicyDocument, readPolicyName, writePolicyDocument, type PolicyDocument } from '../../policies/write-policy';
import { ACCESS_KEY_NAME_RULE, firstUsableName, perCacheNames } from '../../answers/per-cache-names';
import type { CheckBuilderKeys } from './builder-keys-check';
import { minioAdminWithReads, type MinioAdmin } from './minio-admin';
import { samePolicy } from '../../policies/same-policy';
import { quoteForShell as shellWord } from '../../text/quote-for-shell';
import { wizardCommandLine } from '../../text/wizard-command';

export interface MinioStepsContext {
  readonly answers: Pick<
    Answers,
    'adminVia' | 'alias' | 'bucket' | 'builder' | 'policyName' | 'files' | 'anonymous' | 'reader'
  >;
  /**
   * The builder's secret when it is known: from the answers (given or generated) or read from the
   * AWS credentials profile. undefined when neither has it. A function is read at every check and
   * apply, so a secret found later (another run finished meanwhile) counts.
   */
  readonly builderSecret: string | undefined | (() => string | undefined);
  /** the reader's secret on a private cache, known the same ways (answers, reader credentials file, generated) */
  readonly readerSecret?: string | undefined | (() => string | undefined);
  /**
   * Saves the secret locally (the state folder's pending copy) right BEFORE add-user sends it, so
   * a run killed, or an answer lost, after the server has it still leaves a copy (SPEC 10).
   */
  readonly keepSecret?: (secret: string) => Promise<void>;
  /** the same for the reader's secret (private caches) */
  readonly keepReaderSecret?: (secret: string) => Promise<void>;
  /** the environment the wizard was started with, to spell its command in hints [{}] */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** makes the admin connection (the REST client or the mc client; connections/ makes both) */
  readonly makeAdmin: (via: 'api' | 'mc') => MinioAdmin;
  /** proves a builder secret right or wrong (connections/: a signed GET /<bucket>?location by the builder) */
  readonly checkBuilderKeys: CheckBuilderKeys;
}

/** What to do when the secret known here is not the server's, with the command spelled as the user started the wizard. */
function rotateHint(role: 'builder' | 'reader', env: Readonly<Record<string, string | undefined>>): string {
  return role === 'builder'
    ? `Run \`${wizardCommandLine(env, 'rotate credentials')}\` to give the builder a new secret (the old one stops working), or put the right one in builder.secretKey.`
    : `Run \`${wizardCommandLine(env, 'rotate credentials --reader')}\` to give the reader a new secret (the old one stops working; every machine needs the new reader credentials file), or put the right one in reader.secretKey.`;
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

/**
 * Who a set of user/policy/attach steps is for: the builder (write policy) or, on a private cache,
 * the reader (GetObject only). The same three steps make either; only these values differ.
 */
interface MinioRole {
  readonly ids: { readonly user: StepId; readonly policy: StepId; readonly attach: StepId };
  /** "builder" or "reader", for titles and messages */
  readonly label: string;
  readonly accessKey: string;
  /** read at every check and apply, so a secret found later counts */
  readonly secret: string | undefined | (() => string | undefined);
  /** saves the secret locally right before add-user sends it */
  readonly keepSecret?: (secret: string) => Promise<void>;
  /** the same for the reader's secret (private caches) */
  readonly keepReaderSecret?: (secret: string) => Promise<void>;
  /** the AWS profile or credentials file the secret is read back from */
  readonly profile: string;
  readonly policyName: string;
  readonly policy: PolicyDocument;
  readonly policyFile: string;
  readonly userWhy: string;
  readonly policyWhy: string;
}

/**
 * Why the user `user` belongs to another cache, or undefined when it may be this cache's: a user
 * holding a policy that grants any other bucket (its own cache's, or every bucket) would let this
 * cache's builder write elsewhere, and taking it over would take the other cache's builder.
 */
export async function userElsewhere(admin: MinioAdmin, user: string, bucket: string): Promise<string | undefined> {
  const found = await admin.userInfo(user);
  if (!found.exists) return undefined;
  const reasons: string[] = [];
  for (const name of found.policyNames) {
    const others = bucketsGranted(await admin.cannedPolicyInfo(name)).filter((granted) => granted !== bucket);
    if (others.length > 0) reasons.push(`its policy ${name} grants ${describeBuckets(others)}`);
  }
  return reasons.length === 0 ? undefined : `user ${user} belongs to another cache: ${reasons.join('; ')}`;
}

/**
 * Why the canned policy `policyName` belongs to another cache, or undefined when this cache may
 * write it: one that grants another bucket, or that is attached to users other than `user`,
 * would change their access when replaced (issue 15: a second cache took the first one's policy).
 */
export async function policyElsewhere(admin: MinioAdmin, policyName: string, bucket: string, user: string): Promise<string | undefined> {
  const current = await admin.cannedPolicyInfo(policyName);
  if (current === undefined) return undefined;
  const others = bucketsGranted(current).filter((granted) => granted !== bucket);
  const users = ((await admin.policyUsers()).get(policyName) ?? []).filter((holder) => holder !== user);
  const reasons = [others.length > 0 ? `grants ${describeBuckets(others)}` : '', users.length > 0 ? `is attached to ${users.length === 1 ? 'user' : 'users'} ${users.join(', ')}` : ''];
  return others.length + users.length === 0 ? undefined : `policy ${policyName} belongs to another cache: it ${reasons.filter(Boolean).join(' and ')}`;
}

/** A user name of this cache's own that is free or already this cache's (perCacheNames' order). */
export function freeUserName(admin: MinioAdmin, first: string, bucket: string): Promise<string> {
  return firstUsableName(perCacheNames(first, bucket, ACCESS_KEY_NAME_RULE), async (name) => (await userElsewhere(admin, name, bucket)) === undefined);
}

/** A policy name of this cache's own that is free or already this cache's, for `user`. */
export function freePolicyName(admin: MinioAdmin, first: string, bucket: string, user: string): Promise<string> {
  return firstUsableName(perCacheNames(first, bucket), async (name) => (await policyElsewhere(admin, name, bucket, user)) === undefined);
}

/** The names to find for this cache, each starting from its first-setup name (perCacheNames). */
export interface WantedNames {
  readonly builder?: string;
  readonly reader?: string;
  readonly policyName?: string;
}

/**
 * The builder's, the reader's and the write policy's names for this cache on MinIO: each the first
 * of its perCacheNames that no other cache holds (read-only). The reader's policy is named after
 * the write policy (readPolicyName), so only the write policy's name is looked for.
 */
export async function minioCacheNames(ctx: Pick<MinioStepsContext, 'answers' | 'makeAdmin'>, wanted: WantedNames, builder: string): Promise<WantedNames> {
  // One answer each, without asking around (minioAdminWithReads): a lagging node that denies a
  // user or policy only leaves the first-setup name, whose step then reads it asking around and
  // finds out whose it is. On a fresh setup that saves a round.
  const admin = minioAdminWithReads(ctx.makeAdmin(ctx.answers.adminVia), newStepRun().reads, { askAround: false });
  const bucket = ctx.answers.bucket;
  const [builderName, readerName] = await Promise.all([
    wanted.builder === undefined ? undefined : freeUserName(admin, wanted.builder, bucket),
    wanted.reader === undefined ? undefined : freeUserName(admin, wanted.reader, bucket),
  ]);
  const policyName = wanted.policyName === undefined ? undefined : await freePolicyName(admin, wanted.policyName, bucket, builderName ?? builder);
  return { ...(builderName ? { builder: builderName } : {}), ...(readerName ? { reader: readerName } : {}), ...(policyName ? { policyName } : {}) };
}

/** The builder's steps, and the reader's on a private cache. */
export function minioAdminSteps(ctx: MinioStepsContext): ServerStep[] {
  const { answers } = ctx;
  let adminConnection: MinioAdmin | undefined;
  const connection = (): MinioAdmin => (adminConnection ??= ctx.makeAdmin(answers.adminVia));
  /** the admin connection reading through the run's cache: the user and the policy are read once per run */
  const admin = (run: StepRun): MinioAdmin => minioAdminWithReads(connection(), run.reads);
  const builder: MinioRole = {
    ids: { user: 'user', policy: 'policy', attach: 'attach' },
    label: 'builder',
    accessKey: answers.builder.accessKey,
    secret: ctx.builderSecret,
    ...(ctx.keepSecret ? { keepSecret: ctx.keepSecret } : {}),
    profile: `the AWS credentials profile ${answers.builder.profile}`,
    policyName: answers.policyName,
    policy: writePolicyDocument(answers.bucket),
    policyFile: answers.files.policy,
    userWhy: 'Machines that upload to the cache sign in as this user, so the admin keys never leave this computer.',
    policyWhy: `It lets the builder add and overwrite objects in ${answers.bucket}, and nothing else: no deleting, no other bucket.`,
  };
  const steps = minioRoleSteps(ctx, admin, builder);
  if (answers.anonymous === 'none') {
    const name = readPolicyName(answers.policyName);
    steps.push(
      ...minioRoleSteps(ctx, admin, {
        ids: { user: 'reader-user', policy: 'reader-policy', attach: 'reader-attach' },
        label: 'reader',
        accessKey: answers.reader.accessKey,
        secret: ctx.readerSecret,
        ...(ctx.keepReaderSecret ? { keepSecret: ctx.keepReaderSecret } : {}),
        profile: `the reader credentials file (${answers.files.readerCredentials})`,
        policyName: name,
        policy: readPolicyDocument(answers.bucket),
        policyFile: `${name}.json`,
        userWhy: 'The cache is private: every machine substitutes as this user, which can read objects and nothing else.',
        policyWhy: `It lets the reader GET objects of ${answers.bucket}, and nothing else: no listing, no writing, no deleting.`,
      }),
    );
  }
  return steps;
}

function minioRoleSteps(ctx: MinioStepsContext, admin: (run: StepRun) => MinioAdmin, role: MinioRole): ServerStep[] {
  const { answers } = ctx;
  const user = role.accessKey;
  const policyName = role.policyName;
  const alias = shellWord(answers.alias);
  const { ids } = role;
  const secretVariable = role.label === 'builder' ? '$BUILDER_SECRET' : '$READER_SECRET';
  const hint = rotateHint(role.label === 'builder' ? 'builder' : 'reader', ctx.env ?? {});
  const checkKeys = ctx.checkBuilderKeys;

  const secretNow = (): string | undefined => (typeof role.secret === 'function' ? role.secret() : role.secret);

  async function checkUser(run: StepRun): Promise<CheckResult> {
    const secret = secretNow();
    const found = await admin(run).userInfo(user);
    if (!found.exists) {
      if (secret === undefined) {
        return { status: 'conflict', detail: `User ${user} does not exist and no secret is known to create it with; give ${role.label}.secretKey or let the wizard generate one.` };
      }
      return { status: 'todo', detail: `User ${user} does not exist yet; it will be created with the ${role.label} secret.` };
    }
    const elsewhere = await userElsewhere(admin(run), user, answers.bucket);
    if (elsewhere !== undefined) {
      const free = await freeUserName(admin(run), user, answers.bucket);
      return {
        status: 'conflict',
        detail: `The ${elsewhere}, so it cannot be this cache's ${role.label}. Give ${role.label}.accessKey a name of this cache's own (${free} is free).`,
      };
    }
    if (found.status !== 'enabled') {
      return { status: 'conflict', detail: `User ${user} exists but is ${found.status}; enable it with \`mc admin user enable ${alias} ${shellWord(user)}\`.` };
    }
    if (secret === undefined) {
      return {
        status: 'conflict',
        detail: `User ${user} already exists and its secret is not known here (not in the answers, not in ${role.profile}); the wizard never resets a secret silently. ${hint}`,
      };
    }
    const keys = await checkKeys({ accessKey: user, secretKey: secret }, answers.bucket);
    if (!keys.works) {
      return { status: 'conflict', detail: `User ${user} already exists but the known secret does not work: ${keys.detail}. ${hint}` };
    }
    return { status: 'done', detail: `User ${user} exists and the known secret works (${keys.detail}).` };
  }

  const userStep: ServerStep = {
    id: ids.user,
    title: `Create the ${role.label} user ${user}`,
    why: role.userWhy,
    command: `printf '%s\\n%s\\n' ${shellWord(user)} "${secretVariable}" | mc admin user add ${alias}`,
    check: (run = newStepRun()) => asStep(ids.user, () => checkUser(run)),
    apply: (run = newStepRun()) =>
      asStep(ids.user, async () => {
        // Look again right before writing (in this run, the check's read): add-user on an
        // existing user would reset its secret.
        const found = await admin(run).userInfo(user);
        if (found.exists) {
          const again = await checkUser(run);
          if (again.status === 'done') return `user ${user} was already there`;
          throw new StepError(`User ${user} already exists; its secret was left as it is.`, ids.user, hint);
        }
        const secret = secretNow();
        if (secret === undefined) {
          throw new StepError(`No secret is known to create user ${user} with.`, ids.user, `Give ${role.label}.secretKey or let the wizard generate one.`);
        }
        await role.keepSecret?.(secret);
        await admin(run).addUser(user, secret);
        const settled = await settleSecret({ check: () => checkKeys({ accessKey: user, secretKey: secret }, answers.bucket), resend: () => admin(run).addUser(user, secret) });
        if (!settled.works) {
          throw new StepError(
            `Created user ${user}, but requests signed with its secret are still refused (${settled.detail}) after sending it ${settled.resent + 1} times.`,
            ids.user,
            'Run the same command again in a moment: it checks the saved secret again.',
          );
        }
        return `created user ${user}${resentNote(settled)}`;
      }),
  };

  const wanted = role.policy;
  const policyStep: ServerStep = {
    id: ids.policy,
    title: `Write the policy ${policyName}`,
    why: role.policyWhy,
    command: `mc admin policy create ${alias} ${shellWord(policyName)} ${shellWord(role.policyFile)}`,
    check: (run = newStepRun()) =>
      asStep(ids.policy, async () => {
        const current = await admin(run).cannedPolicyInfo(policyName);
        if (current === undefined) return { status: 'todo', detail: `Policy ${policyName} does not exist yet.` } as const;
        if (samePolicy(current, wanted)) return { status: 'done', detail: `Policy ${policyName} is the ${role.label}'s policy for ${answers.bucket}.` } as const;
        // Replacing it is ours to do only when nobody else holds it and it grants nothing else.
        const elsewhere = await policyElsewhere(admin(run), policyName, answers.bucket, user);
        if (elsewhere !== undefined) {
          const free = await freePolicyName(admin(run), policyName, answers.bucket, user);
          return {
            status: 'conflict',
            detail: `The ${elsewhere}; replacing it would change what they can do. Give ${role.label === 'builder' ? 'policyName' : 'policyName (the reader\'s is named after it)'} a name of this cache's own (${free} is free).`,
          } as const;
        }
        return {
          status: 'todo',
          detail: replaceDetail(`policy ${policyName} exists with a different document (made by hand or changed since); it will be replaced by the ${role.label}'s policy for ${answers.bucket}.`),
        } as const;
      }),
    apply: (run = newStepRun()) =>
      asStep(ids.policy, async () => {
        await admin(run).addCannedPolicy(policyName, wanted);
        return `wrote policy ${policyName}`;
      }),
  };

  const attachStep: ServerStep = {
    id: ids.attach,
    title: `Attach ${policyName} to ${user}`,
    why: 'A MinIO user can do nothing until a policy is attached to it.',
    command: `mc admin policy attach ${alias} ${shellWord(policyName)} --user ${shellWord(user)}`,
    after: [ids.user, ids.policy],
    check: (run = newStepRun()) =>
      asStep(ids.attach, async () => {
        const found = await admin(run).userInfo(user);
        if (!found.exists) return { status: 'todo', detail: `User ${user} does not exist yet; the policy will be attached once it does.` } as const;
        if (found.policyNames.includes(policyName)) return { status: 'done', detail: `Policy ${policyName} is attached to ${user}.` } as const;
        return { status: 'todo', detail: `Policy ${policyName} is not attached to ${user} yet.` } as const;
      }),
    apply: (run = newStepRun()) =>
      asStep(ids.attach, async () => {
        const outcome = await admin(run).attachPolicy(policyName, user);
        return outcome === 'attached' ? `attached ${policyName} to ${user}` : `${policyName} was already attached to ${user}`;
      }),
  };

  return [userStep, policyStep, attachStep];
}
