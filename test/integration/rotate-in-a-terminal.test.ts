/**
 * The rotations in a terminal after an interactive-style setup, against the real servers (issue 15
 * item 3): the admin secret is never remembered, so `rotate credentials` asks for it (or offers
 * the keys of the mc alias setup wrote for that endpoint) instead of stopping at "admin.secretKey
 * is required"; without a terminal the missing answer is still exit 2 naming it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builderKeysChecker } from '../../source/backends/minio/builder-keys-check';
import { main } from '../../source/main';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { promptTerminal } from '../helpers/prompt-terminal';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

for (const row of backendTargets().filter((r) => r.target === null || r.target.adminVia !== 'mc')) {
  describe.skipIf(row.target === null)(`rotate credentials in a terminal on ${row.name}${row.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
    const target = row.target as BackendTarget;

    /** A setup whose admin keys came from the environment: remembered without the secret. */
    async function setUp(writeMcConfig: boolean): Promise<{ sandbox: CliSandbox; bucket: string; builder: string }> {
      const sandbox = makeCliSandbox();
      sandbox.env['PATH'] = target.path;
      const id = randomBytes(4).toString('hex');
      const bucket = `rot-tty-${id}`;
      const builder = `rottty${id}`;
      const { admin: _admin, ...answers } = target.answers() as { admin: unknown };
      sandbox.writeAnswers({ ...answers, bucket, builder: { accessKey: builder }, writeMcConfig, alias: `tty${id}` });
      sandbox.env['NIX_CACHE_ADMIN_ACCESS_KEY'] = target.admin.accessKey;
      sandbox.env['NIX_CACHE_ADMIN_SECRET_KEY'] = target.admin.secretKey;
      const setup = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
      expect(setup.code, setup.stderr).toBe(0);
      delete sandbox.env['NIX_CACHE_ADMIN_ACCESS_KEY'];
      delete sandbox.env['NIX_CACHE_ADMIN_SECRET_KEY'];
      return { sandbox, bucket, builder };
    }

    const profileSecret = (sandbox: CliSandbox) => readAwsProfile(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'), 'nixbuilder')?.secretAccessKey ?? '';
    const works = async (builder: string, bucket: string, secret: string) =>
      (await builderKeysChecker({ endpoint: target.endpoint, region: 'us-east-1', insecure: false })({ accessKey: builder, secretKey: secret }, bucket)).works;
    const inTerminal = (sandbox: CliSandbox, args: readonly string[]) => {
      const terminal = promptTerminal();
      const code = main(args, terminal.io, sandbox.effects());
      return { terminal, code };
    };

    it('asks for the admin secret that is not remembered, then confirms and rotates', async () => {
      const { sandbox, bucket, builder } = await setUp(false);
      const oldSecret = profileSecret(sandbox);
      // Without a terminal the missing answer is named: exit 2, nothing changed
      const piped = await sandbox.run(['rotate', 'credentials', '--yes']);
      expect(piped.code).toBe(2);
      expect(piped.stderr).toContain('admin.secretKey');
      expect(profileSecret(sandbox)).toBe(oldSecret);
      // In a terminal it is asked for, hidden, then the change is confirmed
      const { terminal, code } = inTerminal(sandbox, ['rotate', 'credentials']);
      await terminal.answer('Admin secret key', `${target.admin.secretKey}\r`);
      await terminal.answer('Rotate the builder secret now?', 'y\r');
      expect(await code, terminal.output()).toBe(0);
      expect(terminal.output()).not.toContain(target.admin.secretKey);
      expect(terminal.output()).not.toContain('is required');
      const newSecret = profileSecret(sandbox);
      expect(newSecret).not.toBe(oldSecret);
      expect(await works(builder, bucket, newSecret)).toBe(true);
      expect(await works(builder, bucket, oldSecret)).toBe(false);
    });

    it('offers the keys of the mc alias setup wrote for this endpoint instead of asking to type them', async () => {
      const { sandbox, bucket, builder } = await setUp(true);
      const oldSecret = profileSecret(sandbox);
      const { terminal, code } = inTerminal(sandbox, ['rotate', 'credentials']);
      await terminal.answer(`Admin keys for ${target.endpoint}`);
      await terminal.answer('the keys of mc alias tty', '\r');
      await terminal.answer('Rotate the builder secret now?', 'y\r');
      expect(await code, terminal.output()).toBe(0);
      expect(terminal.output()).not.toContain('Admin secret key');
      const newSecret = profileSecret(sandbox);
      expect(newSecret).not.toBe(oldSecret);
      expect(await works(builder, bucket, newSecret)).toBe(true);
    });
  });
}
