/**
 * The `expiry` step's lifecycle rules (SPEC 5, notes/s3-policies-and-lifecycle.md).
 *
 * S3 lifecycle filters select objects by key prefix and can never exclude one, and when two rules
 * match an object the shorter expiry wins. An empty-prefix rule (what `mc ilm rule add` makes)
 * would delete `nix-cache-info`, after which clients stop treating the bucket as a binary cache.
 * So the narinfos are selected by a set of prefixes that covers every narinfo key yet is not a
 * prefix of `nix-cache-info` or of `nar/`; `nar/` gets its own rule NAR_MARGIN_DAYS longer, because a
 * NAR that disappears before the narinfo pointing at it is a hard substitution error, not a miss,
 * and a client trusts a narinfo it has seen for `narinfo-cache-positive-ttl` (30 days) before it
 * fetches the NAR (notes/nix.md, "Client-side caching that matters for expiry").
 *
 * Every rule we write has an ID starting `nix-cache-wizard-`; every other rule is foreign and is
 * written back exactly as the server gave it (a lifecycle PUT replaces the whole configuration).
 */
import { createHash } from 'node:crypto';
import { child, childrenNamed, escapeXmlText, parseXml, type XmlElement } from './xml-elements';

/** Nix's base-32 alphabet (no e, o, t, u): the characters of a store path hash. */
export const NIX_BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';

export const RULE_ID_PREFIX = 'nix-cache-wizard-';
export const NAR_RULE_ID = `${RULE_ID_PREFIX}nar`;
/** S3 (and RGW's `rgw_lc_max_rules`) allow at most 1000 rules in one configuration. */
export const MAX_LIFECYCLE_RULES = 1000;

/** Keys our rules must never match. */
export const PROTECTED_KEYS = ['nix-cache-info', 'nar/'] as const;

/**
 * The prefixes that select narinfos and nothing we must keep.
 *
 * Walk the two protected keys down the trie of key prefixes: at each node on their path, every
 * child that leaves the path is a prefix rule. Root: every character but `n`; `n`: all but `i`
 * and `a`; `ni`: all but `x`; `nix`: all (the next character of `nix-cache-info` is `-`); `na`:
 * all but `r`; `nar`: all (the next character of `nar/` is `/`).
 *
 * The characters range over nix base32 only. Every key Nix writes at the bucket root is either
 * `<hash>.narinfo` or `<hash>.ls` (hash in nix base32), `nix-cache-info`, or lives under `nar/`,
 * `log/`, `realisations/` or `debuginfo/`; `l`, `r` and `d` are base-32 characters, so logs,
 * realisations and debug info fall under the single-character rules and expire with the
 * narinfos, as they should. `-` and `/` are outside the alphabet, which is exactly what keeps
 * `nix-cache-info` and `nar/` out. A wider alphabet would only add rules for keys Nix never
 * writes (each rule costs RGW 0.2–0.6 s per lifecycle pass) and would have to exclude `-` and
 * `/` by hand. Result: 31 + 30 + 31 + 32 + 31 + 32 = 187 prefixes.
 */
export function narinfoPrefixes(): string[] {
  return PREFIX_GROUPS.flatMap(({ stem, skip }) => [...NIX_BASE32].filter((c) => !skip.includes(c)).map((c) => `${stem}${c}`));
}

/** The prefixes as groups: `stem` followed by each nix base32 character but `skip`. */
const PREFIX_GROUPS: readonly { readonly stem: string; readonly skip: readonly string[] }[] = [
  { stem: '', skip: ['n'] },
  { stem: 'n', skip: ['i', 'a'] },
  { stem: 'ni', skip: ['x'] },
  { stem: 'nix', skip: [] },
  { stem: 'na', skip: ['r'] },
  { stem: 'nar', skip: [] },
];

/**
 * The same prefixes said in one line (a manual command shows this, not 187 words): exact, so a
 * person can still write every rule from it.
 */
export function describeNarinfoPrefixes(): string {
  const groups = PREFIX_GROUPS.map(({ stem, skip }) => `${stem === '' ? 'a character' : `${stem}+character`}${skip.length > 0 ? ` but ${skip.join(', ')}` : ''}`);
  return `${narinfoPrefixes().length} prefixes, each one ${groups.join('; ')} (characters of ${NIX_BASE32})`;
}

/** One of our rules: expire objects under `prefix` after `days`. */
export interface WantedRule {
  readonly id: string;
  readonly prefix: string;
  readonly days: number;
}

/**
 * How much longer a NAR lives than the narinfos: more than Nix's `narinfo-cache-positive-ttl` of
 * 30 days, so a client that saw a narinfo just before it expired still finds its NAR when it
 * trusts that memory up to 30 days later. Lifecycle expiry rounds up to the next midnight (UTC),
 * which can delay the narinfo's expiry by up to a day but never brings the NAR's forward.
 */
export const NAR_MARGIN_DAYS = 31;
/** Nix's default `narinfo-cache-positive-ttl`, in days. */
export const CLIENT_NARINFO_TTL_DAYS = 30;

/** Our rules for `expireDays`: narinfos (and logs, realisations) after N days, `nar/` after N + NAR_MARGIN_DAYS. */
export function wantedLifecycleRules(expireDays: number | null): WantedRule[] {
  if (expireDays === null) return [];
  return [
    ...narinfoPrefixes().map((prefix) => ({ id: `${RULE_ID_PREFIX}narinfo-${prefix}`, prefix, days: expireDays })),
    { id: NAR_RULE_ID, prefix: 'nar/', days: expireDays + NAR_MARGIN_DAYS },
  ];
}

/** A rule as read from the server. */
export interface ExistingRule {
  readonly id: string;
  /** `Filter/Prefix`, `Filter/And/Prefix` or the old top-level `Prefix`; undefined when none */
  readonly prefix: string | undefined;
  readonly enabled: boolean;
  /** `Expiration/Days`, if the rule expires current objects by age */
  readonly expirationDays: number | undefined;
  /** the rule also filters by tag or size, or does more than expire by days */
  readonly hasOtherParts: boolean;
  /** the rule's XML as the server sent it; undefined when it came from minio's parsed form */
  readonly raw: string | undefined;
  /** `Expiration/Date`: the rule expires current objects on a date */
  readonly expirationDate?: string | undefined;
  /** the filter selects by tag: Nix tags nothing it uploads, so such a rule selects no cache object */
  readonly tagFiltered?: boolean;
}

export function isOurRule(rule: Pick<ExistingRule, 'id'>): boolean {
  return rule.id.startsWith(RULE_ID_PREFIX);
}

/**
 * Servers may echo parts a rule does not use as empty elements, `false` flags or zero counts
 * (e.g. `<ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker>`); they do not make it a
 * different rule, and treating them as a difference would rewrite the rules on every run.
 */
function isEmptyPart(element: XmlElement): boolean {
  const text = element.text.trim();
  return element.children.every(isEmptyPart) && (text === '' || text === 'false' || text === '0');
}

function ruleFromElement(element: XmlElement): ExistingRule {
  const filter = child(element, 'Filter');
  const and = child(filter, 'And');
  // RGW (and older S3) echo `Filter/Prefix` back as a top-level `Prefix`.
  const prefixElement = child(filter, 'Prefix') ?? child(and, 'Prefix') ?? child(element, 'Prefix');
  const expiration = child(element, 'Expiration');
  const daysText = child(expiration, 'Days')?.text.trim();
  const known = new Set(['ID', 'Filter', 'Prefix', 'Status', 'Expiration']);
  const otherFilter = (filter?.children ?? []).some((c) => c.name !== 'Prefix' && !isEmptyPart(c));
  const otherExpiration = (expiration?.children ?? []).some((c) => c.name !== 'Days' && !isEmptyPart(c));
  return {
    id: child(element, 'ID')?.text ?? '',
    prefix: prefixElement?.text,
    enabled: child(element, 'Status')?.text.trim() === 'Enabled',
    expirationDays: daysText !== undefined && /^\d+$/.test(daysText) ? Number(daysText) : undefined,
    hasOtherParts: otherFilter || otherExpiration || element.children.some((c) => !known.has(c.name) && !isEmptyPart(c)),
    raw: element.raw,
    expirationDate: child(expiration, 'Date')?.text.trim() || undefined,
    tagFiltered: child(filter, 'Tag') !== undefined || child(and, 'Tag') !== undefined,
  };
}

/** Parses the body of `GET ?lifecycle`. Throws `XmlSyntaxError` when it is not XML. */
export function parseLifecycleConfiguration(xml: string): ExistingRule[] {
  const root = parseXml(xml);
  if (root.name !== 'LifecycleConfiguration') return [];
  return childrenNamed(root, 'Rule').map(ruleFromElement);
}

/** The subset of minio v8's `LifecycleConfig` this module reads (values may be numbers: see below). */
export interface MinioLifecycleLike {
  Rule?: unknown;
}

/**
 * Normalises what minio v8's `getBucketLifecycle()` returns, for callers that use it (for
 * example a read-only verify): `Rule` is an object, not an array, when there is one rule;
 * `Filter.Prefix` may come back as a top-level `Prefix`; and its XML parser turns numeric-looking
 * text into numbers (`<Prefix>0</Prefix>` is `0`, `<ID>007</ID>` is `7`), which cannot be undone,
 * so such rules are read as best as can be and have no `raw`. The `expiry` step reads the XML
 * itself instead (see `s3-requests.ts`).
 */
export function rulesFromMinioLifecycle(config: MinioLifecycleLike | null | undefined): ExistingRule[] {
  if (!config || config.Rule === undefined || config.Rule === null || config.Rule === '') return [];
  const list = Array.isArray(config.Rule) ? (config.Rule as unknown[]) : [config.Rule];
  const text = (value: unknown): string | undefined =>
    value === undefined || value === null ? undefined : typeof value === 'object' ? undefined : String(value);
  return list.map((item) => {
    const rule = (item ?? {}) as Record<string, unknown>;
    const filter = (rule['Filter'] ?? undefined) as Record<string, unknown> | undefined;
    const and = (filter?.['And'] ?? undefined) as Record<string, unknown> | undefined;
    const expiration = (rule['Expiration'] ?? undefined) as Record<string, unknown> | undefined;
    // An empty `<Prefix></Prefix>` parses as '' and an empty `<Filter></Filter>` as ''.
    const prefix = text(typeof filter === 'object' ? filter['Prefix'] : undefined) ?? text(and?.['Prefix']) ?? text(rule['Prefix']);
    const days = expiration && typeof expiration === 'object' ? Number(expiration['Days']) : NaN;
    const known = new Set(['ID', 'Filter', 'Prefix', 'Status', 'Expiration']);
    const otherFilter = typeof filter === 'object' && Object.keys(filter).some((k) => k !== 'Prefix');
    const otherExpiration = typeof expiration === 'object' && Object.keys(expiration).some((k) => k !== 'Days');
    return {
      id: text(rule['ID']) ?? '',
      prefix,
      enabled: rule['Status'] === 'Enabled',
      expirationDays: Number.isInteger(days) ? days : undefined,
      hasOtherParts: otherFilter || otherExpiration || Object.keys(rule).some((k) => !known.has(k)),
      raw: undefined,
    };
  });
}

function ruleMatchesWanted(rule: ExistingRule, wanted: WantedRule): boolean {
  return rule.prefix === wanted.prefix && rule.enabled && rule.expirationDays === wanted.days && !rule.hasOtherParts;
}

/** True when `rule` would select `key` (a disabled rule selects nothing). */
export function ruleSelectsKey(rule: ExistingRule, key: string): boolean {
  return rule.enabled && key.startsWith(rule.prefix ?? '');
}

/** True when a rule with key prefix `prefix` selects some key under `folder` (e.g. `nar/`). */
export function selectsSomeUnder(prefix: string, folder: string): boolean {
  return folder.startsWith(prefix) || prefix.startsWith(folder);
}

/** True when a rule with key prefix `prefix` selects some `<hash>.narinfo`. */
export function selectsSomeNarinfo(prefix: string): boolean {
  const hash = prefix.slice(0, 32);
  return [...hash].every((c) => NIX_BASE32.includes(c)) && '.narinfo'.startsWith(prefix.slice(32));
}

/** Folders Nix writes besides `nar/`: their objects belong to the cache too. */
export const OTHER_CACHE_FOLDERS = ['log/', 'realisations/', 'debuginfo/'] as const;

/** True when some key Nix writes into a binary cache starts with `prefix`. */
export function prefixSelectsCacheKeys(prefix: string): boolean {
  return selectsSomeNarinfo(prefix) || 'nix-cache-info'.startsWith(prefix) || ['nar/', ...OTHER_CACHE_FOLDERS].some((folder) => selectsSomeUnder(prefix, folder));
}

/** A foreign rule that contradicts the answers, and why. */
export interface ContradictingRule {
  readonly rule: ExistingRule;
  readonly reason: string;
}

/**
 * Foreign rules that contradict a working cache or the answers (SPEC 5, "Settings that contradict
 * the answers"; notes/s3-policies-and-lifecycle.md): an enabled rule that expires objects and
 * - selects `nix-cache-info` (clients then stop treating the bucket as a binary cache), or
 * - selects NARs together with narinfos, or NARs sooner than NAR_MARGIN_DAYS after our narinfos
 *   expire (a client trusts a narinfo it saw for 30 days, then fails to fetch its NAR), or
 * - selects any cache object when `expireDays` is null (nothing in the cache is to expire).
 * The guide's `mc ilm rule add --expire-days N` (an empty prefix) does all of these. A rule that
 * filters by tag selects nothing Nix uploads and never contradicts.
 */
export function contradictingRules(rules: readonly ExistingRule[], expireDays: number | null): ContradictingRule[] {
  const found: ContradictingRule[] = [];
  for (const rule of rules) {
    if (isOurRule(rule) || !rule.enabled || rule.tagFiltered) continue;
    if (rule.expirationDays === undefined && rule.expirationDate === undefined) continue;
    const prefix = rule.prefix ?? '';
    const nars = selectsSomeUnder(prefix, 'nar/');
    const narinfos = selectsSomeNarinfo(prefix);
    const reasons: string[] = [];
    if (ruleSelectsKey(rule, 'nix-cache-info')) reasons.push('it deletes nix-cache-info, after which clients no longer treat the bucket as a binary cache');
    if (nars && narinfos) reasons.push('it deletes NARs together with the narinfos that point at them, so clients that still trust a narinfo fail to fetch its NAR');
    else if (nars && expireDays !== null && rule.expirationDays !== undefined && rule.expirationDays < expireDays + NAR_MARGIN_DAYS) {
      reasons.push(
        `it deletes NARs after ${rule.expirationDays} days, sooner than ${expireDays + NAR_MARGIN_DAYS} (the narinfos' ${expireDays} + ${NAR_MARGIN_DAYS}): a client trusts a narinfo it saw for 30 days, and would then fail to fetch its NAR`,
      );
    }
    const cacheObjects = nars || narinfos || ruleSelectsKey(rule, 'nix-cache-info') || OTHER_CACHE_FOLDERS.some((folder) => selectsSomeUnder(prefix, folder));
    if (reasons.length === 0 && expireDays === null && cacheObjects) reasons.push('it deletes cache objects, and expireDays is null (nothing in the cache expires)');
    if (reasons.length === 0) continue;
    const when = rule.expirationDays !== undefined ? `after ${rule.expirationDays} day${rule.expirationDays === 1 ? '' : 's'}` : `on ${rule.expirationDate}`;
    const what = prefix === '' ? 'every object' : `objects under "${prefix}"`;
    found.push({ rule, reason: `lifecycle rule "${rule.id}" (not made by this wizard; expires ${what} ${when}): ${reasons.join(', and ')}` });
  }
  return found;
}

export function renderRule(rule: WantedRule): string {
  return (
    `<Rule><ID>${escapeXmlText(rule.id)}</ID><Filter><Prefix>${escapeXmlText(rule.prefix)}</Prefix></Filter>` +
    `<Status>Enabled</Status><Expiration><Days>${rule.days}</Days></Expiration></Rule>`
  );
}

export interface LifecycleMerge {
  /** false when the server already holds exactly our rules for `expireDays` */
  readonly changed: boolean;
  /** the configuration to PUT, or null when no rule is left (DELETE the configuration) */
  readonly xml: string | null;
  readonly ruleCount: number;
  /** foreign rules kept */
  readonly foreignRuleCount: number;
  /** foreign rules removed because they contradict the answers */
  readonly replaced: readonly ContradictingRule[];
}

export class TooManyLifecycleRulesError extends Error {
  override readonly name = 'TooManyLifecycleRulesError';
}

/**
 * Merges our rules for `expireDays` into `existing`: foreign rules kept as they are and in their
 * order unless they contradict the answers (`contradictingRules`: then they are removed), ours
 * replaced (or removed for null). `changed` compares meaning, not bytes: servers reformat rules
 * (RGW moves `Filter/Prefix` to `Prefix`), and rule order does not matter.
 */
export function mergeLifecycleRules(existing: readonly ExistingRule[], expireDays: number | null): LifecycleMerge {
  const wanted = wantedLifecycleRules(expireDays);
  const ours = existing.filter(isOurRule);
  const replaced = contradictingRules(existing, expireDays);
  const foreign = existing.filter((rule) => !isOurRule(rule) && !replaced.some((r) => r.rule === rule));
  const byId = new Map(ours.map((rule) => [rule.id, rule]));
  const same =
    replaced.length === 0 &&
    ours.length === wanted.length &&
    byId.size === wanted.length &&
    wanted.every((want) => {
      const have = byId.get(want.id);
      return have !== undefined && ruleMatchesWanted(have, want);
    });
  const ruleCount = foreign.length + wanted.length;
  if (same) return { changed: false, xml: null, ruleCount, foreignRuleCount: foreign.length, replaced };
  if (ruleCount > MAX_LIFECYCLE_RULES) {
    throw new TooManyLifecycleRulesError(
      `the bucket already has ${foreign.length} lifecycle rules of its own; with our ${wanted.length} that is ${ruleCount}, over the limit of ${MAX_LIFECYCLE_RULES}`,
    );
  }
  const missingRaw = foreign.find((rule) => rule.raw === undefined);
  if (missingRaw) throw new Error(`cannot write back the foreign rule "${missingRaw.id}" without its XML`);
  const xml =
    ruleCount === 0
      ? null
      : `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${foreign.map((rule) => rule.raw).join('')}${wanted.map(renderRule).join('')}</LifecycleConfiguration>`;
  return { changed: true, xml, ruleCount, foreignRuleCount: foreign.length, replaced };
}

/** Content-MD5 of a body, which S3 requires on a lifecycle PUT. */
export function contentMd5(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('base64');
}
