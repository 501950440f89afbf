/**
 * The command line (SPEC 1). Parsing only: each command's module is loaded when it runs, so
 * `--version` and `--help` do not pay for the server clients or the UI.
 */
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json';
import { processIo, type CliIo } from './cli-io';
import type { CommandOptions } from './commands/command-options';
import { runWithRequestRules } from './backends/request-rules';
import { realEffects, type Effects } from './effects';
import { formatJsonResult } from './output/json-result';
import { reportFailure } from './output/report-failure';
import { wizardCommand } from './output/wizard-command';

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

function addCommonOptions(command: Command): Command {
  return command
    .option('--answers <file>', 'take answers from a JSON file; prompt only for the rest')
    .option('--json', 'print one JSON result on stdout and nothing else there')
    .option('--yes', 'never prompt: a missing answer is an error naming it');
}

export function main(argv: readonly string[], io: CliIo = processIo(), effects: Effects = realEffects()): Promise<number> {
  // Every request of the command goes by these rules (deadlines, limits, the retry rule's backoff
  // and count); the whole run, error report included, so --json can count the retries.
  return runWithRequestRules(effects.sleep ? { sleep: (ms) => effects.sleep!(ms) } : {}, () => runCommand(argv, io, effects));
}

async function runCommand(argv: readonly string[], io: CliIo, effects: Effects): Promise<number> {
  let exitCode = 0;
  let commandName = 'setup';
  let json = argv.includes('--json');
  /** what commander said about bad usage, for the one JSON result */
  let usageText = '';
  const run = async (name: string, options: CommandOptions, load: () => Promise<(o: CommandOptions, i: CliIo, e: Effects) => Promise<number>>) => {
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
        io.stderr.write(text);
      },
    });

  addCommonOptions(
    program
      .command('setup', { isDefault: true })
      .description('the wizard: check and apply every server step, then write the files')
      .option('--dry-run', 'read-only: check every step against the server, write nothing, change nothing')
      .option('--out <dir>', 'write every generated file under DIR instead of its real place')
      .option('--plain', 'plain sequential prompts instead of the full-screen UI'),
  ).action((raw: Record<string, unknown>) => run('setup', normalize(raw), async () => (await import('./commands/setup')).runSetup));

  addCommonOptions(
    program
      .command('preview')
      .description('render every file from the answers and defaults, with no network at all')
      .option('--out <dir>', 'write the files under DIR instead of printing them')
      .option('--show-secrets', 'print secrets instead of masking them'),
  ).action((raw: Record<string, unknown>) => run('preview', normalize(raw), async () => (await import('./commands/preview')).runPreview));

  addCommonOptions(program.command('verify').description('check a live setup and report each check')).action((raw: Record<string, unknown>) =>
    run('verify', normalize(raw), async () => (await import('./commands/verify')).runVerify),
  );

  const rotate = program.command('rotate').description('rotate the builder credentials or the signing key (see the readme, "Rotation")');
  addCommonOptions(
    rotate
      .command('credentials')
      .description('a new builder secret on the server and in the AWS profile; the old one stops working at once')
      .option('--reader', "a private cache's reader instead: a new reader secret on the server and in the reader credentials file"),
  ).action((raw: Record<string, unknown>) =>
    run('rotate credentials', normalize(raw), async () => (await import('./commands/rotate-credentials')).runRotateCredentials),
  );
  addCommonOptions(
    rotate
      .command('key')
      .description('a new signing key, trusted beside the old one, and every cached path re-signed with it; run again to finish an interrupted re-sign')
      .option('--drop-old', 'trust only the current key (refused while paths signed only by an old key remain)')
      .option('--force', 'with --drop-old: drop the old keys even so'),
  ).action((raw: Record<string, unknown>) => run('rotate key', normalize(raw), async () => (await import('./commands/rotate-key')).runRotateKey));

  // `setup` is the default command, so commander would read an unknown command as an argument of
  // setup ("too many arguments for 'setup'"): name the commands instead.
  const first = argv[0];
  const commands = program.commands.map((c) => c.name());
  if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
    io.stderr.write(`error: unknown command '${first}'. The commands are: ${commands.join(', ')} (${wizardCommand(effects.env)} --help says more).\n`);
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
