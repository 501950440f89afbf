import type { Answers } from '../../source/answers/answers';

/** Resolved answers as the defaults of SPEC 2 give them, for a MinIO at s3.example.org. */
export function exampleAnswers(overrides: Partial<Answers> = {}): Answers {
  return {
    backend: 'minio',
    endpoint: 'https://s3.example.org:9000',
    region: 'us-east-1',
    caFile: undefined,
    insecure: false,
    admin: { accessKey: 'minioadmin', secretKey: 'Adm1n-secret-key', mcAlias: undefined },
    adminVia: 'api',
    alias: 's3',
    writeMcConfig: true,
    bucket: 'nix-cache',
    builder: { accessKey: 'nixbuilder', secretKey: 'Xa3+bc,de-fg.hj=km_np4qr7stuvWxy', profile: 'nixbuilder' },
    reader: { accessKey: 'nixreader', secretKey: 'Rd3+bc,de-fg.hj=km_np4qr7stuvWxy', profile: 'nixreader' },
    policyName: 'nix-cache-write',
    anonymous: 'get',
    cacheInfo: { storeDir: '/nix/store', wantMassQuery: true, priority: 30 },
    key: { name: 's3.example.org-1', secretFile: '~/.config/nix/secret.key', publicFile: '~/.config/nix/public.key', trusted: [] },
    expireDays: null,
    connectTimeout: 5,
    files: {
      mcConfig: '~/.mc/config.json',
      awsCredentials: '~/.aws/credentials',
      nixosModule: './nix-cache.nix',
      nixConf: './nix-cache.conf',
      policy: './nix-cache-write.json',
      cacheInfo: './nix-cache-info',
      builderModule: './nix-cache-builder.nix',
      readerCredentials: './nix-cache-reader.credentials',
    },
    ...overrides,
  };
}

export const PUBLIC_KEY = 's3.example.org-1:VGhpcyBpcyBub3QgYSByZWFsIGtleSBidXQgMzJieXQ=';
export const SECRET_KEY = 's3.example.org-1:c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVkc2VlZHNlZWRWR2hwY3lCcGN5QnViM1FnWVNCeVpXRnNJR3RsZVNCaWRYUWdNekppZVhR';
