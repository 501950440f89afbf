/**
 * Which aliases of an mc config are worth offering as a server to log in to. A fresh mc config
 * is not empty: mc writes four stock aliases into it (test/fixtures/mc-stock-config.json, as the
 * real mc wrote it): `gcs` and `s3` with the keys `YOUR-ACCESS-KEY-HERE` / `YOUR-SECRET-KEY-HERE`,
 * `local` with empty keys, and `play`, MinIO's public playground with its published keys. The
 * placeholders cannot log in anywhere, so they are never offered; the playground is a real server
 * but everyone's, so it comes last, marked, and is never the one highlighted.
 */
/** One alias of an mc config, as the wizard reads it (questions.ts's QuestionContext holds them). */
export interface McAliasEntry {
  readonly url: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

type AliasEntry = McAliasEntry;
type McAliases = Readonly<Record<string, McAliasEntry>>;

/** Endpoints from an mc config may end in `/`; the answers want none. */
export function endpointOfAlias(url: string): string {
  return url.replace(/\/+$/, '');
}

export interface OfferedAlias {
  readonly name: string;
  readonly entry: AliasEntry;
  /** set for mc's public playground alias: shown after the user's own, with this mark */
  readonly mark?: string;
}

const PLACEHOLDER_KEY = /^YOUR-(ACCESS|SECRET)-KEY-HERE$/;
/** mc's stock `play` alias: MinIO's public playground and the keys MinIO publishes for it */
const PLAYGROUND = { url: 'https://play.min.io', accessKey: 'Q3AM3UQ867SPQQA43P2F' };

/** True for an alias whose keys are mc's placeholders or empty: it cannot log in anywhere. */
export function isPlaceholderAlias(entry: AliasEntry): boolean {
  return entry.accessKey === '' || entry.secretKey === '' || PLACEHOLDER_KEY.test(entry.accessKey) || PLACEHOLDER_KEY.test(entry.secretKey);
}

function isPlayground(entry: AliasEntry): boolean {
  return endpointOfAlias(entry.url) === PLAYGROUND.url && entry.accessKey === PLAYGROUND.accessKey;
}

/** The aliases to offer, the user's own first (in the config's order), then the playground, marked. */
export function offeredAliases(aliases: McAliases): OfferedAlias[] {
  const usable = Object.entries(aliases).filter(([, entry]) => !isPlaceholderAlias(entry));
  const own = usable.filter(([, entry]) => !isPlayground(entry)).map(([name, entry]) => ({ name, entry }));
  const playground = usable.filter(([, entry]) => isPlayground(entry)).map(([name, entry]) => ({ name, entry, mark: "mc's stock alias: MinIO's public playground" }));
  return [...own, ...playground];
}

/**
 * The user's own aliases that log in to `endpoint`, with `accessKey` when one is known: their keys
 * can stand in for an admin secret that is not remembered.
 */
export function aliasesForEndpoint(aliases: McAliases, endpoint: string, accessKey: string | undefined): OfferedAlias[] {
  return offeredAliases(aliases).filter(
    ({ entry, mark }) => mark === undefined && endpointOfAlias(entry.url) === endpointOfAlias(endpoint) && (accessKey === undefined || entry.accessKey === accessKey),
  );
}
