/**
 * The full-screen wizard in a real pseudo-terminal: the built CLI (`node dist/cli.js`, from
 * `npm run build`) in a detached tmux session of 80×24, driven with send-keys and read with
 * capture-pane, against the real Ceph RGW of this integration run. One run goes from nothing to
 * the end screen with an Esc back and a changed answer; one is cancelled with Ctrl-C on the review
 * and must leave no file behind and nothing on the server; one is stopped with Ctrl-C while a step
 * runs (held by a proxy until the key is in) and a re-run converges; a re-run presses Enter through
 * every question; the menu of a remembered setup rotates the builder credentials and asks before
 * rotating the signing key. Every key is typed only once the NAMED screen it answers shows.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { rgwClient, type CephRgwInfo } from '../helpers/ceph-rgw';
import { startRecordingProxy } from '../helpers/recording-proxy';
import { waitUntil } from '../helpers/wait-until';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import { builderKeysChecker } from '../../source/backends/minio/builder-keys-check';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');
const CLI = resolve('dist/cli.js');
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A tmux server of our own (its own socket), so nothing else's sessions are touched. */
const SOCKET = `ncw-pty-${process.pid}-${randomBytes(3).toString('hex')}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server was started
  }
});

interface Pane {
  readonly home: string;
  readonly work: string;
  /** the screen as text */
  screen(): string;
  /** the screen and everything scrolled above it */
  scrollback(): string;
  /** waits until the screen shows `text`; fails with the screen it was stuck on */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  /**
   * waits until `label` is the question being asked: the line of the step's panel that starts
   * with it, not an earlier answer ("✔ label: value"), a help line or a choice mentioning it
   */
  waitForQuestion(label: string, timeoutMs?: number): Promise<string>;
  /** tmux key names (Enter, Escape, C-c, Down) */
  keys(...names: string[]): void;
  /** literal text */
  type(text: string): void;
  /** Enter, then wait for the question `label` (or, for a screen that is not a question, its heading) */
  enter(label: string): Promise<string>;
}

interface StartOptions {
  /** the HOME and working folder of an earlier run, for a re-run */
  readonly folders?: Pick<Pane, 'home' | 'work'>;
  /** more environment, as NAME=value words */
  readonly env?: readonly string[];
}

function startWizard(name: string, options: StartOptions = {}): Pane {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-pty-'));
  const home = options.folders?.home ?? join(dir, 'home');
  const work = options.folders?.work ?? join(dir, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  // CI would make Ink print only the last frame; the exit code is kept on the screen to read.
  const command = `env -u CI -u NIX_CACHE_ADMIN_ACCESS_KEY -u NIX_CACHE_ADMIN_SECRET_KEY -u AWS_SHARED_CREDENTIALS_FILE -u XDG_CONFIG_HOME HOME='${home}' ${(options.env ?? []).map((e) => `'${e}'`).join(' ')} TERM=xterm-256color node '${CLI}'; echo "EXIT=$?"; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', '-c', work, command);
  const screen = () => tmux('capture-pane', '-p', '-t', name);
  const waitFor = (text: string, timeoutMs = 60_000) =>
    waitUntil(screen, { what: `the screen to show ${JSON.stringify(text)}`, until: (shown) => shown.includes(text), deadline: timeoutMs, pollMs: 50 });
  const waitForQuestion = (label: string, timeoutMs = 60_000) =>
    waitUntil(screen, { what: `the question ${JSON.stringify(label)}`, until: (shown) => asking(shown, label), deadline: timeoutMs, pollMs: 50 });
  const keys = (...names: string[]) => {
    tmux('send-keys', '-t', name, ...names);
  };
  const type = (text: string) => {
    tmux('send-keys', '-t', name, '-l', text);
  };
  return {
    home,
    work,
    screen,
    scrollback: () => tmux('capture-pane', '-p', '-S', '-', '-t', name),
    waitFor,
    waitForQuestion,
    keys,
    type,
    enter: async (label: string) => {
      keys('Enter');
      return waitForQuestion(label);
    },
  };
}

/**
 * The text of a screen line right of the step list ("· anonymous access   ✔ Region: …" gives
 * "✔ Region: …"; a line holding only the panel's text loses its indent).
 */
function panelText(line: string): string {
  // (a step-list entry is a mark, ▸ · ✔ ✘ or –, then the step's lower-case name)
  return line.replace(/^(?:\S [a-z].*?)?\s{2,}/, '');
}

/**
 * `label` is the question on the screen: a panel line starts with it (the question's own line,
 * or the review's "Server steps" heading), and is not an earlier answer ("✔ label: value").
 */
function asking(screen: string, label: string): boolean {
  return screen.split('\n').some((line) => panelText(line).startsWith(label));
}

/** Erases the field (Ctrl-U), types `text`. */
function retype(pane: Pane, text: string) {
  pane.keys('C-u');
  pane.type(text);
}

function everyFile(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The connection questions and the backend (Ceph), up to the bucket question after the connection test. */
async function answerConnection(pane: Pane, info: CephRgwInfo, endpoint = info.endpoint) {
  await pane.waitForQuestion('Endpoint URL');
  pane.type(endpoint);
  await pane.waitFor(`› ${endpoint}`);
  await pane.enter('Region');
  await pane.enter('Admin access key');
  pane.type(info.accessKey);
  await pane.waitFor(`› ${info.accessKey}`);
  await pane.enter('Admin secret key');
  pane.type(info.secretKey);
  await pane.waitFor(`› ${'*'.repeat(info.secretKey.length)}`);
  // The server is looked at first: it answers RGW's Admin Ops API, so Ceph RGW is the default
  await pane.enter('Which object store');
  await pane.waitFor('❯ Ceph RGW');
  await pane.enter('Bucket name');
}

/** Erases the field, types `text`, and waits until the field shows it. */
async function retypeShown(pane: Pane, text: string) {
  retype(pane, text);
  await pane.waitFor(`› ${text}`);
}

/** Enter on each screen in turn, each time waiting for the next one by name. */
async function enterThrough(pane: Pane, screens: readonly string[]) {
  for (const next of screens) await pane.enter(next);
}

/** The questions after the builder's profile, at their defaults, up to the review, on Ceph with a public cache. */
const PUBLIC_CEPH_REST = ['Made by the server', 'Who may download', 'Nix store directory', 'Priority', 'WantMassQuery', 'Key name', 'Secret key file', 'Public key file', 'Delete uploads', 'Write the admin alias', 'Alias name in the mc config', 'mc config file', 'AWS credentials file', 'NixOS module', 'nix.conf snippet', 'Write policy, for reference', 'nix-cache-info, for reference', 'Server steps'];

const frames = new Map<string, string>();

describe.skipIf(rgw === null || !hasTmux)(
  `the wizard in a real terminal (tmux 80×24) against Ceph RGW${unavailable ? ` (skipped: ${unavailable})` : ''}${hasTmux ? '' : ' (skipped: no tmux)'}`,
  () => {
    const info = rgw as CephRgwInfo;

    it('the built CLI exists (npm run build)', () => {
      expect(existsSync(CLI), `${CLI} is missing: run npm run build first`).toBe(true);
    });

    it('runs from nothing to the end screen, with one Esc back and a changed answer', async () => {
      const suffix = randomBytes(3).toString('hex');
      const bucket = `pty-cache-${suffix}`;
      const builder = `ptybuilder${suffix}`;
      const pane = startWizard(`run-${suffix}`);
      await answerConnection(pane, info);
      // A first bucket name, then Esc from the next question and a changed one
      await retypeShown(pane, `wrong-${suffix}`);
      await pane.enter('Builder user (access key)');
      pane.keys('Escape');
      await pane.waitForQuestion('Bucket name');
      await pane.waitFor(`› wrong-${suffix}`);
      await retypeShown(pane, bucket);
      frames.set('bucket', pane.screen());
      await pane.enter('Builder user (access key)');
      await retypeShown(pane, builder);
      await pane.enter('AWS profile name');
      await retypeShown(pane, builder);
      // The builder user is asked before its secret, which on Ceph the server makes
      await pane.enter('Made by the server');
      frames.set('builder secret (ceph)', pane.screen());
      await pane.enter('Who may download');
      frames.set('anonymous access', pane.screen());
      await enterThrough(pane, PUBLIC_CEPH_REST.slice(2, -1));
      const review = await pane.enter('Server steps');
      frames.set('review', review);
      expect(review).toContain('▸ review');
      expect(review).toMatch(/\+ .* — to do/);
      pane.keys('Enter');
      const end = await pane.waitFor('Your Nix binary cache is set up', 120_000);
      frames.set('end', end);
      pane.keys('q');
      const exited = await pane.waitFor('EXIT=');
      expect(exited).toContain('EXIT=0');

      // The files are there, for the changed bucket
      const module = readFileSync(join(pane.work, 'nix-cache.nix'), 'utf8');
      expect(module).toContain(`${info.endpoint}/${bucket}`);
      expect(module).not.toContain(`wrong-${suffix}`);
      expect(readFileSync(join(pane.home, '.aws', 'credentials'), 'utf8')).toContain(`[${builder}]`);
      // And the server has the bucket with nix-cache-info; the first name was never created
      const client = rgwClient(info);
      expect(await client.bucketExists(bucket)).toBe(true);
      expect(await client.bucketExists(`wrong-${suffix}`)).toBe(false);
      // The screen never held a line wider than the terminal (tmux would have wrapped it)
      for (const frame of frames.values()) for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    });

    it('Ctrl-C on the review cancels: exit 130, no file written, no bucket made', async () => {
      const suffix = randomBytes(3).toString('hex');
      const bucket = `pty-cancel-${suffix}`;
      const pane = startWizard(`cancel-${suffix}`);
      await answerConnection(pane, info);
      await retypeShown(pane, bucket);
      await pane.enter('Builder user (access key)');
      await retypeShown(pane, `ptycancel${suffix}`);
      await pane.enter('AWS profile name');
      await enterThrough(pane, PUBLIC_CEPH_REST);
      pane.keys('C-c');
      const exited = await pane.waitFor('EXIT=');
      expect(exited).toContain('EXIT=130');
      expect(exited).toContain('Cancelled');
      expect(everyFile(pane.work)).toEqual([]);
      expect(everyFile(pane.home)).toEqual([]);
      expect(await rgwClient(info).bucketExists(bucket)).toBe(false);
    });

    it('a re-run after a first setup with non-default answers, Enter through every question, finds every step done and changes no file', async () => {
      const suffix = randomBytes(3).toString('hex');
      const bucket = `pty-rerun-${suffix}`;
      const first = startWizard(`first-${suffix}`);
      await answerConnection(first, info);
      await retypeShown(first, bucket);
      await first.enter('Builder user (access key)');
      await retypeShown(first, `ptyrerun${suffix}`);
      await enterThrough(first, ['AWS profile name', 'Made by the server', 'Who may download']);
      first.keys('Down', 'Down');
      await first.waitFor('❯ Nobody');
      // a private cache: its reader user and profile are asked in the same step
      await enterThrough(first, ['Reader user (access key)', 'Profile name in the reader credentials file', 'Nix store directory', 'Priority']);
      await retypeShown(first, '45');
      await enterThrough(first, ['WantMassQuery', 'Key name']);
      await retypeShown(first, `pty-${suffix}-1`);
      await enterThrough(first, ['Secret key file', 'Public key file', 'Delete uploads']);
      await retypeShown(first, '90');
      await enterThrough(first, ['Write the admin alias', 'Alias name in the mc config', 'mc config file', 'AWS credentials file', 'Reader credentials file', 'NixOS module', 'nix.conf snippet', 'Write policy, for reference', 'nix-cache-info, for reference', 'Server steps']);
      first.keys('Enter');
      await first.waitFor('Your Nix binary cache is set up', 120_000);
      first.keys('q');
      const firstExit = await first.waitFor('EXIT=');
      expect(firstExit).toContain('EXIT=0');
      // What the end screen showed stays on the terminal once the full-screen view has closed
      // (a private cache's next steps are longer than the window: read what scrolled up too)
      expect(first.scrollback()).toContain('Next:');

      // verify and preview need no --answers after an interactive setup
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: first.home };
      for (const name of ['CI', 'NIX_CACHE_ADMIN_ACCESS_KEY', 'NIX_CACHE_ADMIN_SECRET_KEY', 'XDG_CONFIG_HOME', 'AWS_SHARED_CREDENTIALS_FILE']) delete env[name];
      const verify = execFileSync('node', [CLI, 'verify'], { cwd: first.work, env, encoding: 'utf8' });
      expect(verify).toContain('The cache is set up as the answers say.');
      const preview = execFileSync('node', [CLI, 'preview'], { cwd: first.work, env, encoding: 'utf8' });
      // (the first setup chose Nobody: a private cache, read through s3://BUCKET?…&endpoint=…)
      expect(preview).toContain(`s3://${bucket}?`);
      expect(preview).toContain(`endpoint=${info.endpoint}`);

      const snapshot = () =>
        [...everyFile(first.home), ...everyFile(first.work)]
          .filter((file) => !file.includes('nix-cache-wizard/setups'))
          .map((file) => `${file} ${statSync(file).mtimeMs} ${readFileSync(file, 'utf8').length}`)
          .sort();
      const before = snapshot();

      // When the wizard runs again (the admin secret, never remembered, from the environment)
      const again = startWizard(`again-${suffix}`, { folders: first, env: [`NIX_CACHE_ADMIN_SECRET_KEY=${info.secretKey}`] });
      const menu = await again.waitFor('What would you like to do with');
      frames.set('menu', menu);
      expect(menu).toContain(`${info.endpoint}/${bucket}`);
      expect(menu).toContain('❯ Update the setup');
      // and Enter is pressed on every question, each only once that question shows (by name), each
      // showing the first run's answer
      const seen: string[] = [];
      const rerunScreens = [
        'Which server?',
        'Region',
        'Which object store',
        'Bucket name',
        'Builder user (access key)',
        'AWS profile name',
        'Made by the server',
        'Who may download',
        'Reader user (access key)',
        'Profile name in the reader credentials file',
        'Nix store directory',
        'Priority',
        'WantMassQuery',
        'Key name',
        'Secret key file',
        'Public key file',
        'Delete uploads',
        'Write the admin alias',
        'Alias name in the mc config',
        'mc config file',
        'AWS credentials file',
        'Reader credentials file',
        'NixOS module',
        'nix.conf snippet',
        'Write policy, for reference',
        'nix-cache-info, for reference',
      ];
      again.keys('Enter');
      for (const screen of rerunScreens) {
        seen.push(await again.waitForQuestion(screen));
        again.keys('Enter');
      }
      const shown = seen.join('\n');
      expect(shown).toContain('❯ Ceph RGW');
      expect(shown).toContain(`› ${bucket}`);
      expect(shown).toContain('❯ Nobody');
      expect(shown).toContain('› 45');
      expect(shown).toContain(`› pty-${suffix}-1`);
      expect(shown).toContain('› 90');
      // Then the review finds every server step done, nothing to do and nothing removed
      const review = await again.waitFor('In short');
      frames.set('re-run review', review);
      expect(review).toMatch(/In short: server steps \d+ done; files \d+ unchanged\./);
      again.keys('Enter');
      await again.waitFor('Your Nix binary cache is set up', 120_000);
      again.keys('q');
      expect(await again.waitFor('EXIT=')).toContain('EXIT=0');
      // and no file changed
      expect(snapshot()).toEqual(before);
    });

    it('Ctrl-C while a step runs stops after it: what ran and what did not, exit 130, and a re-run converges', async () => {
      const suffix = randomBytes(3).toString('hex');
      const bucket = `pty-stop-${suffix}`;
      const builder = `ptystop${suffix}`;
      // A proxy in front of RGW holds the answer to the first request that changes anything, so a
      // step is certainly running when Ctrl-C is pressed (no timing involved)
      let release!: () => void;
      const released = new Promise<'forward'>((resolve) => (release = () => resolve('forward')));
      let held = false;
      const proxy = await startRecordingProxy(info.endpoint, {
        onAnswer: ({ method }) => {
          if (held || method === 'GET' || method === 'HEAD') return 'forward';
          held = true;
          return released;
        },
      });
      try {
        const pane = startWizard(`stop-${suffix}`);
        await answerConnection(pane, info, proxy.endpoint);
        await retypeShown(pane, bucket);
        await pane.enter('Builder user (access key)');
        await retypeShown(pane, builder);
        await pane.enter('AWS profile name');
        await enterThrough(pane, PUBLIC_CEPH_REST);
        pane.keys('Enter');
        await pane.waitFor('applying…');
        // When Ctrl-C is pressed while that step runs
        pane.keys('C-c');
        const stopping = await pane.waitFor('Stopping: the running step finishes');
        frames.set('apply stopping', stopping);
        // The held answer is the running step's: let it through only once it has come
        await waitUntil(() => held, { what: "the running step's request to reach the proxy", deadline: 60_000, pollMs: 20 });
        release();
        // Then the run stops after it, says what ran and what did not, and nothing as failed
        const stopped = await pane.waitFor('apply — stopped', 120_000);
        frames.set('apply stopped', stopped);
        expect(stopped).toContain('step(s) not run:');
        expect(stopped).not.toMatch(/✘ .* — failed/);
        pane.keys('q');
        const exited = await pane.waitFor('EXIT=');
        expect(exited).toContain('EXIT=130');
        expect(pane.scrollback()).toContain('not run: ');

        // And running setup again finishes the job: every step done on a dry run after it
        const answers = join(pane.work, 'answers.json');
        writeFileSync(answers, JSON.stringify({ backend: 'ceph', endpoint: info.endpoint, admin: { accessKey: info.accessKey }, bucket, builder: { accessKey: builder, profile: builder } }));
        const env: NodeJS.ProcessEnv = { ...process.env, HOME: pane.home, NIX_CACHE_ADMIN_SECRET_KEY: info.secretKey };
        for (const name of ['CI', 'XDG_CONFIG_HOME', 'AWS_SHARED_CREDENTIALS_FILE']) delete env[name];
        execFileSync('node', [CLI, 'setup', '--yes', '--answers', answers], { cwd: pane.work, env, encoding: 'utf8' });
        const dry = JSON.parse(execFileSync('node', [CLI, 'setup', '--yes', '--dry-run', '--json', '--answers', answers], { cwd: pane.work, env, encoding: 'utf8' })) as { steps: { id: string; status: string }[] };
        for (const step of dry.steps) expect(step.status, step.id).toBe('done');
      } finally {
        release();
        await proxy.close();
      }
    });

    it('the menu of a remembered setup rotates the builder credentials (asking for the admin keys) and asks before rotating the signing key', async () => {
      const suffix = randomBytes(3).toString('hex');
      const bucket = `pty-menu-${suffix}`;
      const builder = `ptymenu${suffix}`;
      // Given a setup made earlier (its answers remembered, never the admin secret)
      const dir = mkdtempSync(join(tmpdir(), 'ncw-pty-'));
      const folders = { home: join(dir, 'home'), work: join(dir, 'work') };
      mkdirSync(folders.home, { recursive: true });
      mkdirSync(folders.work, { recursive: true });
      writeFileSync(join(folders.work, 'answers.json'), JSON.stringify({ backend: 'ceph', endpoint: info.endpoint, admin: { accessKey: info.accessKey }, bucket, builder: { accessKey: builder, profile: builder }, writeMcConfig: false }));
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: folders.home, NIX_CACHE_ADMIN_SECRET_KEY: info.secretKey };
      for (const name of ['CI', 'XDG_CONFIG_HOME', 'AWS_SHARED_CREDENTIALS_FILE']) delete env[name];
      execFileSync('node', [CLI, 'setup', '--yes', '--answers', 'answers.json'], { cwd: folders.work, env, encoding: 'utf8' });
      const profileSecret = () => readAwsProfile(readFileSync(join(folders.home, '.aws', 'credentials'), 'utf8'), builder)?.secretAccessKey ?? '';
      const before = profileSecret();

      // When the wizard opens on its menu and "Rotate the builder credentials" is chosen
      const pane = startWizard(`menu-${suffix}`, { folders });
      const menu = await pane.waitFor('What would you like to do with');
      expect(menu).toContain('❯ Update the setup');
      pane.keys('Down');
      await pane.waitFor('❯ Rotate the builder credentials');
      pane.keys('Enter');
      // Then the admin secret (not remembered, not in the environment) is asked (a plain prompt,
      // once the full-screen view has closed), then the change confirmed
      await pane.waitFor('? Admin secret key');
      pane.type(info.secretKey);
      pane.keys('Enter');
      const confirm = await pane.waitFor('Rotate the builder secret now?');
      expect(confirm).toContain('The old secret stops working AT ONCE');
      expect(confirm).not.toContain(info.secretKey);
      pane.type('y');
      pane.keys('Enter');
      expect(await pane.waitFor('EXIT=', 120_000)).toContain('EXIT=0');
      const after = profileSecret();
      expect(after).not.toBe(before);
      const works = builderKeysChecker({ endpoint: info.endpoint, region: 'us-east-1', insecure: false });
      expect((await works({ accessKey: builder, secretKey: after }, bucket)).works).toBe(true);
      expect((await works({ accessKey: builder, secretKey: before }, bucket)).works).toBe(false);

      // And "Rotate the signing key" says what it will do and asks first: n changes nothing
      const keyFile = join(folders.home, '.config', 'nix', 'secret.key');
      const key = readFileSync(keyFile, 'utf8');
      const again = startWizard(`menu-key-${suffix}`, { folders });
      await again.waitFor('What would you like to do with');
      again.keys('Down', 'Down');
      await again.waitFor('❯ Rotate the signing key');
      again.keys('Enter');
      const asked = await again.waitFor('Rotate the signing key now?');
      expect(asked).toContain('rotate key makes a new signing key');
      again.type('n');
      again.keys('Enter');
      expect(await again.waitFor('EXIT=')).toContain('EXIT=130');
      expect(readFileSync(keyFile, 'utf8')).toBe(key);
    });

    afterAll(() => {
      // The main screens as the terminal showed them, for the record.
      for (const [name, frame] of frames) console.log(`--- ${name} ---\n${frame}`);
    });
  },
);
