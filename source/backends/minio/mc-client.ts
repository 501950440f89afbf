/**
 * The MinIO admin calls through the MinIO Client program, `mc` (answers.adminVia = "mc"), for
 * people who would rather the wizard ran the tool they know (notes/minio-admin.md):
 * - `mc --version` must say MinIO first: `mc` is also Midnight Commander's name;
 * - credentials travel only in the environment (`MC_HOST_<alias>`) and on stdin, never in argv,
 *   where every local user can read them (SPEC 10);
 * - a private `--config-dir` (a temp folder, removed after) so the user's own mc config is
 *   neither read nor written; the private CA's text is written into its `certs/CAs/`, where mc looks;
 * - `--json` output is parsed; errors are rebuilt from its code and message only, because mc
 *   echoes the new user's secret in the output of `admin user add`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { StepError } from '../../errors';
import { ConnectionError } from '../explain-connection-error';
import type { PolicyDocument } from '../../policies/write-policy';
import type { AttachOutcome, MinioAdmin, UserLookup } from './minio-admin';
import { policyUsersFrom, splitPolicyNames } from './minio-admin';
import { type AdminOperation, adminError, policyFromInfo } from './minio-admin-client';
import { type AttemptOutcome, attemptTimeoutMs, sendWithRetries } from '../../requests/request-rules';
import { type AccessKeys, sendSignedRequest } from '../signed-request';

export interface McClientOptions {
  /** `http(s)://host[:port]` */
  readonly endpoint: string;
  /** PEM text of a private CA to trust besides the system's CAs (read once, connections/) */
  readonly caPem: string | undefined;
  readonly insecure: boolean;
  readonly admin: AccessKeys;
  /** the environment mc runs with (PATH finds it) [process.env]; any MC_* variable in it is dropped */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** the program [`mc`] */
  readonly program?: string;
  /** one run of one command [MC_TIMEOUT_MS], never past the operation's deadline */
  readonly timeoutMs?: number;
}

/** The alias the wizard's own mc commands use; it lives only in the child's environment. */
const MC_ALIAS = 'ncwadmin';

/**
 * mc reads `MC_HOST_<alias>` with a regex and no URL decoding (notes/minio-admin.md): a key with
 * `:` is taken for a session token, `/ ? #` end the host part, `%` is decoded by older mc.
 */
const MC_HOST_UNSAFE = /[:@/?#%\s]/;

/** Splits mc's `--json` output: one indented JSON object after another. */
export function parseJsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (ch === '}' && depth > 0) {
      depth -= 1;
      if (depth === 0) {
        try {
          values.push(JSON.parse(text.slice(start, i + 1)) as unknown);
        } catch {
          // not JSON after all (a stray brace in plain text): skip it
        }
      }
    }
  }
  return values;
}

/**
 * mc is a Go program: a request that never reached MinIO fails with Go's words, not a MinIO error
 * code. These are the ones the wizard explains for its own requests, by the Node code of the same
 * failure, so both adminVia paths say the same (for example "nothing accepts connections").
 */
const GO_NETWORK_ERRORS: readonly (readonly [RegExp, string])[] = [
  [/connection refused/i, 'ECONNREFUSED'],
  [/no such host/i, 'ENOTFOUND'],
  [/i\/o timeout|deadline exceeded|Client\.Timeout/i, 'ETIMEDOUT'],
  [/connection reset by peer/i, 'ECONNRESET'],
  [/no route to host/i, 'EHOSTUNREACH'],
  [/network is unreachable/i, 'ENETUNREACH'],
  [/certificate signed by unknown authority|failed to verify certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/certificate has expired|certificate is not yet valid/i, 'CERT_HAS_EXPIRED'],
  [/certificate is valid for|doesn't contain any IP SANs|not valid for any names/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/server gave HTTP response to HTTPS client|first record does not look like a TLS handshake/i, 'ERR_SSL_WRONG_VERSION_NUMBER'],
  [/malformed HTTP response/i, 'HPE_INVALID_CONSTANT'],
];

/** The Node error code of a Go network or TLS failure in mc's message, if it is one. */
export function networkCodeOf(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  return GO_NETWORK_ERRORS.find(([pattern]) => pattern.test(message))?.[1];
}

interface McError {
  readonly code: string | undefined;
  readonly message: string | undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** `{"status":"error","error":{"message":…,"cause":{"message":…,"error":{"Code":…}}}}` */
function mcErrorOf(values: unknown[]): McError | undefined {
  const failure = values.map(asRecord).find((value) => value['status'] === 'error');
  if (failure === undefined) return undefined;
  const error = asRecord(failure['error']);
  const cause = asRecord(error['cause']);
  const inner = asRecord(cause['error']);
  const code = inner['Code'] ?? inner['code'];
  const message = cause['message'] ?? error['message'];
  return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
}

/** One mc command, all its requests and mc's own retries, at most this long (never past the operation's deadline). */
const MC_TIMEOUT_MS = 60_000;
/** stdout and stderr of one mc command, each */
const MC_OUTPUT_LIMIT = 256 * 1024;

/** The S3 and MinIO codes of the answers the retry rule retries (500, 503, 429, …), by the code mc reports. */
const TRANSIENT_CODES: Readonly<Record<string, string>> = {
  InternalError: '500',
  ServiceUnavailable: '503',
  SlowDown: '503',
  XMinioServerNotInitialized: '503',
  // a distributed MinIO right after it starts (seen by the cluster suite)
  XMinioAdminConfigNoQuorum: '503',
  RequestTimeout: '408',
  TooManyRequests: '429',
};

/** Why a failed mc command is worth running again (a retryable answer or a reset connection), else undefined. */
function transientFailure(error: McError | undefined): string | undefined {
  if (error === undefined) return undefined;
  const status = error.code === undefined ? undefined : TRANSIENT_CODES[error.code];
  if (status !== undefined) return `the server answered ${status}`;
  const said = /\b(408|429|500|502|503|504)\b/.exec(error.message ?? '')?.[1];
  if (said !== undefined && /status|service unavailable|bad gateway|gateway time|internal server error|too many requests|server answered/i.test(error.message ?? '')) {
    return `the server answered ${said}`;
  }
  if (networkCodeOf(error.message) === 'ECONNRESET') return 'the connection was reset';
  return undefined;
}

interface McResult {
  readonly ok: boolean;
  readonly values: unknown[];
  readonly error: McError | undefined;
}

export function createMcClient(options: McClientOptions): MinioAdmin {
  const program = options.program ?? 'mc';
  const baseEnv = options.env ?? process.env;
  const secrets = [options.admin.secretKey];
  const scrub = (text: string) => secrets.reduce((out, secret) => (secret === '' ? out : out.split(secret).join('***')), text);
  let verified: Promise<void> | undefined;

  function childEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(baseEnv)) {
      if (value !== undefined && !key.startsWith('MC_')) env[key] = value;
    }
    return env;
  }

  function hostVariable(): string {
    for (const [what, value] of [
      ['access key', options.admin.accessKey],
      ['secret key', options.admin.secretKey],
    ] as const) {
      const bad = MC_HOST_UNSAFE.exec(value);
      if (bad !== null) {
        throw new StepError(
          `The admin ${what} holds "${bad[0] === ' ' ? 'a space' : bad[0]}", which mc cannot read from MC_HOST_<alias>.`,
          'connect',
          'Use adminVia "api" (the wizard talks to MinIO itself), or give the admin user keys without : @ / ? # % or spaces.',
        );
      }
    }
    const url = new URL(options.endpoint);
    return `${url.protocol}//${options.admin.accessKey}:${options.admin.secretKey}@${url.host}`;
  }

  /**
   * mc retries a TLS failure with back-off for over a minute before it gives up (seen with the real
   * mc and an unknown CA: 79 s), so an https endpoint is first tried here with the same trust (the
   * system's CAs plus the private CA): a wrong CA or port is explained at once, in the same words as the
   * admin API path. Read-only: one GET of MinIO's health probe.
   */
  async function checkTls(): Promise<void> {
    if (!options.endpoint.startsWith('https:') || options.insecure) return;
    await sendSignedRequest(
      { endpoint: options.endpoint, region: 'us-east-1', caPem: options.caPem, insecure: false, timeoutMs: 15_000 },
      options.admin,
      { method: 'GET', path: '/minio/health/live' },
    );
  }

  function verifyProgram(): Promise<void> {
    verified ??= (async () => {
      await checkTls();
      const result = await execa(program, ['--version'], {
        env: childEnv(),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: Math.max(1, attemptTimeoutMs(15_000)),
        maxBuffer: MC_OUTPUT_LIMIT,
      });
      const code = (result as { code?: string }).code;
      if (code === 'ENOENT' || (result.failed && result.exitCode === undefined && /ENOENT/.test(String(result.message)))) {
        throw new StepError(
          `The MinIO Client \`${program}\` is not on PATH.`,
          'connect',
          'Install the MinIO Client (https://min.io/docs/minio/linux/reference/minio-mc.html), or use adminVia "api", which needs no program.',
        );
      }
      const output = `${String(result.stdout)}\n${String(result.stderr)}`;
      if (!/minio/i.test(output)) {
        const first = output.trim().split('\n')[0] ?? '';
        throw new StepError(
          `The \`${program}\` on PATH is not the MinIO Client (its --version says "${first.slice(0, 80)}"); it is probably Midnight Commander, which has the same name.`,
          'connect',
          'Put the MinIO Client first on PATH (some distributions call it mcli), or use adminVia "api", which needs no program.',
        );
      }
    })();
    return verified;
  }

  /**
   * runs `mc --config-dir D --json [--insecure] <command> <args>` in a private config dir. mc applies
   * its global flags only BEFORE the command words: after them `--config-dir` is ignored, so a CA in
   * D/certs/CAs is never trusted and mc creates `~/.mc` in the user's home instead (seen with the
   * real mc RELEASE.2025-08-13).
   */
  async function run(command: readonly string[], args: readonly string[], extra: { input?: string; files?: Record<string, string>; safe?: boolean } = {}): Promise<McResult> {
    await verifyProgram();
    const env = childEnv();
    env[`MC_HOST_${MC_ALIAS}`] = hostVariable();
    const configDir = mkdtempSync(join(tmpdir(), 'ncw-mc-'));
    try {
      if (options.caPem !== undefined) {
        const cas = join(configDir, 'certs', 'CAs');
        mkdirSync(cas, { recursive: true, mode: 0o700 });
        writeFileSync(join(cas, 'ca.pem'), options.caPem, { mode: 0o600 });
      }
      const fileArgs = Object.entries(extra.files ?? {}).map(([name, content]) => {
        const path = join(configDir, name);
        writeFileSync(path, content, { mode: 0o600 });
        return path;
      });
      const argv = ['--config-dir', configDir, '--json', ...(options.insecure ? ['--insecure'] : []), ...command, ...args, ...fileArgs];
      const once = async (timeoutMs: number): Promise<AttemptOutcome<McResult>> => {
        const result = await execa(program, argv, {
          env,
          extendEnv: false,
          reject: false,
          timeout: timeoutMs,
          // what these commands print is a few KiB; more is a broken or hostile answer echoed
          maxBuffer: MC_OUTPUT_LIMIT,
          ...(extra.input === undefined ? { stdin: 'ignore' as const } : { input: extra.input }),
        });
        if (result.isMaxBuffer) {
          throw new StepError(`\`mc ${command.join(' ')}\` printed more than ${MC_OUTPUT_LIMIT / 1024} KiB; the server's answer cannot be right.`, 'connect', `Check that ${options.endpoint} is a MinIO server.`);
        }
        const values = parseJsonValues(`${String(result.stdout)}\n${String(result.stderr)}`);
        const ok = result.exitCode === 0 && !values.some((value) => asRecord(value)['status'] === 'error');
        if (!ok && result.timedOut) {
          throw new StepError(`\`mc ${command.join(' ')}\` did not finish in time (${Math.round(timeoutMs / 1000)} s).`, 'connect', `Check that ${options.endpoint} answers.`);
        }
        let error = mcErrorOf(values);
        if (!ok && error === undefined) {
          // `admin user add` prints the new secret on stdout: never take text from it.
          const echoesSecret = command.join(' ') === 'admin user add';
          const text = scrub(`${String(result.stderr)} ${echoesSecret ? '' : String(result.stdout)}`).trim();
          error = { code: /deprecated command/i.test(text) ? 'DeprecatedCommand' : undefined, message: text.slice(0, 300) || `exit code ${String(result.exitCode)}` };
        }
        const outcome: McResult = { ok, values, error: error === undefined ? undefined : { code: error.code, message: error.message === undefined ? undefined : scrub(error.message) } };
        const transient = ok ? undefined : transientFailure(outcome.error);
        return transient === undefined ? { done: outcome } : { retry: transient, last: outcome, refused: /answered (503|429)$/.test(transient) };
      };
      // An mc command of the wizard is safe to run twice (the same policy; an attach already made
      // says so), so a transient failure runs it again; except setting a secret (`safe: false`).
      return await sendWithRetries(extra.safe ?? true, once, options.timeoutMs ?? MC_TIMEOUT_MS);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  }

  function fail(operation: AdminOperation, result: McResult, command: string): StepError {
    const network = result.error?.code === undefined ? networkCodeOf(result.error?.message) : undefined;
    if (network !== undefined) return new ConnectionError(options.endpoint, { code: network });
    if (result.error?.code === 'DeprecatedCommand') {
      return new StepError(`This mc does not know \`mc ${command}\` the way the wizard uses it.`, 'connect', 'Install a current MinIO Client, or use adminVia "api".');
    }
    return adminError(operation, options.endpoint, options.admin.accessKey, undefined, { code: result.error?.code, message: result.error?.message });
  }

  return {
    via: 'mc',

    async userInfo(accessKey): Promise<UserLookup> {
      const result = await run(['admin', 'user', 'info'], [MC_ALIAS, accessKey]);
      if (!result.ok) {
        if (result.error?.code === 'XMinioAdminNoSuchUser' || /user does not exist/i.test(result.error?.message ?? '')) return { exists: false };
        throw fail('user-info', result, 'admin user info');
      }
      const info = asRecord(result.values.map(asRecord).find((value) => value['status'] === 'success'));
      const status = info['userStatus'];
      return { exists: true, status: typeof status === 'string' ? status : 'enabled', policyNames: splitPolicyNames(info['policyName']) };
    },

    async addUser(accessKey, secretKey) {
      secrets.push(secretKey);
      // mc's documented piped form: the keys on stdin, nothing secret in argv.
      // Not run twice: it sets a secret; a lost answer goes through the pending-secret path.
      const result = await run(['admin', 'user', 'add'], [MC_ALIAS], { input: `${accessKey}\n${secretKey}\n`, safe: false });
      if (!result.ok) throw fail('add-user', result, 'admin user add');
    },

    async cannedPolicyInfo(name) {
      const result = await run(['admin', 'policy', 'info'], [MC_ALIAS, name]);
      if (!result.ok) {
        if (result.error?.code === 'XMinioAdminNoSuchPolicy' || /is not found|does not exist/i.test(result.error?.message ?? '')) return undefined;
        throw fail('policy-info', result, 'admin policy info');
      }
      const info = asRecord(result.values.map(asRecord).find((value) => value['status'] === 'success'));
      // current mc: {"policyInfo": {"PolicyName", "Policy"}}; older: {"policyJSON": {...}}
      return 'policyInfo' in info ? policyFromInfo(info['policyInfo']) : info['policyJSON'];
    },

    async addCannedPolicy(name: string, document: PolicyDocument) {
      const result = await run(['admin', 'policy', 'create'], [MC_ALIAS, name], { files: { 'policy.json': JSON.stringify(document, null, 2) } });
      if (!result.ok) throw fail('add-policy', result, 'admin policy create');
    },

    async attachPolicy(policyName, user): Promise<AttachOutcome> {
      const result = await run(['admin', 'policy', 'attach'], [MC_ALIAS, policyName, '--user', user]);
      if (result.ok) return 'attached';
      if (result.error?.code === 'XMinioAdminPolicyChangeAlreadyApplied' || /already in effect|already applied/i.test(result.error?.message ?? '')) {
        return 'already-attached';
      }
      throw fail('attach', result, 'admin policy attach');
    },

    async policyUsers() {
      const result = await run(['admin', 'policy', 'entities'], [MC_ALIAS]);
      if (!result.ok) throw fail('policy-users', result, 'admin policy entities');
      const info = asRecord(result.values.map(asRecord).find((value) => value['status'] === 'success'));
      return policyUsersFrom(info['result']);
    },
  };
}
