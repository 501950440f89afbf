/**
 * The one configuration model (SPEC 2). Every part of the program consumes `Answers`: the
 * resolved answers with every default applied. `AnswersInput` is what a JSON file or the UI gives.
 */
export type Backend = 'minio' | 'ceph' | 's3';
export type AnonymousMode = 'get' | 'download' | 'none';

export interface Answers {
  readonly backend: Backend;
  /** `http(s)://host[:port]`, no path, no trailing slash */
  readonly endpoint: string;
  readonly region: string;
  /** absolute path of a PEM file of a private CA, if any */
  readonly caFile: string | undefined;
  readonly insecure: boolean;
  readonly admin: {
    readonly accessKey: string | undefined;
    readonly secretKey: string | undefined;
    /** the alias of an existing mc config the admin keys came from, if any */
    readonly mcAlias: string | undefined;
  };
  readonly adminVia: 'api' | 'mc';
  readonly alias: string;
  readonly writeMcConfig: boolean;
  readonly bucket: string;
  readonly builder: {
    readonly accessKey: string;
    /** undefined until generated (or, on ceph, until the server generates it) */
    readonly secretKey: string | undefined;
    readonly profile: string;
  };
  /**
   * The read-only user machines substitute with when `anonymous` is `"none"` (a private cache).
   * Ignored otherwise.
   */
  readonly reader: {
    readonly accessKey: string;
    /** undefined until generated (or, on ceph, until the server generates it) */
    readonly secretKey: string | undefined;
    readonly profile: string;
  };
  readonly policyName: string;
  readonly anonymous: AnonymousMode;
  readonly cacheInfo: {
    readonly storeDir: string;
    readonly wantMassQuery: boolean;
    readonly priority: number;
  };
  readonly key: {
    readonly name: string;
    /** as given, `~` not yet expanded */
    readonly secretFile: string;
    readonly publicFile: string;
    /**
     * Previous public keys still trusted beside the current one while a rotation is under way
     * (SPEC 8); [] otherwise. Default: what `rotate key` remembered for this endpoint and bucket.
     */
    readonly trusted: readonly string[];
  };
  readonly expireDays: number | null;
  /** seconds before a machine gives up on the cache (nix.conf `connect-timeout`); null: Nix's default, none */
  readonly connectTimeout: number | null;
  readonly files: {
    readonly mcConfig: string;
    readonly awsCredentials: string;
    readonly nixosModule: string;
    readonly nixConf: string;
    readonly policy: string;
    readonly cacheInfo: string;
    readonly builderModule: string;
    readonly readerCredentials: string;
  };
}

/** The file keys of `answers.files`, in the order the files are listed. */
export const FILE_KEYS = ['mcConfig', 'awsCredentials', 'nixosModule', 'nixConf', 'policy', 'cacheInfo', 'builderModule', 'readerCredentials'] as const;

/** A private cache: machines read with the reader user's keys, not anonymously. */
export function isPrivateCache(answers: Pick<Answers, 'anonymous'>): boolean {
  return answers.anonymous === 'none';
}
export type FileKey = (typeof FILE_KEYS)[number];
