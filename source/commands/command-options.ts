/** The flags of SPEC 1, after parsing; every command reads the ones it has. */
export interface CommandOptions {
  readonly answers: string | undefined;
  readonly yes: boolean;
  readonly dryRun: boolean;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly plain: boolean;
  readonly showSecrets: boolean;
}
