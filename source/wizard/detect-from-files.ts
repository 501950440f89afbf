/**
 * What the files on this machine show of an existing setup, as answers: the signing key's name,
 * from the secret key file that setup will reuse (it is never overwritten), so the key name
 * offered on a re-run is the one the machines already trust.
 */
import type { AnswersInput } from '../answers/answers-schema';
import type { Effects } from '../effects';
import { parseNamedKeyText } from '../keys/named-key-text';
import { resolveFilePath } from '../files/resolve-file-path';
import { readIfExists } from '../plan/prepare-secrets';
import { defaultAnswer, NOTHING_KNOWN } from './defaults';

export async function detectFromFiles(answers: AnswersInput, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Promise<AnswersInput> {
  const given = String(defaultAnswer('key.secretFile', answers, NOTHING_KNOWN, effects));
  const path = resolveFilePath(given, effects);
  const text = await readIfExists(path).catch(() => null);
  if (text === null) return {};
  try {
    return { key: { name: parseNamedKeyText(text.trim(), 'secret key', path).name } };
  } catch {
    // An unreadable key file is reported by the plan, which names the file and the rule.
    return {};
  }
}
