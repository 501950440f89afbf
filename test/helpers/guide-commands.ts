/**
 * The well-known manual guide's MinIO steps, typed as written (SPEC: the product replaces it),
 * run with the real mc and the real Nix, one process per command, as a person or a shell script
 * runs them: its `~/.mc/config.json` alias `s3`, its `~/.aws/credentials` profile, a signing key
 * from `nix key generate-secret`, `mc mb`, `mc admin user add` (keys on stdin), its policy JSON
 * with `Id` and `Principal`, `mc admin policy create/attach`, `mc anonymous set download`, a
 * nix-cache-info with Priority 40 copied with `mc cp`, and `mc ilm rule add --expire-days N`.
 * The integration test of taking such a cache over and the benchmark both run it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMc, type McRun, type MinioInfo } from './minio-server';

export interface GuideSetup {
  /** the guide's user's home: `.mc/config.json`, `.aws/credentials`, `.config/nix/*.key` go here */
  readonly home: string;
  /** where the guide's files (policy JSON, nix-cache-info) are written and the commands run */
  readonly cwd: string;
  readonly bucket: string;
  readonly user: string;
  /** the builder's secret, as `pwgen 32 1` gave it */
  readonly secret: string;
  readonly expireDays: number;
  /** the signing key's name */
  readonly keyName: string;
  /** environment for `nix` (a private NIX_CONF_DIR); without it no key is generated */
  readonly nixEnv?: NodeJS.ProcessEnv;
}

/** The guide's write policy, as written: with `Id` and a `Principal`, which MinIO drops. */
export function guidePolicy(bucket: string, user: string): string {
  return JSON.stringify(
    {
      Id: 'AuthenticatedWrite',
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AuthenticatedWrite',
          Action: [
            's3:AbortMultipartUpload',
            's3:GetBucketLocation',
            's3:GetObject',
            's3:ListBucket',
            's3:ListBucketMultipartUploads',
            's3:ListMultipartUploadParts',
            's3:PutObject',
          ],
          Effect: 'Allow',
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Principal: user,
        },
      ],
    },
    null,
    2,
  );
}

export const GUIDE_CACHE_INFO = 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n';

/** Writes the guide's mc config and AWS profile (no command: the guide says to edit them). */
export function writeGuideFiles(minio: MinioInfo, setup: GuideSetup): void {
  mkdirSync(join(setup.home, '.mc'), { recursive: true });
  const mcConfig = { version: '10', aliases: { s3: { url: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey, api: 's3v4', path: 'auto' } } };
  writeFileSync(join(setup.home, '.mc', 'config.json'), JSON.stringify(mcConfig, null, 4) + '\n', { mode: 0o600 });
  mkdirSync(join(setup.home, '.aws'), { recursive: true });
  writeFileSync(join(setup.home, '.aws', 'credentials'), `[${setup.user}]\naws_access_key_id=${setup.user}\naws_secret_access_key=${setup.secret}\n`, { mode: 0o600 });
  writeFileSync(join(setup.cwd, 'nix-cache-write.json'), guidePolicy(setup.bucket, setup.user));
  writeFileSync(join(setup.cwd, 'nix-cache-info'), GUIDE_CACHE_INFO);
}

/**
 * Runs the guide's commands, one process each, with the alias `s3` from the guide's own
 * `~/.mc/config.json`. Throws naming the command that failed.
 */
export async function runGuideCommands(minio: MinioInfo, setup: GuideSetup): Promise<void> {
  if (setup.nixEnv) {
    const nix = ['--extra-experimental-features', 'nix-command', 'key'];
    mkdirSync(join(setup.home, '.config', 'nix'), { recursive: true });
    const secretPath = join(setup.home, '.config', 'nix', 'secret.key');
    const secret = execFileSync('nix', [...nix, 'generate-secret', '--key-name', setup.keyName], { env: setup.nixEnv, encoding: 'utf8' });
    writeFileSync(secretPath, secret, { mode: 0o600 });
    const pub = execFileSync('nix', [...nix, 'convert-secret-to-public'], { env: setup.nixEnv, input: secret, encoding: 'utf8' });
    writeFileSync(join(setup.home, '.config', 'nix', 'public.key'), pub);
  }
  // mc reads ~/.mc/config.json; given as --config-dir (before the command words, where mc honours it)
  const configDir = join(setup.home, '.mc');
  const mc = async (args: string[], stdin?: string): Promise<McRun> => {
    const result = await runMc(minio, args, { configDir, ...(stdin === undefined ? {} : { stdin }), env: { HOME: setup.home } });
    if (result.code !== 0) throw new Error(`mc ${args.join(' ')} failed (${result.code}): ${result.stderr || result.stdout}`);
    return result;
  };
  const target = `s3/${setup.bucket}`;
  await mc(['mb', target]);
  await mc(['admin', 'user', 'add', 's3'], `${setup.user}\n${setup.secret}\n`);
  await mc(['admin', 'policy', 'create', 's3', 'nix-cache-write', join(setup.cwd, 'nix-cache-write.json')]);
  await mc(['admin', 'policy', 'attach', 's3', 'nix-cache-write', '--user', setup.user]);
  await mc(['anonymous', 'set', 'download', target]);
  await mc(['cp', join(setup.cwd, 'nix-cache-info'), `${target}/nix-cache-info`]);
  await mc(['ilm', 'rule', 'add', '--expire-days', String(setup.expireDays), target]);
}
