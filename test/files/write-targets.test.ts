/**
 * Write targets, issue 16: planted links, names too long for the temporary and backup files, and
 * existing files that are not UTF-8 text.
 *
 * Links are resolved as the kernel would protect them: run as root in a shared
 * folder, a link another user planted is refused, naming the file and the rule, before anything is
 * written (and, since proveWritable runs before the first server change, before any server change);
 * a link its owner may follow (their own, into their own folder) still works, and a new file behind
 * it belongs to them. The second user is only a uid given with chown: no account is needed.
 */
import { lchownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Effects } from '../../source/effects';
import { UsageError } from '../../source/errors';
import { planFiles } from '../../source/files/plan-files';
import { proveWritable, writePlannedFiles } from '../../source/files/write-planned-files';
import { exampleAnswers, PUBLIC_KEY, SECRET_KEY } from './example-answers';

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const OTHER = 12345;

let root: string;
let effects: Pick<Effects, 'home' | 'cwd' | 'now'>;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ncw-links-'));
  effects = { home: join(root, 'home'), cwd: join(root, 'shared'), now: () => new Date('2026-12-05T06:00:00Z') };
  mkdirSync(effects.home, { mode: 0o700 });
  // Given a working folder everyone may write to, like /tmp
  mkdirSync(effects.cwd);
  chmodSync(effects.cwd, 0o1777);
});

const plan = () => planFiles({ answers: exampleAnswers(), base: effects, publicKeys: [PUBLIC_KEY], secretKeyText: SECRET_KEY });

/** A folder only root may change, holding a file someone would like replaced. */
function rootOnlyFile(): string {
  const folder = join(root, 'root-only');
  mkdirSync(folder, { mode: 0o700 });
  writeFileSync(join(folder, 'important'), 'root data\n');
  return join(folder, 'important');
}

/** A folder owned by the other user. */
function othersFolder(): string {
  const folder = join(root, 'other');
  mkdirSync(folder, { mode: 0o755 });
  chownSync(folder, OTHER, OTHER);
  return folder;
}

/** `link` → `target`, owned by `uid` (the link itself, not its target). */
function plantLink(target: string, link: string, uid = OTHER): void {
  symlinkSync(target, link);
  lchownSync(link, uid, uid);
}

async function refusal(write: () => Promise<unknown>): Promise<UsageError> {
  const error = await write().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe.runIf(asRoot)('links planted by another user (issue 16)', () => {
  it("another user's link in a sticky shared folder is not followed: the root-only file it names stays as it was", async () => {
    const important = rootOnlyFile();
    plantLink(important, join(effects.cwd, 'nix-cache.conf'));

    const error = await refusal(() => writePlannedFiles(plan(), { dryRun: false, effects }));

    expect(error.exitCode).toBe(2);
    expect(error.field).toBe('files.nixConf');
    expect(error.message).toContain(join(effects.cwd, 'nix-cache.conf'));
    expect(error.message).toContain('sticky or world-writable');
    expect(readFileSync(important, 'utf8')).toBe('root data\n');
    // nothing at all was written: the refusal comes while the files are planned
    expect(readdirSync(effects.home)).toEqual([]);
  });

  it("the writability proof (run before any server change) refuses it too", async () => {
    plantLink(join(othersFolder(), 'reader.credentials'), join(effects.cwd, 'nix-cache-builder.nix'));
    const error = await refusal(() => proveWritable(plan(), { effects }));
    expect(error.field).toBe('files.builderModule');
  });

  it("a link to the other user's own folder is refused in a shared folder: the secret never lands there, owned by them", async () => {
    const other = othersFolder();
    mkdirSync(join(effects.home, '.aws'), { mode: 0o700 });
    // The credentials path goes through the shared folder: ~/.aws/credentials → shared/creds → other/creds
    symlinkSync(join(effects.cwd, 'creds'), join(effects.home, '.aws', 'credentials'));
    plantLink(join(other, 'creds'), join(effects.cwd, 'creds'));

    const error = await refusal(() => writePlannedFiles(plan(), { dryRun: false, effects }));

    expect(error.field).toBe('files.awsCredentials');
    expect(error.message).toContain(join(effects.cwd, 'creds'));
    expect(readdirSync(other)).toEqual([]);
  });

  it('a planted link to a folder on the way is refused like a link to a file', async () => {
    const other = othersFolder();
    plantLink(other, join(effects.cwd, 'out'));
    const error = await refusal(() => writePlannedFiles(plan(), { dryRun: false, effects, outDir: 'out' }));
    expect(error.message).toContain(join(effects.cwd, 'out'));
    expect(readdirSync(other)).toEqual([]);
  });

  it("another user's link leading into a folder they do not own is refused even outside a shared folder", async () => {
    const important = rootOnlyFile();
    const other = othersFolder();
    effects = { ...effects, cwd: other };
    plantLink(important, join(other, 'nix-cache-info'));

    const error = await refusal(() => writePlannedFiles(plan(), { dryRun: true, effects }));

    expect(error.field).toBe('files.cacheInfo');
    expect(error.message).toContain(`a folder owned by uid 0`);
    expect(readFileSync(important, 'utf8')).toBe('root data\n');
  });

  it("a user's own link into their own folder (dotfiles) is followed, and the new file behind it is theirs", async () => {
    const other = othersFolder();
    chownSync(effects.home, OTHER, OTHER);
    mkdirSync(join(effects.home, '.aws'), { mode: 0o700 });
    chownSync(join(effects.home, '.aws'), OTHER, OTHER);
    plantLink(join(other, 'credentials'), join(effects.home, '.aws', 'credentials'));

    await writePlannedFiles(plan(), { dryRun: false, effects });

    const written = statSync(join(other, 'credentials'));
    expect([written.uid, written.gid, written.mode & 0o777]).toEqual([OTHER, OTHER, 0o600]);
  });

  it("root's own link in the shared folder is followed (only links others could have planted are refused)", async () => {
    const mine = join(root, 'mine');
    mkdirSync(mine);
    symlinkSync(join(mine, 'nix-cache.conf'), join(effects.cwd, 'nix-cache.conf'));
    await writePlannedFiles(plan(), { dryRun: false, effects });
    expect(readFileSync(join(mine, 'nix-cache.conf'), 'utf8')).toContain('extra-substituters');
  });
});

describe('the writability proof checks the longest name the write makes (issue 16)', () => {
  const answersWith = (nixConf: string) => ({ ...exampleAnswers(), files: { ...exampleAnswers().files, nixConf } });
  const planWith = (nixConf: string) => planFiles({ answers: answersWith(nixConf), base: effects, publicKeys: [PUBLIC_KEY], secretKeyText: SECRET_KEY });

  it('a 240-character file name (valid, but not with .tmp-… added) is refused before any server change, naming the field', async () => {
    const name = 'n'.repeat(240);
    const error = await refusal(() => proveWritable(planWith(name), { effects }));
    expect(error.field).toBe('files.nixConf');
    expect(error.message).toContain('too long');
    // the write itself would indeed fail there, after the server changed
    await expect(writePlannedFiles(planWith(name), { dryRun: false, effects })).rejects.toThrow(/ENAMETOOLONG|too long/);
    expect(readdirSync(effects.cwd).filter((entry) => entry.includes('.tmp-'))).toEqual([]);
  });

  it('an existing file whose backup name would not fit is refused too', async () => {
    // The temporary name fits (233 + 15 + at most 7 digits of a process id ≤ 255); the backup's
    // second name of a second, FILE.bak-<stamp>-2, does not (233 + 23 = 256).
    const name = 'n'.repeat(233);
    await proveWritable(planWith(name), { effects });
    writeFileSync(join(effects.cwd, name), 'old\n');
    const error = await refusal(() => proveWritable(planWith(name), { effects }));
    expect(error.field).toBe('files.nixConf');
  });

  it('a long name that fits with its temporary and backup files passes, and leaves no probe behind', async () => {
    const name = 'n'.repeat(200);
    writeFileSync(join(effects.cwd, name), 'old\n');
    await proveWritable(planWith(name), { effects });
    expect(readdirSync(effects.cwd).sort()).toEqual([name]);
  });
});

describe('an existing file that is not UTF-8 text (issue 16)', () => {
  it('is refused naming its field, and left byte for byte, instead of its bytes becoming U+FFFD', async () => {
    mkdirSync(join(effects.home, '.aws'), { mode: 0o700 });
    const bytes = Buffer.concat([Buffer.from('[default]\naws_access_key_id = caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    writeFileSync(join(effects.home, '.aws', 'credentials'), bytes);

    const error = await refusal(() => writePlannedFiles(plan(), { dryRun: false, effects }));

    expect(error.field).toBe('files.awsCredentials');
    expect(error.message).toContain('not UTF-8');
    expect(readFileSync(join(effects.home, '.aws', 'credentials')).equals(bytes)).toBe(true);
  });
});
