/**
 * The one place an entry of the opening menu (source/wizard/menu.ts) becomes a command, run once
 * the wizard has closed, with the same flags, starting from the remembered answers like the
 * command run on its own. The rotation commands (SPEC 8) plug in here when they exist.
 */
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import type { MenuItem } from '../wizard/menu';
import type { CommandOptions } from './command-options';

type Command = (options: CommandOptions, io: CliIo, effects: Effects) => Promise<number>;

/** The command behind each menu entry but "update" (which is the wizard itself). */
const COMMANDS: Record<Exclude<MenuItem, 'update'>, () => Promise<Command | undefined>> = {
  preview: async () => (await import('./preview')).runPreview,
  verify: async () => (await import('./verify')).runVerify,
  'rotate-credentials': async () => undefined,
  'rotate-key': async () => undefined,
};

export async function runMenuChoice(item: Exclude<MenuItem, 'update'>, options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  const command = await COMMANDS[item]();
  if (!command) {
    io.stderr.write(`${item.replace('-', ' ')} is not available yet in this version (SPEC section 8).\n`);
    return 2;
  }
  return command({ ...options, answers: undefined }, io, effects);
}
