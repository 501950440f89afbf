/** Complete `Answers` for the S3 step tests, every default applied, overridable per test. */
import type { Answers } from '../../../source/answers/answers';

export type AnswersOverrides = Partial<Omit<Answers, 'admin' | 'builder' | 'cacheInfo'>> & {
  readonly admin?: Partial<Answers['admin']>;
  readonly builder?: Partial<Answers['builder']>;
};

export function makeAnswers(overrides: AnswersOverrides = {}): Answers {
  const { admin, builder, ...rest } = overrides;
  return {
    backend: 'minio',
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    caFile: undefined,
    insecure: false,
    adminVia: 'api',
    alias: 's3',
    writeMcConfig: true,
    bucket: 'nix-cache',
    policyName: 'nix-cache-write',
    anonymous: 'get',
    cacheInfo: { storeDir: '/nix/store', wantMassQuery: true, priority: 30 },
    key: { name: '127.0.0.1-1', secretFile: '~/.config/nix/secret.key', publicFile: '~/.config/nix/public.key' },
    expireDays: null,
    files: {
      mcConfig: '~/.mc/config.json',
      awsCredentials: '~/.aws/credentials',
      nixosModule: './nix-cache.nix',
      nixConf: './nix-cache.conf',
      policy: './nix-cache-write.json',
      cacheInfo: './nix-cache-info',
    },
    ...rest,
    admin: { accessKey: 'admin-access', secretKey: 'admin-secret-value', mcAlias: undefined, ...admin },
    builder: { accessKey: 'nixbuilder', secretKey: 'builder-secret-value', profile: 'nixbuilder', ...builder },
  };
}
