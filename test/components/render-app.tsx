/** Renders the wizard's App with ink-testing-library, a fake session and fixed randomness. */
import { render } from 'ink-testing-library';
import type { AnswersInput } from '../../source/answers/answers-schema';
import type { Effects } from '../../source/effects';
import { App, type WizardOutcome } from '../../components/app/app';
import type { KnownSetup } from '../../source/wizard/defaults';
import type { QuestionContext } from '../../source/wizard/questions';
import { makeFakeSetupSession, type FakeSessionOptions, type FakeSetupSession } from '../helpers/fake-setup-session';

export interface RenderAppOptions {
  readonly initial?: AnswersInput;
  readonly aliases?: QuestionContext['aliases'];
  /** AWS profiles that hold keys, profile → access key ID */
  readonly profileAccessKeys?: QuestionContext['profileAccessKeys'];
  readonly env?: Record<string, string | undefined>;
  readonly session?: FakeSetupSession;
  readonly sessionOptions?: FakeSessionOptions;
  readonly colors?: boolean;
  /** remembered answers and what the files show */
  readonly known?: KnownSetup;
  /** open with the menu of this remembered setup */
  readonly menuFor?: string;
  /** @default 80 */
  readonly columns?: number;
  /** @default 24 */
  readonly rows?: number;
}

/** A counter as the random source: every secret differs and every run is the same. */
export function countingRandomBytes(): (n: number) => Uint8Array {
  let next = 0;
  return (n) => Uint8Array.from({ length: n }, () => next++ % 256);
}

export function renderApp(options: RenderAppOptions = {}) {
  const session = options.session ?? makeFakeSetupSession(options.sessionOptions);
  const effects: Effects = {
    env: options.env ?? {},
    cwd: '/work',
    home: '/home/user',
    now: () => new Date('2026-01-01T00:00:00Z'),
    randomBytes: countingRandomBytes(),
  };
  const outcomes: WizardOutcome[] = [];
  const handle = render(
    <App
      initial={options.initial ?? {}}
      session={session}
      effects={effects}
      context={{ aliases: options.aliases ?? {}, env: effects.env, ...(options.profileAccessKeys ? { profileAccessKeys: options.profileAccessKeys } : {}) }}
      generatedSecret="Generated+Secret=7xYz"
      onExit={(outcome) => outcomes.push(outcome)}
      {...(options.known ? { known: options.known } : {})}
      menuFor={options.menuFor}
      columns={options.columns ?? 80}
      rows={options.rows ?? 24}
      colors={options.colors ?? true}
    />,
  );
  return { ...handle, session, outcomes };
}

/** The connection's answers, on MinIO over http: the wizard starts at the bucket. */
export const CONNECTION_ANSWERS: AnswersInput = {
  endpoint: 'http://minio.lan:9000',
  region: 'us-east-1',
  admin: { accessKey: 'minioadmin', secretKey: 'minioadmin' },
  backend: 'minio',
  adminVia: 'api',
};

/** Answers up to (not including) the builder secret, which is asked after the builder user. */
export const UP_TO_SECRET: AnswersInput = {
  ...CONNECTION_ANSWERS,
  bucket: 'nix-cache',
  builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' },
};

/** Every answer but the last file path, so a test starts at the last question. */
export const ALL_BUT_LAST: AnswersInput = {
  ...CONNECTION_ANSWERS,
  builder: { accessKey: 'nixbuilder', profile: 'nixbuilder', secretKey: 'Given+Secret=123' },
  bucket: 'nix-cache',
  policyName: 'nix-cache-write',
  anonymous: 'get',
  cacheInfo: { storeDir: '/nix/store', priority: 30, wantMassQuery: true },
  key: { name: 'minio.lan-1', secretFile: '~/.config/nix/secret.key', publicFile: '~/.config/nix/public.key' },
  expireDays: null,
  writeMcConfig: true,
  alias: 's3',
  files: { mcConfig: '~/.mc/config.json', awsCredentials: '~/.aws/credentials', nixosModule: './nix-cache.nix', nixConf: './nix-cache.conf', policy: './nix-cache-write.json' },
};

/** The label of the last question, where ALL_BUT_LAST starts. */
export const LAST_QUESTION = 'nix-cache-info, for reference';

/** The widest line and the number of lines of every frame drawn so far. */
export function frameSizes(frames: readonly string[]): { width: number; height: number } {
  let width = 0;
  let height = 0;
  for (const frame of frames) {
    const lines = frame.split('\n');
    height = Math.max(height, lines.length);
    // eslint-disable-next-line no-control-regex
    for (const line of lines) width = Math.max(width, [...line.replace(/\u001B\[[0-9;]*m/g, '')].length);
  }
  return { width, height };
}

/**
 * The panel's text (right of the step list) as one line, rows joined by spaces: for asserting on
 * sentences whatever the wrapping.
 */
export function panelText(frame: string): string {
  return frame
    .split('\n')
    .map((line) => line.slice(21).trim())
    .filter((line) => line !== '')
    .join(' ');
}
