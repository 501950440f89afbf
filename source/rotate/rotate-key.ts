/**
 * `nix-cache-wizard rotate key [--drop-old [--force]]` (SPEC 8): a new signing key that every path
 * already in the cache keeps being trusted under.
 *
 *   keep-old   the current secret key copied beside it as `<secretFile>.<old name>` (0600; the
 *              wizard never deletes it)
 *   remember   the old public key recorded as still trusted (state folder; answer `key.trusted`),
 *              BEFORE the key file changes, so no later run can render a module without it
 *   new-key    `NAME-(n+1)` written over the secret key file (atomically, the file backed up
 *              first); the builder module names that path, so the builder signs with the new key
 *   files      the public key file, and the NixOS module and nix.conf snippet trusting both keys
 *   resign     every narinfo validly signed by an old key gets a signature by the new one
 *
 * Running it again while a rotation is under way (old keys still trusted) makes no new key: it
 * renders the files again and finishes the re-signing, which skips what is already signed. So an
 * interrupted run is finished by running the same command. `--drop-old` ends the rotation: the
 * module and snippet trust only the current key; refused (with the count) while narinfos signed
 * only by an old key remain, unless `--force`. The next `rotate key` then makes the next key.
 *
 * The narinfos are written with the BUILDER's credentials: it wrote them, it may GET, LIST and
 * PUT in this bucket and delete nothing, while the admin keys could do anything on the server.
 * On Ceph an object the admin overwrote would also change owner (notes/ceph-rgw.md).
 */
import { chmod, constants, copyFile, open } from 'node:fs/promises';
import type { Answers } from '../answers/answers';
import { connectionsFor, type Connections } from '../connections/connections';
import { serverTraits } from '../backends/s3/s3-documents';
import type { Effects } from '../effects';
import { StepError, UsageError } from '../errors';
import { whyNotWritable } from '../files/check-writable';
import { commentLine } from '../files/comment-text';
import { planFiles } from '../files/plan-files';
import type { FileReport, PlannedFile } from '../files/planned-file';
import { resolveFilePath } from '../files/resolve-file-path';
import { writePlannedFiles } from '../files/write-planned-files';
import { nativeSigner, nativeVerifier } from '../keys/native-ed25519';
import { nextKeyName } from '../keys/next-key-name';
import { parseNixPublicKey } from '../keys/nix-public-key';
import { generateNixSecretKey, parseNixSecretKey, type NixSecretKey } from '../keys/nix-secret-key';
import { wizardCommandLine } from '../text/wizard-command';
import { knownBuilderSecret, readIfExists } from '../session/prepare-secrets';
import { resignCache, type ResignEvent, type ResignResult } from './resign-cache';
import { rotationSteps, type RotationEvent, type RotationReport } from './rotation-steps';
import { acquireSetupLock } from '../state/setup-lock';
import { readRotationState, rotationStatePath, trustedPublicKeys, writeRotationState } from '../state/rotation-state';

/** Where a test stops the run, as a crash would. */
export type KeyRotationPoint = 'old-key-kept' | 'trust-remembered' | 'new-key-written' | 'files-written';

export interface RotateKeyInput {
  readonly answers: Answers;
  readonly effects: Effects;
  /** end the rotation: trust only the current key */
  readonly dropOld?: boolean;
  /** with dropOld: even while narinfos signed only by an old key remain */
  readonly force?: boolean;
  readonly onEvent?: (event: RotationEvent | ResignEvent) => void;
  /** re-signing requests in flight at once [16] */
  readonly concurrency?: number;
  /** fault injection for tests: throwing here stops the run at that point */
  readonly at?: (point: KeyRotationPoint) => void | Promise<void>;
}

export interface RotateKeyResult {
  readonly steps: readonly RotationReport[];
  readonly files: readonly FileReport[];
  readonly next: readonly string[];
  /** the key that signs from now on, and the previous ones still trusted */
  readonly currentKey: string;
  readonly trusted: readonly string[];
  /** what re-signing found (undefined when it did not run) */
  readonly resign: ResignResult | undefined;
}

/** The path the old secret key is kept at: beside the key file, named after the key. */
export function keptKeyPath(secretKeyPath: string, keyName: string): string {
  return `${secretKeyPath}.${keyName.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export function keyRotationWarning(answers: Answers, dropOld: boolean): string {
  if (dropOld) {
    return [
      `rotate key --drop-old makes the NixOS module ${answers.files.nixosModule} and the snippet ${answers.files.nixConf} trust only the current key.`,
      'A machine rebuilt with them refuses every path signed only by an old key, and one whose Nix remembered a narinfo from before the re-signing (up to 30 days) refuses that path until it asks again.',
    ].join('\n');
  }
  return [
    `rotate key makes a new signing key at ${answers.key.secretFile} (the current one is kept beside it), trusts both in ${answers.files.nixosModule} and ${answers.files.nixConf},`,
    `and adds a signature by the new key to every narinfo in ${answers.bucket} that the current key signed (with the builder's credentials). Nothing stops working;`,
    'machines trust the new key once they are rebuilt with the new module.',
  ].join('\n');
}

async function loadCurrentKey(answers: Answers, effects: Effects): Promise<{ key: NixSecretKey; path: string }> {
  const path = resolveFilePath(answers.key.secretFile, effects);
  const text = await readIfExists(path);
  if (text === null) throw new UsageError(`key.secretFile: there is no signing key at ${answers.key.secretFile} to rotate; run \`${wizardCommandLine(effects.env, 'setup')}\` first.`, 'key.secretFile');
  return { key: parseNixSecretKey(text, path), path };
}

/** The files a key change rewrites: public key, module, snippet. */
function keyFiles(answers: Answers, effects: Effects, current: NixSecretKey, trusted: readonly string[]): PlannedFile[] {
  return planFiles({ answers, base: effects, publicKeys: trustedPublicKeys(current.publicKeyText(), trusted), publicKeyText: current.publicKeyText() }).filter((file) =>
    ['nixosModule', 'nixConf', 'publicKey'].includes(file.id),
  );
}

async function builderClient(answers: Answers, effects: Effects, connections: Connections) {
  const builder = await knownBuilderSecret(answers, effects);
  if (builder.source !== 'answers' && builder.source !== 'aws-profile') {
    throw new StepError(
      `Re-signing writes the narinfos with the builder's keys, and no secret for ${answers.builder.accessKey} is known (not in the answers, not in the AWS profile [${answers.builder.profile}]).`,
      'resign',
      `Run \`${wizardCommandLine(effects.env, 'setup')}\` (or \`${wizardCommandLine(effects.env, 'rotate credentials')}\`) so the profile holds it, or give builder.secretKey.`,
    );
  }
  return connections.s3({ accessKey: answers.builder.accessKey, secretKey: builder.secret as string });
}

function resignDetail(result: ResignResult, dryRun: boolean): string {
  const c = result.counts;
  const parts = [
    `${c.seen} narinfos: ${c.signed} ${dryRun ? 'signed only by an old key' : 're-signed'}, ${c.already} already signed by the new key`,
    `${c.tampered} with an old-key signature that does not verify (left alone${result.tamperedNames.length ? `, e.g. ${result.tamperedNames.slice(0, 3).join(', ')}` : ''})`,
    `${c.notOld} not signed by an old key`,
  ];
  if (c.unreadable) parts.push(`${c.unreadable} unreadable or compressed (left alone)`);
  if (c.failed) parts.push(`${c.failed} failed (${result.failures[0]?.error ?? 'error'}; run again to retry)`);
  return parts.join('; ');
}

/** Nix remembers narinfos (signatures included) for narinfo-cache-positive-ttl, 30 days (notes/nix.md). */
const POSITIVE_TTL_DAYS = 30;

function cachedNarinfoNote(resignedAt: string | undefined, now: Date): string[] {
  const since = resignedAt === undefined ? undefined : (now.getTime() - Date.parse(resignedAt)) / 86_400_000;
  if (since !== undefined && since >= POSITIVE_TTL_DAYS) return [];
  const until = resignedAt === undefined ? undefined : new Date(Date.parse(resignedAt) + POSITIVE_TTL_DAYS * 86_400_000).toISOString().slice(0, 10);
  return [
    `# A machine whose Nix looked a path up before the re-signing remembers it with the old signature only (narinfo-cache-positive-ttl, ${POSITIVE_TTL_DAYS} days)`,
    `# and refuses it under the new key alone${until ? ` until ${until}` : ''}: rebuild such machines after that, or clear their cache first:`,
    'sudo rm -f /root/.cache/nix/binary-cache-v*.sqlite*',
  ];
}

export async function rotateKey(input: RotateKeyInput): Promise<RotateKeyResult> {
  const { answers, effects } = input;
  // One run per setup at a time (SPEC 10): a setup running meanwhile would render the module from
  // the key file and the trusted keys while they change.
  const lock = await acquireSetupLock({ endpoint: answers.endpoint, bucket: answers.bucket }, effects);
  try {
    return await rotateKeyLocked(input);
  } finally {
    await lock.release();
  }
}

async function rotateKeyLocked(input: RotateKeyInput): Promise<RotateKeyResult> {
  const { answers, effects } = input;
  const { key: current, path: secretPath } = await loadCurrentKey(answers, effects);
  // caFile is read now (bad input, exit 2, before the first change), not when the re-signing starts
  const connections = await connectionsFor(answers, effects);
  const statePath = rotationStatePath(effects, answers.endpoint, answers.bucket);
  const previous = answers.key.trusted.filter((key) => key !== current.publicKeyText());
  for (const [index, text] of previous.entries()) parseNixPublicKey(text, `key.trusted[${index}]`);
  const steps = rotationSteps(input.onEvent);
  const files: FileReport[] = [];
  const writeKeyFiles = async (key: NixSecretKey, trusted: readonly string[]) => {
    const reports = await writePlannedFiles(keyFiles(answers, effects, key, trusted), { dryRun: false, effects });
    files.push(...reports);
    const changed = reports.filter((r) => r.action !== 'unchanged');
    return { status: changed.length ? ('changed' as const) : ('done' as const), detail: reports.map((r) => `${r.path}: ${r.action}`).join('; ') };
  };

  // Every local target checked, and every file parsed, before the first change.
  for (const [field, path] of [
    ['key.secretFile', secretPath],
    ['the state folder', statePath],
  ] as const) {
    const why = await whyNotWritable(path);
    if (why !== undefined) throw new UsageError(`${field}: ${path} cannot be written (${why}); nothing was changed.`, field === 'key.secretFile' ? field : undefined);
  }
  await writePlannedFiles(keyFiles(answers, effects, current, previous), { dryRun: true, effects });

  if (input.dropOld) {
    if (previous.length === 0) {
      await steps.run('drop-old', 'Trust only the current key', async () => ({ status: 'done', detail: `only ${current.name} is trusted already` }));
      await steps.run('files', 'Write the public key, the NixOS module and the nix.conf snippet', () => writeKeyFiles(current, []));
      return { steps: steps.reports, files, next: [], currentKey: current.publicKeyText(), trusted: [], resign: undefined };
    }
    let scan: ResignResult | undefined;
    if (!input.force) {
      await steps.run('count', 'Count the narinfos signed only by an old key', async () => {
        scan = await resignCache({ ...(await resignInput()), dryRun: true });
        return { status: 'done', detail: resignDetail(scan, true) };
      });
      const left = (scan?.counts.signed ?? 0) + (scan?.counts.failed ?? 0);
      if (left > 0) {
        throw new UsageError(
          `rotate key --drop-old: ${scan?.counts.signed ?? 0} narinfo(s) in ${answers.bucket} are signed only by an old key${scan?.counts.failed ? ` and ${scan.counts.failed} could not be read` : ''}; ` +
            `machines trusting only the new key would refuse those paths. Run \`${wizardCommandLine(effects.env, 'rotate key')}\` to re-sign them (and make sure the builder signs with the new key), or pass --force. Nothing was changed.`,
          '--drop-old',
        );
      }
    }
    const resignedAt = (await readRotationState(statePath))?.resignedAt;
    await steps.run('drop-old', 'Trust only the current key', async () => {
      await writeRotationState(statePath, { trusted: [] });
      return { status: 'changed', detail: `no longer trusted: ${previous.map((k) => k.slice(0, k.indexOf(':'))).join(', ')}` };
    });
    await steps.run('files', 'Write the public key, the NixOS module and the nix.conf snippet', () => writeKeyFiles(current, []));
    return {
      steps: steps.reports,
      files,
      next: [
        '# Rebuild every machine with the module (sudo nixos-rebuild switch), or put the snippet in its nix.conf and restart nix-daemon:',
        commentLine(`from then on it trusts only ${current.name}.`),
        ...cachedNarinfoNote(resignedAt, effects.now()),
      ],
      currentKey: current.publicKeyText(),
      trusted: [],
      resign: scan,
    };
  }

  // A rotation is under way when old keys are still trusted and the current key is not one of
  // them: this run finishes it instead of making another key.
  const underWay = previous.length > 0;
  let signing = current;
  let trusted = previous;
  if (!underWay) {
    const keptPath = keptKeyPath(secretPath, current.name);
    await steps.run('keep-old', 'Keep the current secret key beside the new one', async () => {
      const text = current.secretKeyText();
      const existing = await readIfExists(keptPath);
      if (existing !== null) {
        if (existing.replace(/\n+$/, '') !== text) throw new StepError(`${keptPath} exists and holds another key; it was left as it was.`, 'keep-old', 'Move it away, then run again.');
        return { status: 'done', detail: `${keptPath} holds it already` };
      }
      // copyFile keeps the bytes exactly as they were (a trailing newline, say); EXCL never overwrites.
      await copyFile(secretPath, keptPath, constants.COPYFILE_EXCL);
      await chmod(keptPath, 0o600);
      const handle = await open(keptPath, 'r');
      await handle.sync().finally(() => handle.close());
      return { status: 'changed', detail: `copied to ${keptPath} (0600; the wizard never deletes it)` };
    });
    await input.at?.('old-key-kept');
    trusted = [current.publicKeyText(), ...previous];
    await steps.run('remember', 'Remember the old public key as still trusted', async () => {
      await writeRotationState(statePath, { trusted });
      return { status: 'changed', detail: `${current.name} stays trusted until \`rotate key --drop-old\`` };
    });
    await input.at?.('trust-remembered');
    const taken = new Set(trusted.map((k) => k.slice(0, k.indexOf(':'))));
    let name = nextKeyName(current.name);
    while (taken.has(name)) name = nextKeyName(name);
    const fresh = generateNixSecretKey(name, (n) => effects.randomBytes(n));
    await steps.run('new-key', `Write the new key ${name}`, async () => {
      const file: PlannedFile = {
        id: 'secretKey',
        title: 'Signing secret key',
        path: secretPath,
        mode: 0o600,
        secret: true,
        render: () => fresh.secretKeyText(),
        renderMasked: () => `${name}:********`,
      };
      const reports = await writePlannedFiles([file], { dryRun: false, effects });
      files.push(...reports);
      return { status: 'changed', detail: `${secretPath} now holds ${name}` };
    });
    signing = fresh;
    await input.at?.('new-key-written');
  } else {
    await steps.run('new-key', 'Make the new key', async () => ({
      status: 'done',
      detail: `a rotation is under way: ${current.name} signs, ${previous.map((k) => k.slice(0, k.indexOf(':'))).join(', ')} still trusted; finishing it (to rotate again, first \`rotate key --drop-old\`)`,
    }));
  }
  await steps.run('files', 'Write the public key, and the NixOS module and nix.conf snippet trusting both keys', () => writeKeyFiles(signing, trusted));
  await input.at?.('files-written');

  let resign: ResignResult | undefined;
  await steps.run('resign', `Re-sign the narinfos in ${answers.bucket} with ${signing.name}`, async () => {
    resign = await resignCache(await resignInput(signing, trusted));
    if (resign.counts.failed > 0) {
      throw new StepError(`${resignDetail(resign, false)}.`, 'resign', `Run \`${wizardCommandLine(effects.env, 'rotate key')}\` again: it re-signs only what is left.`);
    }
    await writeRotationState(statePath, { trusted, resignedAt: effects.now().toISOString() });
    return { status: resign.counts.signed > 0 ? 'changed' : 'done', detail: resignDetail(resign, false) };
  });

  const next = [
    '# Rebuild every machine with the module (sudo nixos-rebuild switch), or put the snippet in its nix.conf and restart nix-daemon: it then trusts both keys.',
    commentLine(`The builder signs with ${signing.name} from now on: copy ${answers.key.secretFile} to it if it is another machine, and restart its nix-daemon (sudo systemctl restart nix-daemon).`),
    commentLine(`Once every machine is rebuilt and the builder signs with the new key: ${wizardCommandLine(effects.env, 'rotate key --drop-old')}`),
  ];
  return { steps: steps.reports, files, next, currentKey: signing.publicKeyText(), trusted, resign };

  async function resignInput(key: NixSecretKey = current, oldKeys: readonly string[] = previous) {
    const signer = nativeSigner(key);
    return {
      client: await builderClient(answers, effects, connections),
      bucket: answers.bucket,
      ifMatch: serverTraits(answers.backend).ifMatch,
      oldKeys: oldKeys.map((text, index) => nativeVerifier(parseNixPublicKey(text, `key.trusted[${index}]`))),
      newKey: { ...signer, verify: nativeVerifier(key.publicKey()).verify },
      ...(input.concurrency === undefined ? {} : { concurrency: input.concurrency }),
      ...(input.onEvent ? { onProgress: input.onEvent } : {}),
    };
  }
}
