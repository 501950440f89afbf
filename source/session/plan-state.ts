/**
 * What prepareSetup decides once and the plan's steps and apply share (issue 17, item 6): the
 * signing key, the builder's and the reader's secrets (on Ceph they arrive with the user steps),
 * the CA text, and whether this run made each of them. The plan carries it (SetupPlan.state), so
 * a plan is a value: any session applies it, no module-level map keeps what it needs.
 *
 * The secrets sit in private fields. JSON.stringify gives only the flags (toJSON) and
 * util.inspect / console.log show no secret (SPEC 10: a secret is never printed or logged), so a
 * plan written out by `--json`, a debug print or an error report cannot leak one.
 */
import { inspect } from 'node:util';
import type { NixSecretKey } from '../keys/nix-secret-key';

/** The secrets and key the files are rendered with. */
export interface PlanSecrets {
  readonly builderSecret: string | undefined;
  /** private caches only; on ceph it arrives with the reader step */
  readonly readerSecret: string | undefined;
  readonly key: NixSecretKey;
  readonly caPem: string | undefined;
}

export interface PlanStateInit extends PlanSecrets {
  /** true while the run may still replace the secret (generated here, not given or found) */
  readonly builderSecretGenerated: boolean;
  /** the same for the reader's secret */
  readonly readerSecretGenerated: boolean;
  readonly keyReused: boolean;
}

export class PlanState {
  #builderSecret: string | undefined;
  #readerSecret: string | undefined;
  #key: NixSecretKey;
  readonly #caPem: string | undefined;
  #builderSecretGenerated: boolean;
  #readerSecretGenerated: boolean;
  #keyReused: boolean;

  constructor(init: PlanStateInit) {
    this.#builderSecret = init.builderSecret;
    this.#readerSecret = init.readerSecret;
    this.#key = init.key;
    this.#caPem = init.caPem;
    this.#builderSecretGenerated = init.builderSecretGenerated;
    this.#readerSecretGenerated = init.readerSecretGenerated;
    this.#keyReused = init.keyReused;
  }

  get builderSecret(): string | undefined {
    return this.#builderSecret;
  }

  get readerSecret(): string | undefined {
    return this.#readerSecret;
  }

  get key(): NixSecretKey {
    return this.#key;
  }

  get caPem(): string | undefined {
    return this.#caPem;
  }

  get builderSecretGenerated(): boolean {
    return this.#builderSecretGenerated;
  }

  get readerSecretGenerated(): boolean {
    return this.#readerSecretGenerated;
  }

  get keyReused(): boolean {
    return this.#keyReused;
  }

  /** The server made or holds the builder's secret (Ceph's user step). */
  serverGaveBuilderSecret(secret: string): void {
    this.#builderSecret = secret;
  }

  /** The server made or holds the reader's secret (Ceph's reader step). */
  serverGaveReaderSecret(secret: string): void {
    this.#readerSecret = secret;
  }

  /** Another run saved a builder secret meanwhile: it wins over the one generated here. */
  foundBuilderSecret(secret: string | undefined): void {
    this.#builderSecret = secret;
    this.#builderSecretGenerated = false;
  }

  /** The same for the reader's secret. */
  foundReaderSecret(secret: string | undefined): void {
    this.#readerSecret = secret;
    this.#readerSecretGenerated = false;
  }

  /** Another run wrote the key file meanwhile: its key is used. */
  foundKey(key: NixSecretKey): void {
    this.#key = key;
    this.#keyReused = true;
  }

  /** The secrets to render the files with; `standIn` for a secret not known yet (Ceph's, before the server made it). */
  secrets(standIn?: string): PlanSecrets {
    return {
      builderSecret: this.#builderSecret ?? standIn,
      readerSecret: this.#readerSecret ?? standIn,
      key: this.#key,
      caPem: this.#caPem,
    };
  }

  /** The flags only: a plan serialized never carries a secret. */
  toJSON(): { builderSecretGenerated: boolean; readerSecretGenerated: boolean; keyReused: boolean } {
    return { builderSecretGenerated: this.#builderSecretGenerated, readerSecretGenerated: this.#readerSecretGenerated, keyReused: this.#keyReused };
  }

  [inspect.custom](): string {
    return `PlanState ${inspect(this.toJSON())} (secrets not shown)`;
  }
}
