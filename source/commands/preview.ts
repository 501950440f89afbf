/**
 * `nix-cache-wizard preview`: every file rendered from the answers and defaults, with no network
 * at all; printed with secrets masked (unless --show-secrets), or written under --out DIR.
 */
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { planFiles } from '../files/plan-files';
import { writePlannedFiles } from '../files/write-planned-files';
import { probeNixS3Support } from '../nix/local-nix';
import { readSystemNixConf } from '../nix/system-nix-conf';
import { formatJsonResult } from '../output/json-result';
import { terminalText } from '../text/terminal-text';
import { nextStepsForFiles } from '../session/next-steps';
import { knownBuilderSecret, knownReaderSecret, loadOrGenerateKey, readIfExists } from '../session/prepare-secrets';
import { trustedPublicKeys } from '../state/rotation-state';
import type { CommandOptions } from './command-options';
import { runCommand } from './command-epilogue';
import { commandAnswers } from './gather-answers';

export async function runPreview(options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  return runCommand({ io, json: options.json, command: 'preview', dryRun: options.out === undefined }, async () => {
    const { answers, warnings, facts } = await commandAnswers(options, io, effects, { offline: true });
    const { key } = await loadOrGenerateKey(answers, effects);
    const builder = await knownBuilderSecret(answers, effects);
    const reader = await knownReaderSecret(answers, effects);
    const publicKeys = trustedPublicKeys(key.publicKeyText(), answers.key.trusted);
    const files = planFiles({
      answers,
      base: effects,
      builderSecretKey: builder.secret,
      readerSecretKey: reader?.secret,
      publicKeys,
      secretKeyText: key.secretKeyText(),
      // the CA text as the command read it once (resolveAnswers checked it holds a certificate)
      caPem: facts.caFile?.pem,
    });
    const writing = options.out !== undefined;
    const reports = await writePlannedFiles(files, { outDir: options.out, dryRun: !writing, effects });
    const next = nextStepsForFiles({
      answers,
      files,
      reports,
      cwd: effects.cwd,
      home: effects.home,
      systemNixConf: await readSystemNixConf(effects.env),
      publicKeys,
      nixS3: await probeNixS3Support(effects.env),
    });
    if (options.json) {
      io.stdout.write(formatJsonResult({ ok: true, command: 'preview', dryRun: !writing, steps: [], files: reports, next, warnings }));
      return 0;
    }
    // Through terminalText: paths and the existing files' content come from elsewhere.
    const out = (text: string) => io.stdout.write(terminalText(text));
    if (writing) {
      out(`Wrote the files under ${options.out}:\n`);
      for (const report of reports) out(`  ${report.action.padEnd(10)} ${report.path}\n`);
    } else {
      for (const [index, file] of files.entries()) {
        const existing = await readIfExists(file.path);
        const keep = file.keepExisting && existing !== null;
        const content = keep ? existing : options.showSecrets ? file.render(existing) : file.renderMasked(existing);
        const shown = keep && !options.showSecrets ? (file.maskContent?.(content) ?? '(existing secret key, kept)\n') : content;
        out(`==> ${reports[index]?.path ?? file.path} (${file.title}; ${reports[index]?.action ?? 'unchanged'}${file.secret ? ', mode 0600' : ''}) <==\n`);
        out(shown.endsWith('\n') ? shown : `${shown}\n`);
        out('\n');
      }
      if (builder.source === 'server') {
        out(`==> AWS credentials (profile ${answers.builder.profile}) <==\n(written by setup once the Ceph server has generated the builder's secret)\n\n`);
      } else if (builder.source === 'generated' && !options.showSecrets) {
        out('The builder secret above is newly generated for this preview; setup generates its own.\n\n');
      }
      if (reader?.source === 'server') {
        out(`==> Reader credentials (profile ${answers.reader.profile}) <==\n(written by setup once the Ceph server has generated the reader's secret)\n\n`);
      }
    }
    out('Next, after setup:\n');
    for (const line of next) out(line.startsWith('#') ? `\n${line}\n` : `  ${line}\n`);
    return 0;
  });
}
