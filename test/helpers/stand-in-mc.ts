/**
 * A stand-in for the `mc` program, for what the real mc cannot show: a `mc` that is GNU Midnight
 * Commander, and a mc that fails with plain text echoing its stdin. Everything else runs the real
 * mc against a real MinIO (test/integration/minio-admin.test.ts). An executable `mc` in a temp
 * folder meant to be put first on PATH. It records every invocation (argv, the MC_HOST_* environment, stdin, and what
 * it saw of the config dir and policy file) to a JSON log, and answers like the MinIO Client
 * does with `--json` (indented JSON objects; `admin user add` echoes the secret, as mc does), from
 * users and policies kept in a state file. The `midnight-commander` variant answers `--version`
 * like GNU Midnight Commander, the other program called `mc`.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface StandInUser {
  secretKey: string;
  status: 'enabled' | 'disabled';
  policies: string[];
}

export interface StandInState {
  variant: 'minio' | 'midnight-commander';
  /** the keys the pretend server accepts in MC_HOST_<alias> */
  admin: { accessKey: string; secretKey: string };
  users: Record<string, StandInUser>;
  policies: Record<string, unknown>;
  /** commands (`admin user add`, …) that fail with exit code 1 after printing this plain text, stdin included */
  failWithText?: Record<string, string>;
  /** commands (`admin user add`, …) that fail this many more times with mc's JSON for a 503 (ServiceUnavailable) before they work */
  failTransiently?: Record<string, number>;
}

export interface McInvocation {
  argv: string[];
  /** only the MC_* variables */
  env: Record<string, string>;
  stdin: string;
  /** the --config-dir given, and whether it existed while mc ran */
  configDir: string | null;
  configDirExisted: boolean;
  /** the files in <config-dir>/certs/CAs while mc ran */
  caFiles: string[];
  /** for `admin policy create`: the file's mode (octal string) and content */
  policyFile?: { path: string; mode: string; content: string };
  exitCode: number;
}

export interface StandInMc {
  /** the folder holding `mc` */
  readonly dir: string;
  /** process.env with the folder first on PATH */
  readonly env: Record<string, string | undefined>;
  invocations(): McInvocation[];
  state(): StandInState;
}

const SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const [stateFile, logFile] = process.argv.slice(2, 4);
const argv = process.argv.slice(4);
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
let stdin = '';
try { stdin = fs.readFileSync(0, 'utf8'); } catch {}
const env = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith('MC_')) env[k] = v;
const flags = {}; const positional = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  // like the real mc: --config-dir counts only before the first command word
  if ((a === '--config-dir' || a === '-C') && positional.length > 0) { i++; continue; }
  if (a === '--config-dir' || a === '-C' || a === '--user' || a === '--group') flags[a] = argv[++i];
  else if (a.startsWith('--')) flags[a] = true;
  else positional.push(a);
}
const entry = { argv, env, stdin, configDir: flags['--config-dir'] ?? flags['-C'] ?? null, configDirExisted: false, exitCode: 0 };
if (entry.configDir) entry.configDirExisted = fs.existsSync(entry.configDir);
const casDir = entry.configDir ? path.join(entry.configDir, 'certs', 'CAs') : '';
entry.caFiles = casDir && fs.existsSync(casDir) ? fs.readdirSync(casDir).sort() : [];
const out = (obj) => process.stdout.write(JSON.stringify(obj, null, ' ') + '\n');
function finish(code) {
  entry.exitCode = code;
  const log = fs.existsSync(logFile) ? JSON.parse(fs.readFileSync(logFile, 'utf8')) : [];
  log.push(entry);
  fs.writeFileSync(logFile, JSON.stringify(log, null, 1));
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 1));
  process.exit(code);
}
function fail(message, code, causeMessage) {
  out({ status: 'error', error: { message, cause: { message: causeMessage, error: { Code: code, Message: causeMessage, BucketName: '', Key: '', RequestID: '', HostID: '', Region: '' } }, type: 'fatal', sysinfo: {} } });
  finish(1);
}
if (argv[0] === '--version' || argv[0] === '-v') {
  if (state.variant === 'minio') {
    process.stdout.write('mc version RELEASE.2025-08-13T08-35-41Z (commit-id=7394ce0dd2a80935aded936b09fa12cbb3cb8096)\nRuntime: go1.24.6 linux/amd64\nCopyright (c) 2015-2025 MinIO, Inc.\nLicense GNU AGPLv3 <https://www.gnu.org/licenses/agpl-3.0.html>\n');
  } else {
    process.stdout.write('GNU Midnight Commander 4.8.30\nBuilt with GLib 2.80.0\nUsing the S-Lang library with terminfo database\n');
  }
  finish(0);
}
if (state.variant !== 'minio') { process.stderr.write('mc: unknown option\n'); finish(1); }
const alias = positional[3];
const host = alias === undefined ? undefined : process.env['MC_HOST_' + alias];
const keys = host === undefined ? null : /^(https?:\/\/)(.*?):(.*)@(.*?)$/.exec(host);
if (!keys) fail('Unable to initialize admin connection.', 'InvalidArgument', 'No such alias ' + alias);
if (keys[2] !== state.admin.accessKey) fail('Unable to run the command.', 'InvalidAccessKeyId', 'The Access Key Id you provided does not exist in our records.');
if (keys[3] !== state.admin.secretKey) fail('Unable to run the command.', 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
const command = positional.slice(0, 3).join(' ');
if (state.failTransiently && state.failTransiently[command] > 0) {
  state.failTransiently[command] -= 1;
  fail('Unable to run the command.', 'ServiceUnavailable', 'Service Unavailable, please try again.');
}
if (state.failWithText && state.failWithText[command] !== undefined) {
  process.stdout.write(state.failWithText[command] + ' ' + stdin + '\n');
  process.stderr.write('mc: <ERROR> ' + state.failWithText[command] + '\n');
  finish(1);
}
if (command === 'admin user info') {
  const name = positional[4]; const user = state.users[name];
  if (!user) fail('Unable to get user info', 'XMinioAdminNoSuchUser', 'The specified user does not exist. Check the user name and try again.');
  out({ status: 'success', accessKey: name, ...(user.policies.length ? { policyName: user.policies.join(',') } : {}), userStatus: user.status });
  finish(0);
}
if (command === 'admin user add') {
  const [accessKey, secretKey] = stdin.split('\n');
  const existing = state.users[accessKey];
  state.users[accessKey] = { secretKey, status: 'enabled', policies: existing ? existing.policies : [] };
  out({ status: 'success', accessKey, secretKey, userStatus: 'enabled' });
  finish(0);
}
if (command === 'admin policy info') {
  const name = positional[4]; const policy = state.policies[name];
  if (policy === undefined) fail('Unable to fetch policy', 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.');
  out({ status: 'success', policy: name, policyInfo: { PolicyName: name, Policy: policy, CreateDate: '2026-01-01T00:00:00Z', UpdateDate: '2026-01-01T00:00:00Z' }, isGroup: false });
  finish(0);
}
if (command === 'admin policy create') {
  const [name, file] = [positional[4], positional[5]];
  const stat = fs.statSync(file);
  const content = fs.readFileSync(file, 'utf8');
  entry.policyFile = { path: file, mode: (stat.mode & 0o777).toString(8), content };
  state.policies[name] = JSON.parse(content);
  out({ status: 'success', policy: name, isGroup: false });
  finish(0);
}
if (command === 'admin policy attach') {
  const [name, userName] = [positional[4], flags['--user']];
  const user = state.users[userName];
  if (!user) fail('Unable to get user policy info', 'XMinioAdminNoSuchUser', 'The specified user does not exist. Check the user name and try again.');
  if (state.policies[name] === undefined) fail('Unable to make user/group policy association', 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.');
  // the real mc turns MinIO's XMinioAdminPolicyChangeAlreadyApplied into success
  if (!user.policies.includes(name)) user.policies.push(name);
  out({ status: 'success', policiesAttached: [name], user: userName });
  finish(0);
}
process.stdout.write('mc: ' + command + ' is not a command here.\n');
finish(1);
`;

export function installStandInMc(options: {
  variant?: StandInState['variant'];
  admin: StandInState['admin'];
  users?: StandInState['users'];
  policies?: StandInState['policies'];
  failWithText?: StandInState['failWithText'];
  failTransiently?: StandInState['failTransiently'];
}): StandInMc {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-stand-in-mc-'));
  const stateFile = join(dir, 'state.json');
  const logFile = join(dir, 'invocations.json');
  const state: StandInState = { variant: options.variant ?? 'minio', admin: options.admin, users: options.users ?? {}, policies: options.policies ?? {}, ...(options.failWithText === undefined ? {} : { failWithText: options.failWithText }), ...(options.failTransiently === undefined ? {} : { failTransiently: options.failTransiently }) };
  writeFileSync(stateFile, JSON.stringify(state));
  writeFileSync(join(dir, 'stand-in-mc.cjs'), SCRIPT);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    join(dir, 'mc'),
    `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(join(dir, 'stand-in-mc.cjs'))} ${quote(stateFile)} ${quote(logFile)} "$@"\n`,
  );
  chmodSync(join(dir, 'mc'), 0o755);
  return {
    dir,
    env: { ...process.env, PATH: `${dir}${delimiter}${process.env['PATH'] ?? ''}` },
    invocations: () => {
      try {
        return JSON.parse(readFileSync(logFile, 'utf8')) as McInvocation[];
      } catch {
        return [];
      }
    },
    state: () => JSON.parse(readFileSync(stateFile, 'utf8')) as StandInState,
  };
}
