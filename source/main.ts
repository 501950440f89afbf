/**
 * The command line (SPEC 1). Parsing only: each command's module is loaded when it runs, so
 * `--version` and `--help` do not pay for the server clients or the UI.
 */
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json';
import { processIo } from './cli-io';
import type { FrontEndIo } from './wizard/wizard-entry';
import type { CommandOptions } from './commands/command-options';
import { runWithRequestRules } from './requests/request-rules';
import { realEffects, type Effects } from './effects';
import { formatJsonResult } from './output/json-result';
import { reportFailure } from './output/report-failure';
import { terminalText } from './text/terminal-text';
import { wizardCommand } from './text/wizard-command';

const HELP_AFTER = `
Answers come from --answers FILE (JSON), else the remembered answers of the last
successful run, then the environment (NIX_CACHE_ADMIN_ACCESS_KEY,
NIX_CACHE_ADMIN_SECRET_KEY), then the prompts. The keys of an answers file:
  backend endpoint region caFile insecure admin.accessKey admin.secretKey
  admin.mcAlias adminVia alias writeMcConfig bucket builder.accessKey
  builder.secretKey builder.profile reader.accessKey reader.secretKey
  reader.profile policyName anonymous cacheInfo.storeDir
  cacheInfo.wantMassQuery cacheInfo.priority key.name key.secretFile
  key.publicFile key.trusted expireDays connectTimeout files.mcConfig
  files.awsCredentials files.nixosModule files.nixConf files.policy
  files.cacheInfo files.builderModule files.readerCredentials
(the readme's "Answers" section says what each means and its default).

Exit codes: 0 success; 1 a step or a write failed; 2 bad input or usage (nothing
was written or changed); 130 cancelled.`;

/** What each command looks at and what it may change, for its --help (said before anything runs). */
const CHECKS_AND_CHANGES: Record<string, string> = {
  setup: `
Checks (read-only, before anything changes): the endpoint and the admin keys;
on the server the bucket, the builder user, the write policy and its
attachment, anonymous access, nix-cache-info and the expiry rules; and every
file it will write (shown as a diff in the review).
Changes (after the review, at once with --yes, never with --dry-run): the
server steps found not done yet; the files: the mc config alias, the AWS
profile, the signing key pair (an existing one is reused), the NixOS and
builder modules, the nix.conf snippet, the policy and nix-cache-info copies.
A changed file is backed up first; other aliases and profiles stay.`,
  preview: `
Checks: nothing on the server (no network at all).
Changes: nothing; with --out it writes the files under DIR.`,
  verify: `
Checks: anonymous GET of nix-cache-info (and that listing is refused when it
should be), that the builder's keys can write but not delete or change ACLs,
that the key files are a pair, that the module and snippet name this cache,
the lifecycle rules, the signatures of a sample of narinfos, and this
machine's Nix.
Changes: nothing (the write probe is a multipart upload it aborts).`,
  'rotate credentials': `
Checks: that the server takes the new secret and refuses the old one.
Changes: the builder's secret on the server (the old one stops working at
once) and in the AWS profile; with --reader the reader's secret and the reader
credentials file. It says what stops working and asks first (--yes without a
terminal). The admin keys it needs are asked for in a terminal.`,
  'rotate key': `
Checks: the narinfos in the bucket and which key signed them.
Changes: a new signing key at key.secretFile (the current one kept beside it),
the public key file, the NixOS module and snippet (trusting both keys), and a
signature by the new key added to every narinfo the current key signed.
With --drop-old: the module and snippet trust only the current key.`,
  doctor: `
Checks: lists the whole bucket (objects and bytes by kind, multipart uploads,
narinfos by age, the largest NARs) and reads every narinfo: that it parses
and names its own path, that its NAR is there at its FileSize and fits its
Compression, that every reference has its narinfo, which trusted keys (the
public key file and key.trusted) verify it, and Ceph's aws-chunked encoding;
then the NARs, .ls and uploads nothing points to. With the builder's profile
(list and get), else the admin keys.
With --deep (or --sample N): downloads the NARs (all, or N at random),
streaming, and checks FileSize and FileHash, then NarSize and NarHash after
decompressing (xz, zstd, bzip2, br, none).
Changes: nothing, unless --repair (admin keys): it deletes narinfos whose NAR
is missing or broken (clients then build instead of failing), and orphan NARs
and .ls older than --min-age (default 1d); aborts multipart uploads older
than --min-age; rewrites aws-chunked objects without that encoding. It shows
the plan and asks first (--yes without a terminal). Every key is written to a
report file (named in the output) before the first delete.
Exit 0 healthy, 1 problems found (each with its fix).`,
  prune: `
Checks: lists the whole bucket and reads every narinfo once (admin keys: the
builder can delete nothing). Roots: the paths uploaded within --keep-days
(default: the expiry answer, else 90) and the pinned paths; kept: everything
they refer to, directly or not. Just before deleting it looks again for
narinfos uploaded meanwhile and keeps what they refer to.
Changes: nothing without --apply (or a yes in a terminal): it says what it
would free. With --apply it deletes the narinfos no root reaches, then the
NARs, .ls and build logs no kept narinfo points to; never an object younger
than --min-age. Every key is written to a report file (named in the output)
before the first delete. The --pin files are remembered for the next runs.`,
};

function addCommonOptions(command: Command): Command {
  return command
    .option('--answers <file>', 'take answers from a JSON file; prompt only for the rest')
    .option('--json', 'print one JSON result on stdout and nothing else there')
    .option('--yes', 'never prompt: a missing answer is an error naming it');
}

export function main(argv: readonly string[], io: FrontEndIo = processIo(), effects: Effects = realEffects()): Promise<number> {
  // Every request of the command goes by these rules (deadlines, limits, the retry rule's backoff
  // and count); the whole run, error report included, so --json can count the retries.
  return runWithRequestRules(effects.sleep ? { sleep: (ms) => effects.sleep!(ms) } : {}, () => runCommand(argv, io, effects));
}

async function runCommand(argv: readonly string[], io: FrontEndIo, effects: Effects): Promise<number> {
  let exitCode = 0;
  let commandName = 'setup';
  let json = argv.includes('--json');
  /** what commander said about bad usage, for the one JSON result */
  let usageText = '';
  const run = async (name: string, options: CommandOptions, load: () => Promise<(o: CommandOptions, i: FrontEndIo, e: Effects) => Promise<number>>) => {
    commandName = name;
    json = options.json;
    const command = await load();
    exitCode = await command(options, io, effects);
  };
  const normalize = (raw: Record<string, unknown>): CommandOptions => ({
    answers: raw['answers'] as string | undefined,
    yes: raw['yes'] === true,
    dryRun: raw['dryRun'] === true,
    out: raw['out'] as string | undefined,
    json: raw['json'] === true,
    plain: raw['plain'] === true,
    showSecrets: raw['showSecrets'] === true,
    dropOld: raw['dropOld'] === true,
    force: raw['force'] === true,
    reader: raw['reader'] === true,
    doctor: { deep: raw['deep'] === true, sample: raw['sample'] as string | undefined, repair: raw['repair'] === true, minAge: raw['minAge'] as string | undefined },
    prune: { keepDays: raw['keepDays'] as string | undefined, minAge: raw['minAge'] as string | undefined, pins: raw['pin'] as string[] | undefined, apply: raw['apply'] === true },
  });

  const program = new Command()
    // Usage lines spelled as the user started it (npx, npm start --, the installed bin).
    .name(wizardCommand(effects.env))
    .description('Set up a self-hosted Nix binary cache on MinIO, Ceph RGW or any S3 store, and write every file the machines need.')
    .version(packageJson.version, '--version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => {
        usageText += text;
        // Commander quotes the arguments it refuses: shown, not acted on.
        io.stderr.write(terminalText(text));
      },
    });

  addCommonOptions(
    program
      .command('setup', { isDefault: true })
      .description('the wizard: check and apply every server step, then write the files')
      .option('--dry-run', 'read-only: check every step against the server, write nothing, change nothing')
      .option('--out <dir>', 'write every generated file under DIR instead of its real place')
      .option('--plain', 'plain sequential prompts instead of the full-screen UI')
      .addHelpText('after', CHECKS_AND_CHANGES['setup']!),
  ).action((raw: Record<string, unknown>) => run('setup', normalize(raw), async () => (await import('./commands/setup')).runSetup));

  addCommonOptions(
    program
      .command('preview')
      .description('render every file from the answers and defaults, with no network at all')
      .option('--out <dir>', 'write the files under DIR instead of printing them')
      .option('--show-secrets', 'print secrets instead of masking them')
      .addHelpText('after', CHECKS_AND_CHANGES['preview']!),
  ).action((raw: Record<string, unknown>) => run('preview', normalize(raw), async () => (await import('./commands/preview')).runPreview));

  addCommonOptions(program.command('verify').description('check a live setup and report each check').addHelpText('after', CHECKS_AND_CHANGES['verify']!)).action((raw: Record<string, unknown>) =>
    run('verify', normalize(raw), async () => (await import('./commands/verify')).runVerify),
  );

  const rotate = program.command('rotate').description('rotate the builder credentials or the signing key (see the readme, "Rotation")');
  addCommonOptions(
    rotate
      .command('credentials')
      .description('a new builder secret on the server and in the AWS profile; the old one stops working at once')
      .option('--reader', "a private cache's reader instead: a new reader secret on the server and in the reader credentials file")
      .addHelpText('after', CHECKS_AND_CHANGES['rotate credentials']!),
  ).action((raw: Record<string, unknown>) =>
    run('rotate credentials', normalize(raw), async () => (await import('./commands/rotate-credentials')).runRotateCredentials),
  );
  addCommonOptions(
    rotate
      .command('key')
      .description('a new signing key, trusted beside the old one, and every cached path re-signed with it; run again to finish an interrupted re-sign')
      .option('--drop-old', 'trust only the current key (refused while paths signed only by an old key remain)')
      .option('--force', 'with --drop-old: drop the old keys even so')
      .addHelpText('after', CHECKS_AND_CHANGES['rotate key']!),
  ).action((raw: Record<string, unknown>) => run('rotate key', normalize(raw), async () => (await import('./commands/rotate-key')).runRotateKey));

  addCommonOptions(
    program
      .command('doctor')
      .description('what is in the cache and whether every path in it can be substituted (read-only unless --repair)')
      .option('--deep', 'download every NAR and check its FileHash, FileSize, NarHash and NarSize')
      .option('--sample <n>', 'with --deep: check N NARs drawn at random instead of all')
      .option('--repair', 'fix what a deletion or a copy fixes (admin keys; shows the plan and asks first, or --yes)')
      .option('--min-age <age>', 'with --repair: never delete an orphan or abort an upload younger than this: 0, or e.g. 90m, 1h, 2d [1d]')
      .addHelpText('after', CHECKS_AND_CHANGES['doctor']!),
  ).action((raw: Record<string, unknown>) => run('doctor', normalize(raw), async () => (await import('./commands/doctor')).runDoctor));

  addCommonOptions(
    program
      .command('prune')
      .description('delete what no recent or pinned path needs, never breaking a closure (a dry run unless --apply)')
      .option('--keep-days <n>', 'paths uploaded within N days are kept with their closures; 0: the pins alone [the expiry answer, else 90]')
      .option('--pin <file>', 'store paths to keep, one a line (nix path-info -r of a system you deploy); repeatable; remembered', (value: string, previous: string[] = []) => [...previous, value])
      .option('--min-age <age>', 'never delete an object younger than this: 0, or e.g. 90m, 1h, 2d [1h]')
      .option('--apply', 'delete (without it: say what would be deleted)')
      .addHelpText('after', CHECKS_AND_CHANGES['prune']!),
  ).action((raw: Record<string, unknown>) => run('prune', normalize(raw), async () => (await import('./commands/prune')).runPrune));

  // `setup` is the default command, so commander would read an unknown command as an argument of
  // setup ("too many arguments for 'setup'"): name the commands instead.
  const first = argv[0];
  const commands = program.commands.map((c) => c.name());
  if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
    io.stderr.write(terminalText(`error: unknown command '${first}'. The commands are: ${commands.join(', ')} (${wizardCommand(effects.env)} --help says more).\n`));
    return 2;
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // `rotate` without `credentials` or `key`: commander shows its help as an error.
      if (error.code === 'commander.help' && error.exitCode === 0) return 0;
      // commander has written its message to stderr; with --json, stdout still gets one result
      if (json) {
        const message = (usageText || error.message).replace(/^error: /, '').trim().split('\n')[0] ?? error.message;
        const flag = /'(--?[\w-]+)/.exec(message)?.[1];
        io.stdout.write(formatJsonResult({ ok: false, command: commandName, dryRun: false, steps: [], files: [], next: [], error: { message, ...(flag ? { field: flag } : {}) } }));
      }
      return 2;
    }
    return reportFailure(error, { io, json, command: commandName });
  }
  return exitCode;
}
