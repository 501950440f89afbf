/**
 * The server steps of SPEC 5 for the chosen backend, in order. Loaded on demand: it pulls in the
 * S3 client and the admin clients.
 */
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import type { ServerStep } from './server-step';

export interface ServerStepsInput {
  readonly answers: Answers;
  readonly effects: Effects;
  /** the builder secret as known now (answers, AWS profile, generated; on ceph set by the user step) */
  readonly builderSecret: () => string | undefined;
  /** called by the ceph user step with the secret the server generated or holds */
  readonly onBuilderSecret: (secret: string) => void;
  /** the rendered nix-cache-info */
  readonly cacheInfo: string;
}

export async function buildServerSteps(_input: ServerStepsInput): Promise<ServerStep[]> {
  return [];
}
