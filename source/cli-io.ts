/** The terminal the CLI talks to, injected so tests can run commands in-process. */
import type { WizardFrontEnd } from './commands/wizard-entry';

export interface CliIo {
  readonly stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  readonly stderr: NodeJS.WritableStream;
  /** true when stdin and stdout are terminals: the UI may run */
  readonly interactive: boolean;
  /**
   * The full-screen wizard for this terminal (components/run-wizard.tsx), plugged in by the entry
   * (bin/cli.ts) so the core never imports the views. Without it setup asks with plain prompts.
   */
  readonly loadFullScreenWizard?: () => Promise<WizardFrontEnd>;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  };
}
