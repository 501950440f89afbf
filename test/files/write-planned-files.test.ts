import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Effects } from '../../source/effects';
import { StepError, UsageError } from '../../source/errors';
import { planFiles } from '../../source/files/plan-files';
import type { PlannedFile } from '../../source/files/planned-file';
import { backupTimestamp, writePlannedFiles } from '../../source/files/write-planned-files';
import { exampleAnswers, PUBLIC_KEY, SECRET_KEY } from './example-answers';

const NOW = new Date('2026-11-25T10:15:00.123Z');
const STAMP = '20261125T101500Z';

let root: string;
let effects: Pick<Effects, 'home' | 'cwd' | 'now'>;

beforeEach(() => {
  // Given a fresh home and working directory in a temp folder, and a fixed clock
  root = mkdtempSync(join(tmpdir(), 'ncw-write-'));
  effects = { home: join(root, 'home'), cwd: join(root, 'work'), now: () => NOW };
  mkdirSync(effects.home);
  mkdirSync(effects.cwd);
});

function plan(answers = exampleAnswers()): PlannedFile[] {
  return planFiles({ answers, base: effects, publicKeys: [PUBLIC_KEY], secretKeyText: SECRET_KEY });
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
const home = (path: string): string => join(effects.home, path);
const work = (path: string): string => join(effects.cwd, path);

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('writing the planned files', () => {
  it('creates secret files 0600, the others 0644 and each new folder level 0700', async () => {
    chmodSync(effects.cwd, 0o755);
    const reports = await writePlannedFiles(plan(), { dryRun: false, effects });
    expect(reports.map((r) => [relative(root, r.path), r.action])).toEqual([
      ['home/.mc/config.json', 'created'],
      ['home/.aws/credentials', 'created'],
      ['work/nix-cache.nix', 'created'],
      ['work/nix-cache.conf', 'created'],
      ['work/nix-cache-write.json', 'created'],
      ['work/nix-cache-info', 'created'],
      ['work/nix-cache-builder.nix', 'created'],
      ['home/.config/nix/secret.key', 'created'],
      ['home/.config/nix/public.key', 'created'],
    ]);
    expect(mode(home('.mc/config.json'))).toBe('600');
    expect(mode(home('.aws/credentials'))).toBe('600');
    expect(mode(home('.config/nix/secret.key'))).toBe('600');
    expect(mode(home('.config/nix/public.key'))).toBe('644');
    expect(mode(work('nix-cache.nix'))).toBe('644');
    expect(mode(home('.mc'))).toBe('700');
    expect(mode(home('.config'))).toBe('700');
    expect(mode(home('.config/nix'))).toBe('700');
    // a folder that was there keeps its mode, and no temporary file is left behind
    expect(mode(effects.cwd)).toBe('755');
    expect(tree(root).filter((p) => p.includes('.tmp-'))).toEqual([]);
    expect(readFileSync(home('.config/nix/secret.key'), 'utf8')).toBe(SECRET_KEY);
    expect(readFileSync(work('nix-cache-info'), 'utf8')).toBe('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
  });

  it('leaves unchanged files untouched on a second run: same mtime, no backup', async () => {
    await writePlannedFiles(plan(), { dryRun: false, effects });
    const past = new Date('2020-01-01T00:00:00Z');
    const paths = [home('.mc/config.json'), home('.aws/credentials'), work('nix-cache.nix'), home('.config/nix/secret.key')];
    for (const path of paths) utimesSync(path, past, past);
    const before = tree(root);

    const reports = await writePlannedFiles(plan(), { dryRun: false, effects });

    expect(reports.every((r) => r.action === 'unchanged')).toBe(true);
    for (const path of paths) expect(statSync(path).mtime).toEqual(past);
    expect(tree(root)).toEqual(before);
  });

  it('copies a file that changes to FILE.bak-<UTC timestamp> first, keeping its content and mode', async () => {
    // Given an edited module with mode 0640 and a credentials file others can read
    writeFileSync(work('nix-cache.nix'), '# old module\n', { mode: 0o640 });
    chmodSync(work('nix-cache.nix'), 0o640);
    mkdirSync(home('.aws'));
    writeFileSync(home('.aws/credentials'), '[default]\naws_access_key_id = AKIA\n');
    chmodSync(home('.aws/credentials'), 0o644);

    const reports = await writePlannedFiles(plan(), { dryRun: false, effects });

    expect(backupTimestamp(NOW)).toBe(STAMP);
    expect(reports.find((r) => r.path === work('nix-cache.nix'))?.action).toBe('updated');
    expect(readFileSync(work(`nix-cache.nix.bak-${STAMP}`), 'utf8')).toBe('# old module\n');
    expect(mode(work(`nix-cache.nix.bak-${STAMP}`))).toBe('640');
    expect(mode(work('nix-cache.nix'))).toBe('640');
    // a secret file and its backup are tightened to 0600
    expect(readFileSync(home(`.aws/credentials.bak-${STAMP}`), 'utf8')).toBe('[default]\naws_access_key_id = AKIA\n');
    expect(mode(home(`.aws/credentials.bak-${STAMP}`))).toBe('600');
    expect(mode(home('.aws/credentials'))).toBe('600');
    expect(readFileSync(home('.aws/credentials'), 'utf8')).toMatch(/^\[default\]\naws_access_key_id = AKIA\n\n\[nixbuilder\]\n/);
  });

  it('does not overwrite an earlier backup made in the same second', async () => {
    writeFileSync(work('nix-cache-info'), 'first\n');
    await writePlannedFiles(plan(), { dryRun: false, effects });
    writeFileSync(work('nix-cache-info'), 'second\n');
    await writePlannedFiles(plan(), { dryRun: false, effects });
    expect(readFileSync(work(`nix-cache-info.bak-${STAMP}`), 'utf8')).toBe('first\n');
    expect(readFileSync(work(`nix-cache-info.bak-${STAMP}-2`), 'utf8')).toBe('second\n');
  });

  it('leaves the old file intact and no temporary file when it crashes between write and rename', async () => {
    writeFileSync(work('nix-cache.nix'), '# old module\n');
    const crash = {
      beforeRename(temp: string) {
        expect(existsSync(temp)).toBe(true);
        throw new Error('simulated crash');
      },
    };

    const result = writePlannedFiles(plan(), { dryRun: false, effects, fsHooks: crash });

    await expect(result).rejects.toBeInstanceOf(StepError);
    expect(readFileSync(work('nix-cache.nix'), 'utf8')).toBe('# old module\n');
    expect(readdirSync(effects.cwd).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(home('.mc')).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(existsSync(home('.mc/config.json'))).toBe(false);
  });

  it('refuses an unparsable file before writing anything, leaving it as it was: bad input naming the field (exit 2)', async () => {
    mkdirSync(home('.mc'));
    writeFileSync(home('.mc/config.json'), '{"version": "10", "aliases": {');
    const listing = tree(root);

    const error = await writePlannedFiles(plan(), { dryRun: false, effects }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).field).toBe('files.mcConfig');
    expect((error as UsageError).exitCode).toBe(2);

    expect(tree(root)).toEqual(listing);
    expect(readFileSync(home('.mc/config.json'), 'utf8')).toBe('{"version": "10", "aliases": {');
  });

  it('never overwrites an existing secret key', async () => {
    mkdirSync(home('.config/nix'), { recursive: true });
    writeFileSync(home('.config/nix/secret.key'), 'old-1:KEEPME', { mode: 0o600 });

    const reports = await writePlannedFiles(plan(), { dryRun: false, effects });

    expect(reports.find((r) => r.path === home('.config/nix/secret.key'))?.action).toBe('unchanged');
    expect(readFileSync(home('.config/nix/secret.key'), 'utf8')).toBe('old-1:KEEPME');
    expect(readdirSync(home('.config/nix'))).toEqual(['public.key', 'secret.key']);
  });

  it('writes through a symlinked file instead of replacing the link', async () => {
    mkdirSync(join(root, 'dotfiles'));
    writeFileSync(join(root, 'dotfiles/credentials'), '[default]\nregion = x\n');
    mkdirSync(home('.aws'));
    symlinkSync(join(root, 'dotfiles/credentials'), home('.aws/credentials'));

    await writePlannedFiles(plan(), { dryRun: false, effects });

    expect(readFileSync(join(root, 'dotfiles/credentials'), 'utf8')).toContain('[nixbuilder]');
    expect(readFileSync(home('.aws/credentials'), 'utf8')).toContain('[nixbuilder]');
  });

  describe('with --out DIR', () => {
    it('maps ~, relative and absolute paths under DIR, merges with the real file and leaves it untouched', async () => {
      // Given a real credentials file and an absolute policy path
      mkdirSync(home('.aws'));
      writeFileSync(home('.aws/credentials'), '# mine\n[default]\naws_access_key_id = AKIA\n');
      const realBefore = tree(root);
      const absolutePolicy = join(root, 'etc/nix-cache-write.json');
      const answers = exampleAnswers({ files: { ...exampleAnswers().files, policy: absolutePolicy } });
      const out = join(root, 'out');

      const reports = await writePlannedFiles(plan(answers), { outDir: out, dryRun: false, effects });

      expect(reports.map((r) => [relative(out, r.path), r.action])).toEqual([
        ['home/.mc/config.json', 'created'],
        ['home/.aws/credentials', 'created'],
        ['nix-cache.nix', 'created'],
        ['nix-cache.conf', 'created'],
        [relative('/', absolutePolicy), 'created'],
        ['nix-cache-info', 'created'],
        ['nix-cache-builder.nix', 'created'],
        ['home/.config/nix/secret.key', 'created'],
        ['home/.config/nix/public.key', 'created'],
      ]);
      expect(readFileSync(join(out, 'home/.aws/credentials'), 'utf8')).toBe(
        '# mine\n[default]\naws_access_key_id = AKIA\n\n[nixbuilder]\naws_access_key_id = nixbuilder\naws_secret_access_key = Xa3+bc,de-fg.hj=km_np4qr7stuvWxy\n',
      );
      expect(mode(join(out, 'home/.aws/credentials'))).toBe('600');
      expect(existsSync(join(out, relative('/', absolutePolicy)))).toBe(true);
      // the real places are untouched
      expect(tree(root).filter((p) => !p.startsWith('out'))).toEqual(realBefore);
      expect(readFileSync(home('.aws/credentials'), 'utf8')).toBe('# mine\n[default]\naws_access_key_id = AKIA\n');
      expect(existsSync(dirname(absolutePolicy))).toBe(false);
    });

    it('writes nothing for an existing real secret key and names the real file', async () => {
      mkdirSync(home('.config/nix'), { recursive: true });
      writeFileSync(home('.config/nix/secret.key'), 'old-1:KEEPME', { mode: 0o600 });
      const out = join(root, 'out');

      const reports = await writePlannedFiles(plan(), { outDir: out, dryRun: false, effects });

      expect(reports.find((r) => r.path.endsWith('secret.key'))).toEqual({ path: home('.config/nix/secret.key'), action: 'unchanged' });
      expect(existsSync(join(out, 'home/.config/nix/secret.key'))).toBe(false);
      expect(readFileSync(home('.config/nix/secret.key'), 'utf8')).toBe('old-1:KEEPME');
    });
  });

  it('writes nothing in a dry run and says what would happen', async () => {
    writeFileSync(work('nix-cache-info'), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
    writeFileSync(work('nix-cache.nix'), '# old\n');
    const listing = tree(root);

    const reports = await writePlannedFiles(plan(), { dryRun: true, effects });

    expect(Object.fromEntries(reports.map((r) => [relative(root, r.path), r.action]))).toEqual({
      'home/.mc/config.json': 'would-create',
      'home/.aws/credentials': 'would-create',
      'work/nix-cache.nix': 'would-update',
      'work/nix-cache.conf': 'would-create',
      'work/nix-cache-write.json': 'would-create',
      'work/nix-cache-info': 'unchanged',
      'work/nix-cache-builder.nix': 'would-create',
      'home/.config/nix/secret.key': 'would-create',
      'home/.config/nix/public.key': 'would-create',
    });
    expect(tree(root)).toEqual(listing);
    expect(readFileSync(work('nix-cache.nix'), 'utf8')).toBe('# old\n');
  });

  it('reports a file it cannot write as a step error naming the path, without a secret', async () => {
    writeFileSync(home('.mc'), 'a file where a folder should be');
    const error = await writePlannedFiles(plan(), { dryRun: false, effects }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).step).toBe('files');
    expect((error as Error).message).toContain(home('.mc'));
    expect((error as Error).message).not.toContain('Adm1n-secret-key');
  });
});

// Root ignores permission bits and may give files away: this is what `sudo` with HOME kept does.
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe.runIf(asRoot)('run as root in another user\'s home (issue 8 class 7)', () => {
  const USER = 65534; // nobody
  const GROUP = 65534;

  it("an existing file keeps its owner and group, and so does its backup", async () => {
    mkdirSync(home('.aws'), { mode: 0o700 });
    writeFileSync(home('.aws/credentials'), '[default]\naws_access_key_id = a\naws_secret_access_key = b\n', { mode: 0o600 });
    execFileSync('chown', ['-R', `${USER}:${GROUP}`, effects.home]);

    await writePlannedFiles(plan(), { dryRun: false, effects });

    const after = statSync(home('.aws/credentials'));
    expect([after.uid, after.gid]).toEqual([USER, GROUP]);
    expect(readFileSync(home('.aws/credentials'), 'utf8')).toContain('[nixbuilder]');
    const backup = readdirSync(home('.aws')).find((name) => name.startsWith('credentials.bak-'))!;
    expect(statSync(home(`.aws/${backup}`)).uid).toBe(USER);
  });

  it('new folders and files take the owner of the folder they are made in', async () => {
    execFileSync('chown', [`${USER}:${GROUP}`, effects.home]);

    await writePlannedFiles(plan(), { dryRun: false, effects });

    for (const path of ['.config', '.config/nix', '.config/nix/secret.key', '.aws', '.aws/credentials', '.mc/config.json']) {
      const info = statSync(home(path));
      expect([path, info.uid, info.gid]).toEqual([path, USER, GROUP]);
    }
    expect(mode(home('.config/nix'))).toBe('700');
  });
});

describe('temporary files of a killed run (issue 8 class 7)', () => {
  it('are removed by the next run; a live run\'s are left alone', async () => {
    // Given leftovers beside the credentials: one from a process that is gone, one from a live one
    mkdirSync(home('.aws'), { mode: 0o700 });
    const dead = home('.aws/.credentials.tmp-999999999-deadbeef');
    const live = home(`.aws/.credentials.tmp-${process.ppid}-cafebabe`);
    const foreign = home('.aws/.credentials.tmp-notours');
    for (const path of [dead, live, foreign]) writeFileSync(path, 'aws_secret_access_key = half-written', { mode: 0o600 });

    // When the next run writes its files
    await writePlannedFiles(plan(), { dryRun: false, effects });

    // Then the dead run's temporary file is gone, the others stay
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
  });
});
