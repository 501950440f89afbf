/**
 * `nix-cache-wizard rotate credentials [--reader]` (SPEC 8): a new builder secret on the server and
 * in the AWS profile (with `--reader`, on a private cache: the reader's, in the reader credentials
 * file), in an order that never leaves the user without a secret that works somewhere:
 *
 *   pending   the new secret saved locally first (state folder, 0600), or on Ceph, where the
 *             server makes it, a mark that the change has begun
 *   server    the server switches to it; the old secret stops working at once
 *   profile   the AWS profile gets it (every other byte of the file kept)
 *   check     a request signed with the new secret is accepted, one with the old refused
 *   cleanup   the pending copy removed
 *
 * A run that stops anywhere leaves the pending copy; the next run finishes THAT change (the same
 * secret; on Ceph the one RGW holds, which it tells an admin) instead of starting another.
 * `rotateCredentials` is the plain async function a menu calls (progress as events, no printing);
 * `runRotateCredentials` is the command line around it.
 */
import { createHash } from 'node:crypto';
import type { Answers } from '../answers/answers';
import { connectionsFor } from '../connections/connections';
import type { Effects } from '../effects';
import { StepError, UsageError } from '../errors';
import { whyNotWritable } from '../files/check-writable';
import { commentLine } from '../files/comment-text';
import { planFiles } from '../files/plan-files';
import type { FileReport } from '../files/planned-file';
import { resolveFilePath } from '../files/resolve-file-path';
import { writePlannedFiles, type WriteFsHooks } from '../files/write-planned-files';
import { quoteForShell } from '../text/quote-for-shell';
import { wizardCommandLine } from '../text/wizard-command';
import { readIfExists } from '../session/prepare-secrets';
import { readAwsProfile } from '../files/read-aws-profile';
import { secretServerFor, type SecretServer } from './builder-secret-servers';
import { rotationSteps, type RotationEvent, type RotationReport } from './rotation-steps';
import { generateBuilderSecret } from '../secrets/generate-builder-secret';
import { rotationPendingPath, readRotationPending, removeRotationPending, writeRotationPending } from '../state/rotation-pending-secret';
import { acquireSetupLock } from '../state/setup-lock';
import { READER_CREDENTIALS_PATH } from '../nix/cache-urls';
import { isPrivateCache } from '../answers/answers';

/** Where a test stops the run, as a crash would. */
export type CredentialRotationPoint = 'pending-saved' | 'server-changed' | 'profile-written';

/** Whose secret: the builder's (uploads), or on a private cache the reader's (substitution). */
export type CredentialRole = 'builder' | 'reader';

interface RoleView {
  readonly role: CredentialRole;
  readonly accessKey: string;
  readonly profile: string;
  /** the answer naming the credentials file, and the planned file's id */
  readonly fileKey: 'awsCredentials' | 'readerCredentials';
  readonly file: string;
  /** what the file is, in messages */
  readonly fileLabel: string;
  readonly secretField: `${CredentialRole}.secretKey`;
  readonly secretGiven: boolean;
}

/** The builder and the reader have the same answers (accessKey, secretKey, profile); only their file differs. */
function roleView(answers: Answers, role: CredentialRole): RoleView {
  const user = answers[role];
  const fileKey = role === 'builder' ? 'awsCredentials' : 'readerCredentials';
  return {
    role,
    accessKey: user.accessKey,
    profile: user.profile,
    fileKey,
    file: answers.files[fileKey],
    fileLabel: `${role === 'builder' ? 'the AWS profile' : 'the reader credentials'} [${user.profile}]`,
    secretField: `${role}.secretKey`,
    secretGiven: user.secretKey !== undefined,
  };
}

export interface RotateCredentialsInput {
  readonly answers: Answers;
  /** whose secret [builder] */
  readonly role?: CredentialRole;
  readonly effects: Effects;
  readonly onEvent?: (event: RotationEvent) => void;
  /** fault injection for tests: throwing here stops the run at that point */
  readonly at?: (point: CredentialRotationPoint) => void | Promise<void>;
  /** fault injection for tests, in the profile write */
  readonly fsHooks?: WriteFsHooks;
  /** the server side [by answers.backend]; tests may wrap it */
  readonly server?: SecretServer;
}

export interface RotateCredentialsResult {
  readonly steps: readonly RotationReport[];
  readonly files: readonly FileReport[];
  readonly next: readonly string[];
  /** true when this run finished a rotation an earlier run began */
  readonly resumed: boolean;
}

export function s3Explanation(env: Effects['env']): string {
  return (
    'backend "s3" has no admin API the wizard can use, so the builder keys are rotated where they were made: ' +
    'in your provider\'s console or IAM (e.g. `aws iam create-access-key`, then `aws iam delete-access-key` for the old one; ' +
    'Cloudflare R2: R2 > Manage API tokens; Backblaze B2: Application Keys). ' +
    `Then put the new keys in builder.accessKey and builder.secretKey and run \`${wizardCommandLine(env, 'setup')}\`, which writes the AWS profile.`
  );
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What the rotation changes and what stops working, said before confirming. */
export function credentialRotationWarning(answers: Answers, role: CredentialRole = 'builder'): string {
  const who = roleView(answers, role);
  return role === 'builder'
    ? [
        `rotate credentials gives the builder user ${who.accessKey} on ${answers.endpoint} a new secret and writes it to ${who.fileLabel} in ${who.file}.`,
        'The old secret stops working AT ONCE: every machine that uploads with it (post-build hook, nix copy) is refused until it gets the new one.',
      ].join('\n')
    : [
        `rotate credentials --reader gives the reader user ${who.accessKey} on ${answers.endpoint} a new secret and writes it to ${who.fileLabel} in ${who.file}.`,
        `The old secret stops working AT ONCE: every machine that reads this private cache with it (${READER_CREDENTIALS_PATH}) gets no paths from it, and builds them itself, until it gets the new file.`,
      ].join('\n');
}

export function refuseUnrotatable(answers: Answers, role: CredentialRole, env: Effects['env']): void {
  if (answers.backend === 's3') throw new UsageError(`rotate credentials: ${s3Explanation(env)}`, 'backend');
  if (role === 'reader' && !isPrivateCache(answers)) {
    throw new UsageError(
      `rotate credentials --reader: the cache is not private (anonymous is "${answers.anonymous}"), so it has no reader user to rotate; machines read it without keys.`,
      'anonymous',
    );
  }
  const who = roleView(answers, role);
  if (who.secretGiven) {
    throw new UsageError(
      `rotate credentials makes the new ${role} secret itself, but the answers give ${who.secretField}: remove it from the answers (afterwards it would name the old secret; the new one is kept in ${who.fileLabel}).`,
      who.secretField,
    );
  }
}

export async function rotateCredentials(input: RotateCredentialsInput): Promise<RotateCredentialsResult> {
  const { answers, effects } = input;
  refuseUnrotatable(answers, input.role ?? 'builder', effects.env);
  // One run per setup at a time (SPEC 10): a setup running meanwhile could find the user's secret
  // changed under it, and two rotations would each set one.
  const lock = await acquireSetupLock({ endpoint: answers.endpoint, bucket: answers.bucket }, effects);
  try {
    return await rotateLocked(input, roleView(answers, input.role ?? 'builder'));
  } finally {
    await lock.release();
  }
}

async function rotateLocked(input: RotateCredentialsInput, who: RoleView): Promise<RotateCredentialsResult> {
  const { answers, effects } = input;
  const accessKey = who.accessKey;
  const awsPath = resolveFilePath(who.file, effects);
  const pendingPath = rotationPendingPath(effects, answers.endpoint, answers.bucket, accessKey);

  // Before anything changes: both local targets writable, the profile file readable as INI.
  for (const [field, path] of [
    [`files.${who.fileKey}`, awsPath],
    ['the state folder', pendingPath],
  ] as const) {
    const why = await whyNotWritable(path);
    if (why !== undefined) throw new UsageError(`${field}: ${path} cannot be written (${why}); nothing was changed.`, field === 'the state folder' ? undefined : field);
  }
  const profileFile = (secret: string) =>
    planFiles({ answers, base: effects, ...(who.role === 'builder' ? { builderSecretKey: secret } : { readerSecretKey: secret }), publicKeys: [] }).filter(
      (file) => file.id === who.fileKey,
    );
  await writePlannedFiles(profileFile('placeholder-secret'), { dryRun: true, effects });
  const profileText = await readIfExists(awsPath);
  const profile = profileText === null ? undefined : readAwsProfile(profileText, who.profile);
  const oldSecret = profile?.accessKeyId === accessKey ? profile.secretAccessKey : undefined;

  const connections = await connectionsFor(answers, effects);
  const server = input.server ?? (await secretServerFor({ answers, effects, accessKey, connections }));
  await server.checkUser();
  const pending = await readRotationPending(pendingPath);
  const resuming = pending !== undefined && pending.accessKey === accessKey ? pending : undefined;

  const steps = rotationSteps(input.onEvent);
  let newSecret: string | undefined;
  let serverHasIt = false;
  const files: FileReport[] = [];

  await steps.run('pending', 'Save the new secret locally first', async () => {
    if (resuming !== undefined) {
      if (!server.serverMakesSecret) {
        newSecret = resuming.secret;
        if (newSecret !== undefined) return { status: 'done', detail: `finishing the rotation begun at ${resuming.startedAt}, with the secret saved then` };
      } else {
        // RGW tells an admin the secret it holds: still the one it held when the change began
        // means the change never reached it; anything else is the new secret, whose answer may
        // have been lost.
        const current = await server.currentSecret();
        const before = resuming.beforeSha256 ?? (oldSecret === undefined ? undefined : sha256(oldSecret));
        if (current !== undefined && sha256(current) !== before) {
          newSecret = current;
          serverHasIt = true;
          await writeRotationPending(pendingPath, { ...resuming, secret: current });
          return { status: 'done', detail: `finishing the rotation begun at ${resuming.startedAt}: RGW already holds the new secret` };
        }
      }
    }
    if (server.serverMakesSecret) {
      const current = await server.currentSecret();
      await writeRotationPending(pendingPath, {
        accessKey,
        secret: undefined,
        startedAt: resuming?.startedAt ?? effects.now().toISOString(),
        ...(current === undefined ? {} : { beforeSha256: sha256(current) }),
      });
      return { status: 'changed', detail: 'marked the rotation as begun in the state folder (RGW makes the secret)' };
    }
    newSecret = generateBuilderSecret((n) => effects.randomBytes(n));
    await writeRotationPending(pendingPath, { accessKey, secret: newSecret, startedAt: effects.now().toISOString() });
    return { status: 'changed', detail: `saved the new secret in the state folder (0600) before the server has it` };
  });
  await input.at?.('pending-saved');

  await steps.run('server', `Give ${accessKey} the new secret on the server`, async () => {
    if (serverHasIt) return { status: 'done', detail: 'the server already holds the new secret' };
    newSecret = await server.setSecret(newSecret);
    if (server.serverMakesSecret) {
      const marked = await readRotationPending(pendingPath);
      await writeRotationPending(pendingPath, { accessKey, secret: newSecret, startedAt: marked?.startedAt ?? effects.now().toISOString() });
    }
    return { status: 'changed', detail: `the server holds the new secret and no longer takes the old one (by hand: ${server.command})` };
  });
  await input.at?.('server-changed');
  const secret = newSecret as string;

  await steps.run('profile', `Write ${who.fileLabel}`, async () => {
    const reports = await writePlannedFiles(profileFile(secret), { dryRun: false, effects, fsHooks: input.fsHooks });
    files.push(...reports);
    const action = reports[0]?.action ?? 'unchanged';
    return { status: action === 'unchanged' ? 'done' : 'changed', detail: `${awsPath}: ${action}` };
  });
  await input.at?.('profile-written');

  await steps.run('check', 'Check the new secret works and the old one does not', async () => {
    const check = connections.keysChecker();
    const fresh = await check({ accessKey, secretKey: secret }, answers.bucket);
    if (!fresh.works) {
      throw new StepError(`The server refuses the new secret (${fresh.detail}); the pending copy is kept.`, 'check', `Run \`${wizardCommandLine(effects.env, 'rotate credentials')}\` again: it sets the saved secret again.`);
    }
    if (oldSecret === undefined || oldSecret === secret) return { status: 'done', detail: `the new secret works (${fresh.detail})` };
    const stale = await check({ accessKey, secretKey: oldSecret }, answers.bucket);
    return {
      status: 'done',
      detail: stale.works ? `the new secret works; the server still accepted the old one (${stale.detail}): it may take a moment to drop it` : `the new secret works and the old one is refused (${stale.detail})`,
    };
  });

  await steps.run('cleanup', 'Remove the pending copy', async () => {
    await removeRotationPending(pendingPath);
    return { status: 'changed', detail: 'the AWS profile is now the only local copy of the secret' };
  });

  return { steps: steps.reports, files, next: credentialRotationNextSteps(who.role, who.profile, awsPath), resumed: resuming !== undefined };
}

/** What to do after a rotation: the new secret reaches the machines that use it. */
export function credentialRotationNextSteps(role: CredentialRole, profile: string, written: string): string[] {
  return role === 'builder'
    ? [
        commentLine(`Give every machine that uploads the new secret: the [${profile}] section of ${written}`),
        "# (on a builder: root's ~/.aws/credentials, or the file nix-daemon's AWS_SHARED_CREDENTIALS_FILE names). Until then its uploads are refused.",
      ]
    : [
        commentLine(`Give every machine that reads the cache the new file: copy ${written} to ${READER_CREDENTIALS_PATH} (0600, root),`),
        commentLine(`e.g. sudo install -m 600 -o root ${quoteForShell(written)} ${READER_CREDENTIALS_PATH}. Until then it gets no paths from the cache and builds them itself.`),
      ];
}
