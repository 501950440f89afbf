/**
 * The one place an entry of the opening menu (source/wizard/menu.ts) becomes a command, run once
 * the wizard has closed, with the same flags, starting from the remembered answers like the
 * command run on its own.
 */
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import type { MenuItem } from '../wizard/menu';
import type { CommandOptions } from './command-options';

type Command = (options: CommandOptions, io: CliIo, effects: Effects) => Promise<number>;

/** The command behind each menu entry but "update" (which is the wizard itself). */
const COMMANDS: Record<Exclude<MenuItem, 'update'>, () => Promise<Command>> = {
  preview: async () => (await import('./preview')).runPreview,
  verify: async () => (await import('./verify')).runVerify,
  doctor: async () => (await import('./doctor')).runDoctor,
  // Each asks its own confirmation (saying what it changes and what stops working) once the full-screen view is closed.
  'rotate-credentials': async () => (await import('./rotate-credentials')).runRotateCredentials,
  'rotate-reader': async () => (await import('./rotate-credentials')).runRotateCredentials,
  'rotate-key': async () => (await import('./rotate-key')).runRotateKey,
  // Shows what it would delete and asks before deleting anything.
  prune: async () => (await import('./prune')).runPrune,
};

/** flags a menu entry adds to its command; every change it can make is confirmed first (SPEC 8) */
const FLAGS: Partial<Record<Exclude<MenuItem, 'update'>, Partial<CommandOptions>>> = { 'rotate-reader': { reader: true }, 'rotate-key': { confirm: true } };

export async function runMenuChoice(item: Exclude<MenuItem, 'update'>, options: CommandOptions, io: CliIo, effects: Effects): Promise<number> {
  const command = await COMMANDS[item]();
  return command({ ...options, ...FLAGS[item], answers: undefined }, io, effects);
}
