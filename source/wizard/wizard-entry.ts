/** What setup hands to the interactive front ends (the full-screen UI and --plain), and what they give back. */
import type { McAliases } from '../answers/answer-facts';
import type { AnswersInput } from '../answers/answers-schema';
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import type { ApplyResult, SetupPlan, SetupSession } from '../session/setup-session';
import type { KnownSetup } from './defaults';
import type { MenuItem } from './menu';

export interface WizardEntryInput {
  /** answers from --answers: pre-filled, not asked again */
  readonly initial: AnswersInput;
  readonly session: SetupSession;
  readonly effects: Effects;
  readonly io: CliIo;
  /** the aliases of the mc config, read once by the command (facts/mc-config.ts): the connection step offers them */
  readonly mcAliases: McAliases;
  /** profile → access key ID of the AWS credentials file (no secrets) */
  readonly profileAccessKeys?: Readonly<Record<string, string>>;
  /** remembered answers and what the files show: the defaults of a re-run @default nothing known */
  readonly known?: KnownSetup;
  /** open with the menu of the remembered setup named so ("endpoint/bucket") */
  readonly menuFor?: string;
}

export type WizardEntryOutcome =
  | { readonly outcome: 'applied'; readonly result: ApplyResult; readonly plan: SetupPlan }
  | { readonly outcome: 'cancelled' }
  /** a menu entry other than "update": setup runs that command next */
  | { readonly outcome: 'chosen'; readonly item: MenuItem };

/** A front end that asks: the full-screen UI or the plain prompts. */
export type WizardFrontEnd = (input: WizardEntryInput) => Promise<WizardEntryOutcome>;

/**
 * The terminal with the full-screen wizard plugged in (components/run-wizard.tsx) by the entry
 * (bin/cli.ts), so the core never imports the views. Without it setup asks with plain prompts.
 */
export interface FrontEndIo extends CliIo {
  readonly loadFullScreenWizard?: () => Promise<WizardFrontEnd>;
}
