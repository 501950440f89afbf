/**
 * The full-screen wizard (SPEC 9), started by `setup` when stdin and stdout are terminals.
 * `waitUntilExit()` is the one place it ends. Ctrl-C is the wizard's (`exitOnCtrlC: false`):
 * before applying it cancels with nothing written and nothing changed on the server.
 * Nothing but the UI goes to stdout while it runs; the first frame is the sign that it is ready for
 * keys. What the end screen showed is printed by setup once the UI has closed.
 */
import { render } from 'ink';
import { generateBuilderSecret } from '../source/secrets/generate-builder-secret';
import type { WizardEntryInput, WizardEntryOutcome } from '../source/wizard/wizard-entry';
import { App, type WizardOutcome } from './app/app';
import { colorsWanted } from './theme/theme';

export async function runWizard(input: WizardEntryInput): Promise<WizardEntryOutcome> {
  const { initial, session, effects, io, mcAliases: aliases, profileAccessKeys = {}, known, menuFor } = input;
  let outcome: WizardOutcome = { outcome: 'cancelled' };
  let crash: { error: unknown } | undefined;
  const instance = render(
    <App
      initial={initial}
      session={session}
      effects={effects}
      context={{ aliases, env: effects.env, profileAccessKeys }}
      generatedSecret={generateBuilderSecret(effects.randomBytes)}
      {...(known ? { known } : {})}
      menuFor={menuFor}
      onExit={(value) => {
        outcome = value;
      }}
      onCrash={(error) => {
        crash = { error };
      }}
      // A pseudo-terminal that reports no size (0×0, as `script` without a terminal does) is taken as 80×24.
      columns={io.stdout.columns || 80}
      rows={io.stdout.rows || 24}
      colors={colorsWanted(effects.env)}
      followResize
    />,
    {
      stdin: io.stdin as NodeJS.ReadStream,
      stdout: io.stdout as NodeJS.WriteStream,
      stderr: io.stderr as NodeJS.WriteStream,
      exitOnCtrlC: false,
    },
  );
  await instance.waitUntilExit();
  // Applying threw (not a step failure, which is in the result): let the CLI report it with its stack.
  if (crash && outcome.outcome === 'cancelled') throw crash.error;
  return outcome;
}
