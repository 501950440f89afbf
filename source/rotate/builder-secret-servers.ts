/**
 * How each backend gives an existing user a new secret (SPEC 8), behind one small interface so
 * `rotate credentials` orders the work the same way for all of them:
 *  - MinIO (admin API or mc): add-user on the existing user. MinIO upserts: the user keeps its
 *    attached policies (kept apart from the identity in MinIO's IAM store, cmd/iam-store.go
 *    AddUser) and the old secret stops working at once. The wizard makes the secret, so it can be
 *    saved locally before the server has it.
 *  - Ceph RGW (Admin Ops): `PUT /admin/user?key&uid=U&access-key=AK&generate-key=true`: a new key
 *    replaces the old one in one request, the same access key with a server-generated secret (a
 *    secret sent in the query string would land in RGW's access log). Keeping the access key keeps
 *    `builder.accessKey`, the uid the bucket policy names and what setup's user step looks for; two
 *    access keys side by side would break all three. RGW hands an admin the secret in clear text at
 *    any time, so a change whose answer was lost is recovered by reading the user.
 */
import { settleSecret } from '../backends/minio/settle-secret';
import { askAgainWhile } from '../requests/request-rules';
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import { StepError } from '../errors';
import type { Connections } from '../connections/connections';
import { quoteForShell } from '../text/quote-for-shell';
import { wizardCommandLine } from '../text/wizard-command';

export interface SecretServer {
  /** the manual command, secrets as placeholders */
  readonly command: string;
  /** true when the server makes the secret (Ceph) */
  readonly serverMakesSecret: boolean;
  /** read-only: the user exists and can be given a new secret; throws a StepError naming what to do */
  checkUser(): Promise<void>;
  /**
   * Sets `secret` (MinIO), or has the server make one (Ceph, `secret` undefined); resolves with
   * the secret the server holds now.
   */
  setSecret(secret: string | undefined): Promise<string>;
  /** the secret the server holds now when it will say (Ceph), else undefined */
  currentSecret(): Promise<string | undefined>;
}

export interface SecretServerInput {
  readonly answers: Answers;
  readonly effects: Effects;
  /** whose secret: the builder's (or, on a private cache, the reader's) access key */
  readonly accessKey: string;
  /** the admin clients (connections/) */
  readonly connections: Connections;
}

export async function secretServerFor(input: SecretServerInput): Promise<SecretServer> {
  const { answers, effects, accessKey, connections } = input;
  const SETUP_HINT = `Run \`${wizardCommandLine(effects.env, 'setup')}\` first: it creates the user.`;
  if (answers.backend === 'minio') {
    const client = connections.minioAdmin();
    return {
      command: `printf '%s\\n%s\\n' ${quoteForShell(accessKey)} "$NEW_SECRET" | mc admin user add ${quoteForShell(answers.alias)}`,
      serverMakesSecret: false,
      async checkUser() {
        // Right after a restart a node of a distributed MinIO whose IAM is not loaded yet says a
        // user it knows does not exist (issue 20): asked again before the rotation stops.
        const found = await askAgainWhile(() => client.userInfo(accessKey), (info) => !info.exists);
        if (!found.exists) throw new StepError(`The MinIO user ${accessKey} does not exist, so it has no secret to rotate.`, 'server', SETUP_HINT);
        if (found.status !== 'enabled') {
          throw new StepError(`The MinIO user ${accessKey} is ${found.status}; a rotation would enable it.`, 'server', `Enable it first (mc admin user enable ${answers.alias} ${accessKey}) if it should work again.`);
        }
      },
      async setSecret(secret) {
        if (secret === undefined) throw new Error('MinIO needs the new secret from the wizard');
        await client.addUser(accessKey, secret);
        const check = connections.keysChecker();
        const settled = await settleSecret({ check: () => check({ accessKey, secretKey: secret }, answers.bucket), resend: () => client.addUser(accessKey, secret) });
        if (!settled.works) {
          throw new StepError(
            `MinIO took the new secret, but requests signed with it are still refused (${settled.detail}) after sending it ${settled.resent + 1} times; the pending copy is kept.`,
            'server',
            `Run \`${wizardCommandLine(effects.env, 'rotate credentials')}\` again in a moment: it sets the saved secret again.`,
          );
        }
        return secret;
      },
      currentSecret: async () => undefined,
    };
  }
  if (answers.backend === 'ceph') {
    const { RgwAdminError } = await import('../backends/ceph/rgw-admin-client');
    const rgw = await connections.rgwAdmin();
    const asStep = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof RgwAdminError) throw new StepError(error.message, 'server', error.hint);
        throw error;
      }
    };
    const key = async () => {
      const user = await rgw.getUser(accessKey);
      if (!user) throw new StepError(`The RGW user ${accessKey} does not exist, so it has no secret to rotate.`, 'server', SETUP_HINT);
      const found = user.keys.find((candidate) => candidate.accessKey === accessKey);
      if (!found) throw new StepError(`The RGW user ${accessKey} has no access key ${accessKey}.`, 'server', SETUP_HINT);
      if (user.suspended) throw new StepError(`The RGW user ${accessKey} is suspended.`, 'server', `Enable it first: radosgw-admin user enable --uid=${accessKey}`);
      return found;
    };
    return {
      command: `radosgw-admin key create --uid=${quoteForShell(accessKey)} --key-type=s3 --access-key=${quoteForShell(accessKey)} --gen-secret`,
      serverMakesSecret: true,
      checkUser: () => asStep(async () => void (await key())),
      setSecret: () => asStep(async () => (await rgw.rotateKey(accessKey, accessKey)).secretKey),
      currentSecret: () => asStep(async () => (await key()).secretKey),
    };
  }
  throw new StepError('backend "s3" has no admin API the wizard can use', 'server');
}
