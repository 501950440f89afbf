/**
 * What the files on this machine show of an existing setup, as answers: the signing key's name,
 * from the secret key file that setup will reuse (it is never overwritten), so the key name
 * offered on a re-run is the one the machines already trust.
 *
 * And the names of this cache (SPEC 2, "Many caches on one server"): every name the wizard makes
 * or takes where other caches may have theirs (users and policies on the server, AWS profiles, the
 * mc alias, the signing key's name and files) defaults to the first of its per-cache names
 * (answers/per-cache-names.ts) that no other cache holds, as the server and the files show.
 */
import type { Answers } from '../answers/answers';
import type { AnswersInput } from '../answers/answers-schema';
import { CACHE_FILE_RULE, keyNames, perCacheNames } from '../answers/per-cache-names';
import { bucketOf, firstSetupDefault } from '../answers/answer-defaults';
import type { Effects } from '../effects';
import { parseNamedKeyText } from '../keys/named-key-text';
import { resolveFilePath } from '../files/resolve-file-path';
import { expandUserPath } from '../paths/expand-user-path';
import { readIfExists } from '../session/prepare-secrets';
import { readProfileAccessKeys } from '../files/read-aws-profile';
import type { SetupSession } from '../session/setup-session';
import { rememberedSetups } from '../state/remembered-answers';
import { readRotationState, rotationStatePath } from '../state/rotation-state';
import { readMcConfigFact } from '../facts/mc-config';
import { getField, setField } from '../answers/answer-fields';
import { defaultAnswer, NOTHING_KNOWN, type DefaultsContext } from './defaults';

/** The name of the key in the secret key file at `given` (a path as answered), if it holds one. */
async function keyNameInFile(given: string, effects: Pick<Effects, 'home' | 'cwd'>): Promise<string | undefined> {
  const path = resolveFilePath(given, effects);
  const text = await readIfExists(path).catch(() => null);
  if (text === null) return undefined;
  try {
    return parseNamedKeyText(text.trim(), 'secret key', path).name;
  } catch {
    // An unreadable key file is reported by the plan, which names the file and the rule.
    return undefined;
  }
}

export async function detectFromFiles(answers: AnswersInput, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Promise<AnswersInput> {
  const name = await keyNameInFile(String(defaultAnswer('key.secretFile', answers, NOTHING_KNOWN, effects)), effects);
  return name === undefined ? {} : { key: { name } };
}

/**
 * The files that belong to one cache only: the signing keys, and what is written for its machines
 * and for reference. The mc config and the AWS credentials file are shared on purpose (each cache
 * has its own alias or profile in them).
 */
const CACHE_FILES = ['key.secretFile', 'key.publicFile', 'files.nixosModule', 'files.nixConf', 'files.policy', 'files.cacheInfo', 'files.builderModule', 'files.readerCredentials'] as const;

/** What the other caches this machine set up hold: their files (as full paths) and key names. */
interface OtherCaches {
  readonly files: ReadonlySet<string>;
  readonly keyNames: ReadonlySet<string>;
}

async function otherCaches(answers: Answers, effects: Pick<Effects, 'env' | 'home' | 'cwd'>): Promise<OtherCaches> {
  const files = new Set<string>();
  const names = new Set<string>();
  const setups = await rememberedSetups(effects).catch(() => []);
  for (const { answers: other } of setups) {
    if (other.endpoint === answers.endpoint && bucketOf(other) === answers.bucket) continue;
    for (const field of CACHE_FILES) {
      const path = getField(other, field) ?? firstSetupDefault(field, other, effects);
      if (typeof path === 'string') files.add(resolveFilePath(path, effects));
    }
    if (other.key?.name !== undefined) names.add(other.key.name);
    if (other.endpoint === undefined) continue;
    try {
      const state = await readRotationState(rotationStatePath(effects, other.endpoint, bucketOf(other)));
      for (const text of state?.trusted ?? []) names.add(text.split(':')[0] ?? text);
    } catch {
      // an unreadable rotation state is that setup's to report
    }
  }
  return { files, keyNames: names };
}

/** The access key of each profile in the credentials file at `given`; {} when there is none. */
async function profilesIn(given: string, effects: Pick<Effects, 'home' | 'cwd'>): Promise<Record<string, string>> {
  const text = await readIfExists(expandUserPath(given, effects)).catch(() => null);
  if (text === null) return {};
  try {
    return readProfileAccessKeys(text);
  } catch {
    return {};
  }
}

function firstFree(names: readonly string[], usable: (name: string) => boolean): string {
  return names.find(usable) ?? names[names.length - 1]!;
}

/**
 * The names of this cache that `kept` (answers given or remembered) does not hold, decided from
 * what the server shows (session.detectNames: users, policies, what each grants and to whom it
 * is attached) and what the files show (AWS profiles, mc aliases, the other caches' keys). A
 * first cache gets the first-setup names; a name another cache holds is passed over for one of
 * this cache's own. Best effort: a server that cannot be asked leaves the server names out.
 */
export async function detectCacheNames(
  session: Pick<SetupSession, 'detectNames'>,
  answers: Answers,
  kept: AnswersInput,
  effects: Pick<Effects, 'env' | 'home' | 'cwd'>,
): Promise<AnswersInput> {
  const context: DefaultsContext = effects;
  const first = (field: string) => firstSetupDefault(field, answers, context) as string | undefined;
  const open = (field: string) => getField(kept, field) === undefined && first(field) !== undefined;
  const { bucket } = answers;
  const wanted = {
    ...(open('builder.accessKey') ? { builder: first('builder.accessKey')! } : {}),
    // The reader exists only on a private cache: a public one looks for no reader.
    ...(open('reader.accessKey') && answers.anonymous === 'none' ? { reader: first('reader.accessKey')! } : {}),
    ...(open('policyName') && answers.backend === 'minio' ? { policyName: first('policyName')! } : {}),
  };
  const server = Object.keys(wanted).length === 0 ? {} : await session.detectNames(answers, wanted).catch(() => ({}));
  const builder = (kept.builder?.accessKey ?? server.builder ?? first('builder.accessKey')) || answers.builder.accessKey;
  const reader = (kept.reader?.accessKey ?? server.reader ?? first('reader.accessKey')) || answers.reader.accessKey;
  const found: Record<string, string> = {};
  if (server.builder !== undefined) found['builder.accessKey'] = server.builder;
  if (server.reader !== undefined) found['reader.accessKey'] = server.reader;
  if (server.policyName !== undefined) found['policyName'] = server.policyName;

  // An AWS profile holding another access key is another cache's (or someone's own).
  for (const [field, file, holder] of [
    ['builder.profile', answers.files.awsCredentials, builder],
    ['reader.profile', answers.files.readerCredentials, reader],
  ] as const) {
    if (!open(field)) continue;
    const profiles = await profilesIn(file, effects);
    found[field] = firstFree(perCacheNames(first(field)!, bucket), (name) => profiles[name] === undefined || profiles[name] === holder);
  }

  // The mc alias holds the admin keys of a server: the one they were picked from, else one that
  // is free or already holds this server and these keys; never another server's.
  if (open('alias')) {
    const adminAlias = answers.admin.mcAlias;
    if (adminAlias !== undefined) {
      found['alias'] = adminAlias;
    } else {
      // an unreadable mc config is reported by the plan: here it holds no alias
      const { aliases } = await readMcConfigFact(answers.files.mcConfig, effects);
      const base = first('alias')!;
      const candidates = [base, ...[2, 3, 4, 5].map((n) => `${base}-${n}`)];
      found['alias'] = firstFree(candidates, (name) => {
        const entry = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
        return entry === undefined || (entry.url.replace(/\/+$/, '') === answers.endpoint && entry.accessKey === answers.admin.accessKey);
      });
    }
  }

  // The files: a second cache set up from the same folder gets files of its own, never the ones
  // another remembered cache wrote (its NixOS module, its reader credentials). The signing key
  // above all: sharing one would tie the caches together, as `rotate key` on one rewrites the file
  // and the other cache's builder would then sign with a key its machines do not trust. An
  // existing key file that no other cache names is this cache's and is reused (SPEC 3), with the
  // name of the key in it. The two key files move together.
  const others = await otherCaches(answers, effects);
  const free = (path: string) => !others.files.has(resolveFilePath(path, effects));
  const ownFiles = (field: string) => perCacheNames(first(field)!, bucket, CACHE_FILE_RULE);
  const keyFileIndex = Math.max(0, ownFiles('key.secretFile').findIndex((path, index) => free(path) && free(ownFiles('key.publicFile')[index] ?? path)));
  for (const field of CACHE_FILES) {
    if (!open(field)) continue;
    found[field] = field.startsWith('key.') ? ownFiles(field)[keyFileIndex]! : firstFree(ownFiles(field), free);
  }
  const secretFile = String(found['key.secretFile'] ?? getField(kept, 'key.secretFile') ?? first('key.secretFile'));
  if (open('key.name')) {
    found['key.name'] = (await keyNameInFile(secretFile, effects)) ?? firstFree(keyNames(answers.endpoint, bucket), (name) => !others.keyNames.has(name));
  }

  return Object.entries(found).reduce<AnswersInput>((result, [field, value]) => setField(result, field, value), {});
}
