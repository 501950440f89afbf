/**
 * The answers a command starts from: the --answers file (validated), then the environment and
 * defaults. Flags answer before any prompt (create-astro's habit).
 */
import type { AnswersInput } from '../answers/answers-schema';
import { loadAnswersFile } from '../answers/resolve-answers';
import type { Effects } from '../effects';
import type { CommandOptions } from './command-options';

export function initialAnswers(options: CommandOptions, effects: Effects): AnswersInput {
  return options.answers === undefined ? {} : loadAnswersFile(options.answers, effects);
}
