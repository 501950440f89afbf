/**
 * The opening menu's entries run their command once the wizard has closed (run-menu-choice.ts).
 * "Rotate the signing key" is one Enter away from a run, so it shows what it will do and asks
 * first, as the credential rotations do (issue 15 item 6).
 */
import { describe, expect, it } from 'vitest';
import { completeFromDisk } from '../../source/facts/read-facts';
import type { CommandOptions } from '../../source/commands/command-options';
import { runMenuChoice } from '../../source/commands/run-menu-choice';
import { rememberAnswers } from '../../source/state/remembered-answers';
import { promptTerminal } from '../helpers/prompt-terminal';
import { makeCliSandbox } from '../helpers/run-cli';

const OPTIONS: CommandOptions = { answers: undefined, yes: false, dryRun: false, out: undefined, json: false, plain: false, showSecrets: false, dropOld: false, force: false, reader: false };

describe('a menu entry', () => {
  it('"Rotate the signing key" says what it will do and asks first; n changes nothing (exit 130)', async () => {
    // Given a remembered setup
    const sandbox = makeCliSandbox();
    const { answers } = await completeFromDisk({ backend: 'minio', endpoint: 'https://s3.lan:9000', bucket: 'nix-cache' }, sandbox.effects(), { offline: true });
    await rememberAnswers(answers, sandbox.effects());
    const before = sandbox.listFiles();
    // When the menu's "Rotate the signing key" runs in a terminal
    const terminal = promptTerminal();
    const code = runMenuChoice('rotate-key', OPTIONS, terminal.io, sandbox.effects());
    // Then it shows what it will do, asks, and n leaves everything as it was
    await terminal.answer('Rotate the signing key now?', 'n\r');
    expect(await code).toBe(130);
    expect(terminal.output()).toContain('rotate key makes a new signing key at ~/.config/nix/secret.key');
    expect(terminal.output()).toContain('adds a signature by the new key to every narinfo in nix-cache');
    expect(sandbox.listFiles()).toEqual(before);
  });
});
