/**
 * `verify` from the machines' side (SPEC 6): what a client will trust and whether this machine's
 * Nix uses the cache. Read-only: GETs and listings by the builder, and Nix reading nix-cache-info.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'minio';
import type { Answers } from '../answers/answers';
import { isPrivateCache } from '../answers/answers';
import type { Effects } from '../effects';
import { resolveFilePath } from '../files/resolve-file-path';
import { narinfoHasValidSignature } from '../keys/narinfo-signature';
import { parseNixPublicKey, type NixPublicKey } from '../keys/nix-public-key';
import { parseNarinfo } from '../keys/parse-narinfo';
import { substituterUrl } from '../nix/cache-urls';
import { nixWithoutS3Advice, probeNixS3Support } from '../nix/local-nix';
import { nixMessage, runNix } from '../nix/run-nix';
import { askAgainWhile } from '../requests/request-rules';

export type ClientCheckStatus = 'ok' | 'failed' | 'skipped';

export interface ClientCheckReport {
  readonly id: string;
  readonly title: string;
  readonly status: ClientCheckStatus;
  readonly detail: string;
}

/** How many narinfos verify reads: enough to catch an unsigned upload habit, cheap on a big cache. */
export const NARINFO_SAMPLE_SIZE = 20;

/** The `NAME:BASE64` keys a module or snippet text trusts (several while a rotation is under way). */
export function trustedKeysIn(text: string): NixPublicKey[] {
  const keys: NixPublicKey[] = [];
  for (const match of text.matchAll(/[^\s"':#=]+:[A-Za-z0-9+/]{43}=/g)) {
    try {
      keys.push(parseNixPublicKey(match[0], 'the module'));
    } catch {
      // not a public key after all
    }
  }
  return keys;
}

/** The first `limit` narinfos; a listing that makes no progress is an error (listObjectKeys), not an endless loop. */
async function listNarinfoKeys(client: Client, bucket: string, limit: number): Promise<string[]> {
  const { listObjectKeys } = await import('../backends/s3/s3-requests');
  const keys: string[] = [];
  for await (const key of listObjectKeys(client, bucket, { recursive: false })) {
    if (key.endsWith('.narinfo')) keys.push(key);
    if (keys.length >= limit) break;
  }
  return keys;
}

/**
 * A listed narinfo's text; at most what a narinfo can be (readObjectText's limit). Not found, it is
 * asked for twice more (askAgainWhile: a lagging node of a cluster, issue 20) before it counts as
 * unreadable.
 */
async function readText(client: Client, bucket: string, key: string): Promise<string> {
  const { readObjectText } = await import('../backends/s3/s3-requests');
  return (await askAgainWhile(() => readObjectText(client, bucket, key), (text) => text === null)) ?? '';
}

/**
 * A sample of the bucket's narinfos must carry a signature by a key the machines trust: a path
 * none of them signs is one every client refuses (it then builds it itself).
 */
export async function checkNarinfoSignatures(
  answers: Pick<Answers, 'bucket'>,
  client: Client,
  trusted: readonly NixPublicKey[],
): Promise<ClientCheckReport> {
  const id = 'narinfo-signatures';
  const title = 'The cache serves paths the machines trust';
  if (trusted.length === 0) return { id, title, status: 'skipped', detail: 'no trusted public key found (module, snippet or public key file)' };
  let keys: string[];
  try {
    keys = await listNarinfoKeys(client, answers.bucket, NARINFO_SAMPLE_SIZE);
  } catch (error) {
    return { id, title, status: 'failed', detail: `could not list the narinfos: ${(error as Error).message}` };
  }
  if (keys.length === 0) return { id, title, status: 'skipped', detail: 'nothing has been uploaded yet' };
  const unsigned: string[] = [];
  const unreadable: string[] = [];
  for (const key of keys) {
    try {
      const narinfo = parseNarinfo(await readText(client, answers.bucket, key), key);
      if (!narinfoHasValidSignature(narinfo, trusted)) unsigned.push(key);
    } catch {
      unreadable.push(key);
    }
  }
  const names = trusted.map((k) => k.name).join(', ');
  if (unsigned.length > 0 || unreadable.length > 0) {
    const parts = [
      unsigned.length > 0 ? `${unsigned.length} carry no signature by ${names} (${unsigned.slice(0, 3).join(', ')}${unsigned.length > 3 ? ', …' : ''}): every machine will refuse them` : '',
      unreadable.length > 0 ? `${unreadable.length} could not be read as narinfos (${unreadable.slice(0, 3).join(', ')})` : '',
    ].filter(Boolean);
    const fixes = [
      unsigned.length > 0 ? "upload with secret-key= (the printed nix copy command and the builder module do), or add signatures with nix store sign --store '<the s3:// URL>' -k <secret key> <paths>" : '',
      unreadable.length > 0 ? 'remove the broken narinfos, or upload those paths again' : '',
    ].filter(Boolean);
    return { id, title, status: 'failed', detail: `of ${keys.length} sampled narinfos, ${parts.join('; ')}. Fix: ${fixes.join('; ')}.` };
  }
  return { id, title, status: 'ok', detail: `${keys.length} sampled narinfo(s), each signed by a trusted key (${names})` };
}

/**
 * Where Nix is installed: does its configuration list this substituter and trust the key, and can
 * Nix read nix-cache-info through the substituter (with a fresh client-side cache, so what it says
 * is what the server says now)? A machine whose Nix does not list the cache may simply not be one
 * of the machines; that is reported, not failed.
 */
export async function checkLocalNix(answers: Answers, effects: Effects, publicKeyText: string | undefined): Promise<ClientCheckReport[]> {
  const substituter = substituterUrl(answers);
  const baseEnv: NodeJS.ProcessEnv = { ...(effects.env as NodeJS.ProcessEnv), HOME: effects.home };
  const config = await runNix(['show-config', '--json'], baseEnv);
  if (config.missing) {
    const skipped = (id: string, title: string): ClientCheckReport => ({ id, title, status: 'skipped', detail: 'Nix is not installed here' });
    return [skipped('local-nix-config', 'This machine\'s Nix uses the cache'), skipped('local-nix-read', 'Nix reads the cache')];
  }
  const reports: ClientCheckReport[] = [];
  const s3 = await probeNixS3Support(baseEnv);
  let usesCache = false;
  const configTitle = "This machine's Nix uses the cache";
  if (config.code !== 0) {
    reports.push({ id: 'local-nix-config', title: configTitle, status: 'failed', detail: `nix show-config failed: ${nixMessage(config.stderr)}. Fix: repair this machine's nix.conf.` });
    return reports;
  }
  try {
    const settings = JSON.parse(config.stdout) as Record<string, { value?: unknown }>;
    const list = (name: string): string[] => {
      const value = settings[name]?.value;
      return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/\s+/) : [];
    };
    const listed = list('substituters').includes(substituter);
    const trusted = publicKeyText !== undefined && list('trusted-public-keys').includes(publicKeyText);
    usesCache = listed || trusted;
    if (!listed && !trusted) {
      reports.push({ id: 'local-nix-config', title: configTitle, status: 'skipped', detail: `this machine's Nix lists neither ${substituter} nor the key; if it should use the cache, add ${answers.files.nixConf} to its nix.conf (or import ${answers.files.nixosModule})` });
    } else if (!listed || !trusted) {
      reports.push({
        id: 'local-nix-config',
        title: configTitle,
        status: 'failed',
        detail: `this machine's Nix ${listed ? 'lists the substituter but does not trust the current public key' : 'trusts the key but does not list the substituter'} ${listed ? '' : substituter}. Fix: put the lines of ${answers.files.nixConf} (all of them) into its nix.conf and restart the nix-daemon.`.replace(/ +\./, '.'),
      });
    } else {
      reports.push({ id: 'local-nix-config', title: configTitle, status: 'ok', detail: `its configuration lists ${substituter} and trusts ${publicKeyText}` });
    }
  } catch {
    reports.push({ id: 'local-nix-config', title: configTitle, status: 'failed', detail: 'nix show-config --json gave no JSON' });
  }

  const s3Title = "This machine's Nix can open s3:// stores";
  if (s3.kind === 'unsupported') {
    // A private cache is unusable with such a Nix: a failure where this machine is meant to use the
    // cache (its nix.conf names it). A public one is still read over https; only uploads fail.
    const privateCache = isPrivateCache(answers);
    reports.push({
      id: 'local-nix-s3',
      title: s3Title,
      status: privateCache && usesCache ? 'failed' : 'skipped',
      detail: `this machine's Nix ${s3.version} cannot open s3:// stores (${s3.message}): it was built without S3 support, so nix copy --to s3://… fails here${privateCache ? ' and it cannot read this private cache' : ''}. ${nixWithoutS3Advice(privateCache).join(' ')}`,
    });
  } else if (s3.kind === 'supported') {
    reports.push({ id: 'local-nix-s3', title: s3Title, status: 'ok', detail: `this machine's Nix ${s3.version} knows s3:// stores: it can upload with nix copy${isPrivateCache(answers) ? ' and read this private cache' : ''}` });
  }

  const readTitle = 'Nix reads nix-cache-info through the substituter';
  const cacheHome = await mkdtemp(join(tmpdir(), 'nix-cache-wizard-verify-'));
  try {
    const env: NodeJS.ProcessEnv = { ...baseEnv, XDG_CACHE_HOME: cacheHome };
    if (isPrivateCache(answers)) env['AWS_SHARED_CREDENTIALS_FILE'] = resolveFilePath(answers.files.readerCredentials, effects);
    // As a machine that trusts the private CA (the module and the snippet say how) sees it.
    if (answers.caFile !== undefined) env['NIX_SSL_CERT_FILE'] = answers.caFile;
    const ping = await runNix(['store', 'ping', '--store', substituter], env);
    const why = nixMessage(ping.stderr);
    if (ping.code === 0) {
      reports.push({ id: 'local-nix-read', title: readTitle, status: 'ok', detail: `nix store ping --store ${substituter} opened the cache (it read nix-cache-info)` });
    } else if (s3.kind === 'unsupported' && substituter.startsWith('s3://')) {
      reports.push({ id: 'local-nix-read', title: readTitle, status: 'skipped', detail: `this machine's Nix cannot open ${substituter}: it was built without S3 support (see above)` });
    } else {
      reports.push({ id: 'local-nix-read', title: readTitle, status: 'failed', detail: `Nix could not open ${substituter}: ${why}. Fix: check that nix-cache-info is in the bucket (run setup again), that the machine trusts the server's certificate, and${isPrivateCache(answers) ? " that the reader's credentials file holds the profile" : ' that anonymous reads are allowed'}.` });
    }
  } finally {
    await rm(cacheHome, { recursive: true, force: true });
  }
  return reports;
}
