/**
 * The rules every request the wizard sends goes by (issue 16, issue 20), whichever client sends it
 * (the `minio` S3 client's transport, signed-request.ts for both admin APIs, `mc` runs):
 *  - a deadline for the whole exchange: one attempt may take `REQUEST_TIMEOUT_MS` from the first
 *    byte sent to the last byte of the answer's body, never past the operation's deadline. An idle
 *    timeout alone is not enough: a server dripping a byte every 2 s is never idle for 30 s;
 *  - a size limit on every answer, fitting what it carries (responseLimit): an endless or huge
 *    body fails the request instead of growing the process;
 *  - one retry rule, what every AWS SDK retries: 500, 502, 503, 504, 429, 408, a connection
 *    reset and an attempt that ran out of its time, with jittered exponential backoff, at most
 *    `RETRY_ATTEMPTS` attempts, and never past the operation's deadline (so a server that drips
 *    costs no more than that deadline). Behind a balancer the next attempt, on a connection of its
 *    own, may reach another node: a distributed MinIO's node started again was seen holding reads
 *    past 30 s while the others answered at once (issue 20). A request that sets a secret (MinIO
 *    add-user, RGW making a user or a key) is not safe to send twice: it goes again only after an
 *    answer saying the server did not carry it out (503, 429); after a reset connection, a timeout,
 *    a 500 or a gateway's 502/504 (it may have been done, its answer lost) it fails at once, and
 *    the pending-secret path takes over
 *    (the secret saved before MinIO's add-user is checked by the next run; RGW is asked for the
 *    secret it holds) instead of a blind resend. An answer that the server does not know the
 *    access key (InvalidAccessKeyId) is tried again too, on another connection, as
 *    keysUnknownOutcome says: a node that has not loaded a user the others know (issue 20).
 *
 * The rules of the running operation (its deadline, the clock, the backoff's sleep and randomness,
 * who is told about a retry and the retry count) travel with the async work in an
 * AsyncLocalStorage: the CLI entry sets them once from its Effects (STYLE 5: tests inject an
 * instant sleep), and an operation narrows them (`withDeadline`, `onRetries`) around its work.
 * Threading them through every client's constructor would take a parameter on a dozen call sites
 * that would all pass the same thing, and a forgotten one would silently lose the deadline.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** One attempt of one request, headers and body, at most this long. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Attempts of one request at most, the first included. */
export const RETRY_ATTEMPTS = 4;
/** The backoff before the second attempt; it doubles for each one after (jittered: half to all of it). */
export const RETRY_BASE_MS = 1_000;
/** A retry is not started when less than this is left before the deadline: it could not finish. */
const MIN_ATTEMPT_MS = 1_000;

/** What every AWS SDK retries (and minio-go, whose list adds 499 and 520 from some proxies). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/** A connection the server or something between closed under the request, or an attempt out of its time. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export function isRetryableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** Said when a request is tried again: shown by the UI and --plain, counted in --json. */
export interface RetryNotice {
  /** what happened, e.g. "the server answered 503" */
  readonly reason: string;
  readonly waitMs: number;
  /** the attempt about to be made (2 for the first retry) */
  readonly attempt: number;
  readonly attempts: number;
  /** "the server answered 503; trying again in 2 s, attempt 2 of 4" */
  readonly text: string;
}

export interface RequestRules {
  /** when the running operation must be over (ms since the epoch); Infinity for no more than each request's own */
  readonly deadline: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** [0, 1), for the backoff's jitter */
  readonly random: () => number;
  readonly onRetry: ((notice: RetryNotice) => void) | undefined;
  /** retries made in this command, for --json (shared by every narrower scope of it) */
  readonly counts: { retries: number };
  /**
   * `host:port accessKey` of the keys a server has taken in this command (an answer below 400 to
   * a request signed by them): a node that then says it does not know them is one lagging behind
   * the others (see keysUnknownOutcome). Shared by every narrower scope, as `counts`.
   */
  readonly takenKeys: Set<string>;
  /** `host:port` of the servers that gave any HTTP answer in this command (shared, as `counts`) */
  readonly answered: Set<string>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function defaultRules(): RequestRules {
  return { deadline: Infinity, now: Date.now, sleep: realSleep, random: Math.random, onRetry: undefined, counts: { retries: 0 }, takenKeys: new Set(), answered: new Set() };
}

const storage = new AsyncLocalStorage<RequestRules>();

/** The rules in force here (the defaults outside any command: real clock, no overall deadline). */
export function currentRules(): RequestRules {
  return storage.getStore() ?? defaultRules();
}

/** Runs a command's work under new rules: the clock, sleep and randomness from its Effects, a fresh retry count. */
export function runWithRequestRules<T>(rules: Partial<Omit<RequestRules, 'counts' | 'takenKeys' | 'answered'>>, work: () => Promise<T>): Promise<T> {
  return storage.run({ ...defaultRules(), ...rules }, work);
}

/** Runs `work` with at most `ms` more for all its requests (a narrower deadline than the current one wins). */
export function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const rules = currentRules();
  return storage.run({ ...rules, deadline: Math.min(rules.deadline, rules.now() + ms) }, work);
}

/** Runs `work` telling `listener` (as well as whoever listened before) about each retry inside it. */
export function onRetries<T>(listener: (notice: RetryNotice) => void, work: () => Promise<T>): Promise<T> {
  const rules = currentRules();
  const outer = rules.onRetry;
  return storage.run({ ...rules, onRetry: (notice) => (listener(notice), outer?.(notice)) }, work);
}

/** The retries counted in the current command. */
export function retryCount(): number {
  return currentRules().counts.retries;
}

function seconds(ms: number): string {
  const value = ms / 1000;
  return value < 10 ? `${Number(value.toFixed(1))} s` : `${Math.round(value)} s`;
}

/** How long one attempt may take from now: the request timeout, cut to what is left of the deadline. */
export function attemptTimeoutMs(timeoutMs = REQUEST_TIMEOUT_MS): number {
  const rules = currentRules();
  return Math.max(0, Math.min(timeoutMs, rules.deadline - rules.now()));
}

/** The error of a request that ran out of its time (Node's code for it, so it is explained the same way). */
export function timeoutError(what: string, ms: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`${what}: no complete answer within ${seconds(ms)}`), { code: 'ETIMEDOUT' });
}

/** What one attempt came to: an answer to keep, or one worth trying again (its reason), or a thrown error. */
export type AttemptOutcome<T> =
  | { readonly done: T }
  /** `refused`: the answer says the server did not carry the request out (503, 429), so even an unsafe one may go again */
  | {
      readonly retry: string;
      readonly last: T;
      readonly refused?: boolean;
      /** at most this many attempts in all for such an answer [RETRY_ATTEMPTS] */
      readonly attempts?: number;
      /** the wait before the next attempt, instead of the doubling backoff (another node, not a later time, is what helps) */
      readonly waitMs?: number;
    };

/**
 * The access key an `Authorization` header signs with (SigV4's `Credential=KEY/…`, V2's
 * `AWS KEY:…`), or undefined.
 */
export function signingAccessKey(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? /^AWS ([^:\s]+):/.exec(authorization)?.[1];
}

/** Notes that the server at `origin` (`host:port`) gave an HTTP answer, whatever its status. */
export function noteAnswered(origin: string): void {
  currentRules().answered.add(origin);
}

/**
 * Whether some server answered a request of this command: a connection reset or a time-out after
 * that is a server busy or a node behind a balancer holding requests, not a wrong endpoint.
 */
export function answeredInThisCommand(): boolean {
  return currentRules().answered.size > 0;
}

/** Notes that the server at `origin` (`host:port`) took `accessKey`: it answered a request signed by it below 400. */
export function noteKeysTaken(origin: string, accessKey: string): void {
  currentRules().takenKeys.add(`${origin} ${accessKey}`);
}

/** Whether an error answer's body is S3's or the MinIO admin API's "InvalidAccessKeyId" (the XML or JSON Code). */
export function saysKeysUnknown(body: string): boolean {
  return /<Code>(XMinio)?InvalidAccessKeyId<\/Code>|"Code"\s*:\s*"(XMinio)?InvalidAccessKeyId"/.test(body);
}

/** Attempts for an InvalidAccessKeyId to keys the server took before in this command, and the wait between them. */
export const UNKNOWN_KEYS_ATTEMPTS = 8;
export const UNKNOWN_KEYS_WAIT_MS = 250;

/**
 * How an answer saying the server does not know the access key (InvalidAccessKeyId) is tried
 * again. It says the request was not carried out, so even one that sets a secret may go again.
 * Behind a balancer, nodes of a distributed MinIO started again were seen not knowing a user the
 * other nodes knew, for minutes and many requests (issue 20: such a node reads the user's file
 * from drives whose copies disagree, and takes that as "no such user"). What helps is another
 * node, not a later time: the next attempt goes on a connection of its own after a short wait.
 * Keys the same server took earlier in this command get `UNKNOWN_KEYS_ATTEMPTS` (with two nodes
 * of four lagging, all eight reach them once in 256); keys not taken yet (the first request a
 * command signs with them) one more attempt only, so keys that really are unknown cost a request
 * and a quarter second. A request asking whether keys work (builderKeysChecker) keeps the answer:
 * it is what it asks.
 */
export function keysUnknownOutcome<T>(origin: string, accessKey: string, last: T): AttemptOutcome<T> {
  const taken = currentRules().takenKeys.has(`${origin} ${accessKey}`);
  return {
    retry: taken ? `the server did not know access key ${accessKey}, which it took before (a node not caught up?)` : `the server did not know access key ${accessKey}`,
    last,
    refused: true,
    attempts: taken ? UNKNOWN_KEYS_ATTEMPTS : 2,
    waitMs: UNKNOWN_KEYS_WAIT_MS,
  };
}

/** Answers by which the server says it did not carry the request out: busy, or too many requests. */
export function isRefusal(status: number): boolean {
  return status === 503 || status === 429;
}

/**
 * Sends a request by `attempt` until it gives an answer to keep, under the retry rule: a
 * `{ retry }` outcome or a retryable error (connection reset) is tried again after the backoff
 * when `safe`, attempts are left and the deadline leaves time for one more; otherwise the last
 * answer is returned (or the error thrown) as it is. `attempt` gets the time the attempt may take
 * (an attempt out of its time throws ETIMEDOUT, retried as a reset is).
 */
export async function sendWithRetries<T>(
  safe: boolean,
  attempt: (timeoutMs: number) => Promise<AttemptOutcome<T>>,
  timeoutMs = REQUEST_TIMEOUT_MS,
  /** lets go of an answer that is not kept (a retry follows) */
  discard: (dropped: T) => void = () => undefined,
): Promise<T> {
  const rules = currentRules();
  for (let number = 1; ; number++) {
    const left = attemptTimeoutMs(timeoutMs);
    if (left <= 0) throw timeoutError('the operation ran out of its time', timeoutMs);
    let reason: string;
    let outcome: AttemptOutcome<T> | undefined;
    let failure: unknown;
    let refused = false;
    let attempts = RETRY_ATTEMPTS;
    let fixedWait: number | undefined;
    try {
      outcome = await attempt(left);
      if ('done' in outcome) return outcome.done;
      reason = outcome.retry;
      refused = outcome.refused === true;
      attempts = outcome.attempts ?? RETRY_ATTEMPTS;
      fixedWait = outcome.waitMs;
    } catch (error) {
      if (!isRetryableError(error)) throw error;
      reason = (error as { code?: unknown }).code === 'ETIMEDOUT' ? `the server gave no complete answer within ${seconds(left)}` : 'the connection was reset';
      failure = error;
    }
    const waitMs = Math.round((fixedWait ?? RETRY_BASE_MS * 2 ** (number - 1)) * (0.5 + rules.random() / 2));
    if ((!safe && !refused) || number >= attempts || rules.now() + waitMs + MIN_ATTEMPT_MS > rules.deadline) {
      if (outcome && 'last' in outcome) return outcome.last;
      throw failure;
    }
    if (outcome && 'last' in outcome) discard(outcome.last);
    rules.counts.retries += 1;
    const notice: RetryNotice = {
      reason,
      waitMs,
      attempt: number + 1,
      attempts,
      text: `${reason}; trying again in ${seconds(waitMs)}, attempt ${number + 1} of ${attempts}`,
    };
    rules.onRetry?.(notice);
    await rules.sleep(waitMs);
  }
}

/**
 * Asks again, after 1 s and then 2 s, while the answer denies what should exist (`denied`), at
 * most `times` more: right after a restart a node of a distributed MinIO says a user or an object
 * it has does not exist (issue 20). Each ask is a request of its own, so behind a balancer it may
 * reach another node. The last answer is returned, denying or not.
 */
export async function askAgainWhile<T>(ask: () => Promise<T>, denied: (answer: T) => boolean, times = 2): Promise<T> {
  let answer = await ask();
  for (let asked = 0; denied(answer) && asked < times; asked++) {
    await currentRules().sleep(RETRY_BASE_MS * 2 ** asked);
    answer = await ask();
  }
  return answer;
}

/**
 * Asks once and, when the answer denies what a lagging node may deny (`denied`: a user, its
 * policy, a canned policy), `more` times together, each on a connection of its own: behind a
 * balancer they reach other nodes. A node can deny what exists but not make up what does not, so
 * the first answer that does not deny wins; when all deny, `fallback` picks among them (the first
 * answer by default). Right after a restart a node of a distributed MinIO was seen saying the
 * builder user did not exist while the others knew it (issue 20): an idle re-run would have made it
 * again. On one server a denial costs one more round of `more` small requests.
 */
export async function askAround<T>(ask: () => Promise<T>, denied: (answer: T) => boolean, fallback?: (answers: readonly T[]) => T | undefined, more = 3): Promise<T> {
  const first = await ask();
  if (!denied(first)) return first;
  const answers = [first, ...(await Promise.all(Array.from({ length: more }, () => ask())))];
  return answers.find((answer) => !denied(answer)) ?? fallback?.(answers) ?? first;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** An error answer (S3 XML, admin JSON) is a few hundred bytes. */
export const ERROR_ANSWER_LIMIT = 64 * KIB;
/** Admin answers (a user with its keys, a canned policy) are a few KiB. */
export const ADMIN_ANSWER_LIMIT = 1 * MIB;

/**
 * The largest answer an S3 request of the wizard may get, by what it asks for: a bucket policy is
 * at most 20 KiB on AWS, a lifecycle configuration at most 1000 rules, a listing page 1000 keys of
 * at most 1 KiB each, an object the wizard reads is a narinfo, `nix-cache-info` or a test object.
 */
export function responseLimit(method: string, path: string, status: number): number {
  if (status >= 300) return ERROR_ANSWER_LIMIT;
  if (method !== 'GET') return ERROR_ANSWER_LIMIT;
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  if (query.has('policy')) return 64 * KIB;
  if (query.has('acl') || query.has('location')) return 256 * KIB;
  if (query.has('lifecycle')) return 1 * MIB;
  // an object (`/bucket/key`): the narinfos and `nix-cache-info` the wizard reads are far smaller
  if (/^\/[^/?]+\/[^?]/.test(path)) return OBJECT_ANSWER_LIMIT;
  // a listing page (ListObjectsV2, or the bucket list at `/`): 1000 keys with their details
  return 4 * MIB;
}

/** A narinfo or `nix-cache-info`, the only objects the wizard reads (NARs are never downloaded). */
export const OBJECT_ANSWER_LIMIT = 1 * MIB;

/** The error of an answer larger than its limit. */
export function tooLargeError(what: string, limit: number): NodeJS.ErrnoException {
  const size = limit >= MIB ? `${limit / MIB} MiB` : `${limit / KIB} KiB`;
  return Object.assign(new Error(`the server's answer to ${what} is larger than ${size}, more than such an answer can hold`), { code: 'ERESPONSETOOLARGE' });
}
