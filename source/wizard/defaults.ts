/**
 * Every default the wizard offers, in one place (SPEC 2, SPEC 8). For each answer, in order:
 *
 *   1. what was given beforehand or answered already (an answers file, the environment, a prompt);
 *   2. what is known of this setup: the remembered answers of the last successful run, then what
 *      the server and the files show (backend, expiry days, anonymous mode, key name);
 *   3. the first-setup default of SPEC 2 (source/answers/answer-defaults.ts, the one table of them,
 *      which resolveAnswers fills a missing answer from too).
 *
 * A re-run therefore offers what is there, never the first-setup defaults, and accepting every
 * default changes nothing. The full-screen UI and the plain prompts both ask through the reducer,
 * which takes its pre-filled text and highlighted choice from here.
 */
import type { AnswersInput } from '../answers/answers-schema';
import { firstSetupDefault, type DefaultsEnv } from '../answers/answer-defaults';
import { getField, mergeAnswers } from '../answers/answer-fields';

/** The environment, for `AWS_SHARED_CREDENTIALS_FILE`. */
export type DefaultsContext = DefaultsEnv;

/** What is known of an existing setup, besides the answers given. */
export interface KnownSetup {
  /** the answers kept after the last successful run for this setup (never a secret) */
  readonly remembered: AnswersInput;
  /** what the server and the files show (source/wizard/detect-existing.ts) */
  readonly detected: AnswersInput;
}

export const NOTHING_KNOWN: KnownSetup = { remembered: {}, detected: {} };

/**
 * The remembered answers while they are this setup's: they are kept per endpoint and bucket
 * (SPEC 8), so once the answers name another endpoint or bucket, none of them (the other
 * cache's names, its anonymous mode, its expiry) is offered for this one.
 */
export function rememberedFor(known: KnownSetup, input: AnswersInput): AnswersInput {
  const other = (field: 'endpoint' | 'bucket') => {
    const remembered = getField(known.remembered, field);
    const given = getField(input, field);
    return remembered !== undefined && given !== undefined && remembered !== given;
  };
  return other('endpoint') || other('bucket') ? {} : known.remembered;
}

/** The known answers, remembered ones first: they are what the user chose last time. */
export function knownAnswers(known: KnownSetup, input: AnswersInput): AnswersInput {
  return mergeAnswers(known.detected, rememberedFor(known, input));
}


/** The value the wizard offers for `field`: given, else known, else the first-setup default. */
export function defaultAnswer(field: string, input: AnswersInput, known: KnownSetup, context: DefaultsContext): unknown {
  const given = getField(input, field);
  if (given !== undefined) return given;
  const knownValue = getField(knownAnswers(known, input), field);
  if (knownValue !== undefined) return knownValue;
  return firstSetupDefault(field, mergeAnswers(knownAnswers(known, input), input), context);
}
