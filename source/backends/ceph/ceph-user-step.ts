/**
 * The `user` step on Ceph RGW (SPEC 5): the builder user, created through the Admin Ops API with
 * `max-buckets=-1` (it may not create buckets) and a secret the server generates, so no secret
 * ever travels in a query string, which RGW writes to its access log (notes/ceph-rgw.md).
 *
 * The builder's uid, display name and access key are all `builder.accessKey` ("the user that
 * uploads"), so the bucket policy can name `arn:aws:iam:::user/<accessKey>`.
 *
 * How the secret gets back to the caller: RGW hands the secret to an admin in clear text, both
 * when it creates it and on every later read. So the step reports it through `onSecret` in two
 * cases, and the caller writes it to the AWS credentials profile:
 *  - apply created the user: the secret is new, nothing else knows it;
 *  - check found the user with our access key while this machine knows no builder secret (no
 *    answer, no profile, e.g. the profile file was lost): the step is done, and the secret is
 *    *read*, not reset. Nothing changes on the server, and every machine already using that
 *    secret keeps working, which is the opposite of the silent reset SPEC 5 forbids.
 * When this machine knows a secret that differs from the server's, the step never picks one of
 * them: it is a conflict, and `rotate credentials` is the deliberate way out.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Answers } from '../../answers/answers';
import { StepError } from '../../errors';
import { newStepRun, type CheckResult, type ServerStep, type StepId, type StepRun } from '../../steps/server-step';
import { RgwAdminError, rgwAdminWithReads, type RgwAdminClient, type RgwUser } from './rgw-admin-client';
import { quoteForShell as shellWord } from '../../text/quote-for-shell';
import { wizardCommandLine } from '../../text/wizard-command';
import type { CephUserOwnership } from './user-grants';

export interface CephUserStepContext {
  readonly answers: Pick<Answers, 'builder'>;
  /** an Admin Ops client signed with the admin keys */
  readonly admin: RgwAdminClient;
  /**
   * the builder secret this machine knows (answers or the AWS profile); default
   * `answers.builder.secretKey`. A function is read at every check and apply, so a secret that
   * arrives later (through `onSecret`) counts on the next check.
   */
  readonly knownBuilderSecret?: string | (() => string | undefined);
  /**
   * Receives the builder's secret as RGW holds it: after apply created the user, or from check
   * when the user exists and no secret was known here (see the module comment). Never log it.
   */
  readonly onSecret: (secret: string) => void;
  /**
   * Whom the user is for [the builder, step `user`]. On a private cache the same step makes the
   * reader (`reader-user`, `reader.accessKey`), whose read access is a bucket policy statement.
   */
  readonly role?: { readonly id: StepId; readonly label: 'builder' | 'reader'; readonly accessKey: string };
  /**
   * Saves a secret RGW just generated locally (the state folder's pending copy) before anything
   * else happens, so it is never known only to the server (SPEC 10). Apply only.
   */
  readonly keepSecret?: (secret: string) => Promise<void>;
  /** tells a user of another cache (user-grants.ts); without it every existing user may be taken */
  readonly ownership?: CephUserOwnership;
  /** the environment, to spell the wizard's command in hints as the user started it [the installed bin] */
  readonly env?: Readonly<Record<string, string | undefined>>;
}


function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hintFor(error: unknown): string | undefined {
  if (!(error instanceof RgwAdminError)) return undefined;
  switch (error.code) {
    case 'AccessDenied':
      return 'Give the admin user the caps: radosgw-admin caps add --uid=<admin> --caps="users=*;buckets=*"';
    case 'SignatureDoesNotMatch':
    case 'InvalidAccessKeyId':
      return 'Check admin.accessKey and admin.secretKey.';
    case 'ECONNREFUSED':
      return 'Start radosgw or correct the endpoint, then run the wizard again.';
    default:
      // a network or TLS failure brings its own (an unknown CA: set caFile)
      return error.hint;
  }
}

export function cephUserStep(ctx: CephUserStepContext): ServerStep {
  const role = ctx.role ?? { id: 'user' as const, label: 'builder' as const, accessKey: ctx.answers.builder.accessKey };
  const { id, label } = role;
  const accessKey = role.accessKey;
  const uid = accessKey;
  const knownSecret = (): string | undefined =>
    (typeof ctx.knownBuilderSecret === 'function' ? ctx.knownBuilderSecret() : ctx.knownBuilderSecret) ?? (ctx.role === undefined ? ctx.answers.builder.secretKey : undefined);

  /** the Admin Ops client reading through the run's cache: the user is read once per run */
  const adminFor = (run: StepRun): RgwAdminClient => rgwAdminWithReads(ctx.admin, run.reads);
  const env = ctx.env ?? {};
  const rotateHint = `Run \`${wizardCommandLine(env, 'rotate credentials')}\` to give the builder a new secret and write it to the AWS profile.`;
  const readerRotateHint = `Run \`${wizardCommandLine(env, 'rotate credentials --reader')}\` to give the reader a new secret and write it to the reader credentials file.`;

  const fail = (error: unknown): StepError =>
    error instanceof StepError ? error : new StepError(messageOf(error), id, hintFor(error));

  /** The builder's key on the server, or why the existing user cannot be used as it is. */
  function inspect(user: RgwUser): { secret: string } | { conflict: string } {
    const key = user.keys.find((candidate) => candidate.accessKey === accessKey);
    if (!key) {
      const others = user.keys.length === 0 ? 'no S3 keys' : `only the access key(s) ${user.keys.map((k) => k.accessKey).join(', ')}`;
      return { conflict: `the RGW user ${uid} exists but has ${others}, not ${accessKey}. ${rotateHint}` };
    }
    if (user.suspended) {
      return { conflict: `the RGW user ${uid} is suspended; enable it with \`radosgw-admin user enable --uid=${shellWord(uid)}\`.` };
    }
    return { secret: key.secretKey };
  }

  return {
    id,
    title: label === 'builder' ? 'Builder user' : 'Reader user',
    why:
      label === 'builder'
        ? 'The builder uploads with its own keys, which can write to the cache but cannot create buckets or manage anything.'
        : 'The cache is private: every machine substitutes with the reader\'s keys, which can read objects and nothing else.',
    command: [
      'radosgw-admin user create',
      `--uid=${shellWord(uid)}`,
      `--display-name=${shellWord(uid)}`,
      '--max-buckets=-1',
      `--access-key=${shellWord(accessKey)}`,
      '--gen-secret',
    ].join(' '),

    async check(run = newStepRun()): Promise<CheckResult> {
      const known = knownSecret();
      const admin = adminFor(run);
      try {
        // Whose is the access key? asked together with the uid, not after it: one request more
        // when the user exists, one round trip less when it does not.
        const keyOwner = admin.getUserByAccessKey(accessKey);
        keyOwner.catch(() => undefined); // awaited only when the user is missing
        const user = await admin.getUser(uid);
        if (!user) {
          const owner = await keyOwner;
          if (owner) {
            return {
              status: 'conflict',
              detail: `the access key ${accessKey} already belongs to the RGW user ${owner.uid}; choose another ${label}.accessKey.`,
            };
          }
          return { status: 'todo', detail: `the RGW user ${uid} does not exist yet; it will be created and RGW will generate its secret.` };
        }
        const elsewhere = await ctx.ownership?.elsewhere(uid, run);
        if (elsewhere !== undefined) {
          const free = await ctx.ownership!.freeName(uid, run);
          return { status: 'conflict', detail: `The ${elsewhere}, so it cannot be this cache's ${label}. Give ${label}.accessKey a name of this cache's own (${free} is free).` };
        }
        const found = inspect(user);
        if ('conflict' in found) return { status: 'conflict', detail: found.conflict };
        let secretNote: string;
        if (known === undefined) {
          ctx.onSecret(found.secret);
          secretNote = 'its secret was read from RGW (nothing was reset)';
        } else if (sameSecret(known, found.secret)) {
          secretNote = 'the known secret is the one RGW holds';
        } else {
          return {
            status: 'conflict',
            detail: `the RGW user ${uid} exists, but the ${label} secret known here (answers or ${label === 'builder' ? 'AWS profile' : 'reader credentials file'}) is not the one RGW holds for ${accessKey}. ${label === 'builder' ? rotateHint : readerRotateHint}`,
          };
        }
        if (user.maxBuckets !== -1) {
          return {
            status: 'todo',
            detail: `the RGW user ${uid} exists and ${secretNote}, but it may create buckets (max-buckets ${user.maxBuckets}); it will be set to -1.`,
          };
        }
        return { status: 'done', detail: `the RGW user ${uid} exists with the access key ${accessKey}; ${secretNote}.` };
      } catch (error) {
        throw fail(error);
      }
    },

    async apply(run = newStepRun()): Promise<string> {
      const known = knownSecret();
      const admin = adminFor(run);
      try {
        let user = await admin.getUser(uid);
        if (!user) {
          try {
            user = await admin.createUser(uid, uid, { accessKey, maxBuckets: -1 });
          } catch (error) {
            // Created meanwhile by someone else: fall through to the checks on the existing user.
            if (!(error instanceof RgwAdminError && error.code === 'UserAlreadyExists')) throw error;
            user = await admin.getUser(uid);
            if (!user) throw error;
            return await settle(admin, user, known);
          }
          const key = user.keys.find((candidate) => candidate.accessKey === accessKey);
          if (!key || key.secretKey === '') {
            throw new StepError(`RGW created the user ${uid} but did not return a secret for ${accessKey}.`, id, rotateHint);
          }
          await ctx.keepSecret?.(key.secretKey);
          ctx.onSecret(key.secretKey);
          const replaced = known !== undefined ? ' (the secret known before was not used: on Ceph the server makes it)' : '';
          return `created the RGW user ${uid} with the access key ${accessKey}, no right to create buckets, and a secret generated by RGW${replaced}.`;
        }
        return await settle(admin, user, known);
      } catch (error) {
        throw fail(error);
      }
    },
  };

  /** apply on a user that exists: only `max-buckets` may be changed; the secret never is. */
  async function settle(admin: RgwAdminClient, user: RgwUser, known: string | undefined): Promise<string> {
    const found = inspect(user);
    if ('conflict' in found) throw new StepError(found.conflict, id);
    if (known !== undefined && !sameSecret(known, found.secret)) {
      throw new StepError(`the ${label} secret known here is not the one RGW holds for ${accessKey}.`, id, label === 'builder' ? rotateHint : readerRotateHint);
    }
    if (known === undefined) ctx.onSecret(found.secret);
    if (user.maxBuckets === -1) return `the RGW user ${uid} already exists with the access key ${accessKey}.`;
    await admin.modifyUser(uid, { maxBuckets: -1 });
    return `set max-buckets to -1 on the RGW user ${uid}, so it cannot create buckets.`;
  }
}
