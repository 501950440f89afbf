/** `nix-cache-wizard verify`: check a live setup (SPEC 6). */
import type { CliIo } from '../cli-io';
import type { Effects } from '../effects';
import { reportFailure } from '../output/report-failure';
import type { CommandOptions } from './command-options';

export async function runVerify(options: CommandOptions, io: CliIo, _effects: Effects): Promise<number> {
  return reportFailure(new Error('verify is not built yet'), { io, json: options.json, command: 'verify' });
}
