/**
 * `setup --plain` run again on a remembered setup, Enter at every prompt, against the real MinIO
 * (issue 15 item 5): it offers the same defaults as the full-screen UI (keep the secret the AWS
 * profile holds, not a new one), finds every step done, changes no file and exits 0.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../source/main';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { promptTerminal } from '../helpers/prompt-terminal';
import { makeCliSandbox } from '../helpers/run-cli';

const row = backendTargets().find((r) => r.name === 'MinIO, adminVia api');

describe.skipIf(!row || row.target === null)(`setup --plain run again with Enter at every prompt${row?.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
  it('keeps the profile secret, finds every step done, changes no file, exit 0', async () => {
    const target = row?.target as BackendTarget;
    const sandbox = makeCliSandbox();
    sandbox.env['PATH'] = target.path;
    const id = randomBytes(4).toString('hex');
    const { admin: _admin, ...answers } = target.answers() as { admin: unknown };
    sandbox.writeAnswers({ ...answers, admin: { accessKey: target.admin.accessKey }, bucket: `plain-${id}`, builder: { accessKey: `plain${id}` }, writeMcConfig: false });
    sandbox.env['NIX_CACHE_ADMIN_SECRET_KEY'] = target.admin.secretKey;
    const first = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(first.code, first.stderr).toBe(0);
    const snapshot = () =>
      readdirSync(sandbox.dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && !join(entry.parentPath, entry.name).includes('nix-cache-wizard/'))
        .map((entry) => join(entry.parentPath, entry.name))
        .map((file) => `${file} ${statSync(file).mtimeMs} ${readFileSync(file, 'utf8').length}`)
        .sort();
    const before = snapshot();

    // When setup --plain runs again and Enter is pressed at every prompt, each once it shows
    const terminal = promptTerminal();
    const code = main(['setup', '--plain'], terminal.io, sandbox.effects());
    for (const prompt of [
      'What would you like to do with',
      'Endpoint URL',
      'Region',
      'Admin access key',
      'Which object store',
      'Manage MinIO users through',
      'Bucket name',
      'Builder user (access key)',
      'AWS profile name',
      'Builder secret',
      'Policy name',
      'Who may download',
      'Nix store directory',
      'Priority',
      'WantMassQuery',
      'Key name',
      'Secret key file',
      'Public key file',
      'Delete uploads',
      'Write the admin alias',
      'AWS credentials file',
      'NixOS module',
      'nix.conf snippet',
      'Write policy, for reference',
      'nix-cache-info, for reference',
      'Apply these changes',
    ]) {
      await terminal.answer(prompt, '\r');
    }
    // Then the secret in the profile was kept, every step was already done, and no file changed
    expect(await code, terminal.output()).toBe(0);
    expect(terminal.output()).toContain('is kept.');
    expect(terminal.output()).not.toMatch(/: (todo|conflict)\b/);
    expect(snapshot()).toEqual(before);
  });
});
