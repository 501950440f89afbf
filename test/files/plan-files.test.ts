import { describe, expect, it } from 'vitest';
import { planFiles } from '../../source/files/plan-files';
import { exampleAnswers, PUBLIC_KEY, SECRET_KEY } from './example-answers';

const base = { home: '/home/ada', cwd: '/home/ada/infra' };

describe('the file plan', () => {
  it('lists every file with its real path, mode and a short title', () => {
    const files = planFiles({ answers: exampleAnswers(), base, publicKeys: [PUBLIC_KEY], secretKeyText: SECRET_KEY });
    expect(files.map((f) => [f.id, f.title, f.path, f.mode.toString(8), f.secret])).toEqual([
      ['mcConfig', 'mc config (alias s3)', '/home/ada/.mc/config.json', '600', true],
      ['awsCredentials', 'AWS credentials (profile nixbuilder)', '/home/ada/.aws/credentials', '600', true],
      ['nixosModule', 'NixOS module', '/home/ada/infra/nix-cache.nix', '644', false],
      ['nixConf', 'nix.conf snippet', '/home/ada/infra/nix-cache.conf', '644', false],
      ['policy', 'Write policy nix-cache-write (IAM JSON)', '/home/ada/infra/nix-cache-write.json', '644', false],
      ['cacheInfo', 'nix-cache-info', '/home/ada/infra/nix-cache-info', '644', false],
      ['builderModule', 'NixOS module for the builder (signs and uploads every build)', '/home/ada/infra/nix-cache-builder.nix', '644', false],
      ['secretKey', 'Signing secret key', '/home/ada/.config/nix/secret.key', '600', true],
      ['publicKey', 'Signing public key', '/home/ada/.config/nix/public.key', '644', false],
    ]);
    expect(files.find((f) => f.id === 'secretKey')?.keepExisting).toBe(true);
    expect(files.map((f) => f.outPath)).toEqual([
      'home/.mc/config.json',
      'home/.aws/credentials',
      'nix-cache.nix',
      'nix-cache.conf',
      'nix-cache-write.json',
      'nix-cache-info',
      'nix-cache-builder.nix',
      'home/.config/nix/secret.key',
      'home/.config/nix/public.key',
    ]);
  });

  it('renders the module and snippet for this endpoint, bucket and every trusted key', () => {
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const files = planFiles({ answers: exampleAnswers({ caFile: '/etc/ca.pem' }), base, publicKeys: [PUBLIC_KEY, 'old-1:AAAA'], caPem });
    const module = files.find((f) => f.id === 'nixosModule')!.render(null);
    expect(module).toContain('"https://s3.example.org:9000/nix-cache"');
    expect(module).toContain(`"${PUBLIC_KEY}"`);
    expect(module).toContain('"old-1:AAAA"');
    expect(module).toContain("security.pki.certificates = [\n    ''\n      -----BEGIN CERTIFICATE-----\n      MIIB\n");
    expect(module).toContain('nix.settings.connect-timeout = lib.mkDefault 5;');
    const conf = files.find((f) => f.id === 'nixConf')!.render(null);
    expect(conf).toContain(`extra-trusted-public-keys = ${PUBLIC_KEY} old-1:AAAA\n`);
    expect(files.find((f) => f.id === 'publicKey')!.render(null)).toBe(PUBLIC_KEY);
  });

  it('gives a private cache an s3:// substituter with the reader profile and its own 0600 credentials file', () => {
    const files = planFiles({ answers: exampleAnswers({ anonymous: 'none' }), base, publicKeys: [PUBLIC_KEY] });
    const reader = files.find((f) => f.id === 'readerCredentials')!;
    expect([reader.path, reader.mode.toString(8), reader.secret]).toEqual(['/home/ada/infra/nix-cache-reader.credentials', '600', true]);
    expect(reader.render(null)).toBe('[nixreader]\naws_access_key_id = nixreader\naws_secret_access_key = Rd3+bc,de-fg.hj=km_np4qr7stuvWxy\n');
    expect(reader.renderMasked(null)).not.toContain('Rd3+bc');
    const url = 's3://nix-cache?profile=nixreader&endpoint=https://s3.example.org:9000';
    expect(files.find((f) => f.id === 'nixosModule')!.render(null)).toContain(`"${url}"`);
    expect(files.find((f) => f.id === 'nixConf')!.render(null)).toContain(`extra-substituters = ${url}\n`);
    // A public cache has no reader.
    expect(planFiles({ answers: exampleAnswers(), base, publicKeys: [PUBLIC_KEY] }).map((f) => f.id)).not.toContain('readerCredentials');
  });

  it('points the builder module at the real key and credentials files, and uploads with the builder profile', () => {
    const files = planFiles({ answers: exampleAnswers(), base, publicKeys: [PUBLIC_KEY] });
    const module = files.find((f) => f.id === 'builderModule')!.render(null);
    expect(module).toContain('secretKeyFile = "/home/ada/.config/nix/secret.key";');
    expect(module).toContain('awsCredentialsFile = "/home/ada/.aws/credentials";');
    expect(module).toContain('cacheStore = "s3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000";');
  });

  it('leaves out the mc config when it is not wanted or the admin keys are unknown', () => {
    const notWanted = planFiles({ answers: exampleAnswers({ writeMcConfig: false }), base, publicKeys: [PUBLIC_KEY] });
    expect(notWanted.map((f) => f.id)).not.toContain('mcConfig');
    const noKeys = planFiles({
      answers: exampleAnswers({ admin: { accessKey: undefined, secretKey: undefined, mcAlias: undefined } }),
      base,
      publicKeys: [PUBLIC_KEY],
    });
    expect(noKeys.map((f) => f.id)).not.toContain('mcConfig');
    const fromEnvironment = planFiles({
      answers: exampleAnswers({ admin: { accessKey: undefined, secretKey: undefined, mcAlias: undefined } }),
      base,
      publicKeys: [PUBLIC_KEY],
      adminAccessKey: 'envadmin',
      adminSecretKey: 'env-secret-key',
    });
    expect(fromEnvironment.find((f) => f.id === 'mcConfig')!.render(null)).toContain('"accessKey": "envadmin"');
  });

  it('leaves out the AWS credentials until the builder secret is known, as on Ceph before the user step', () => {
    const answers = exampleAnswers({ backend: 'ceph', builder: { accessKey: 'nixbuilder', secretKey: undefined, profile: 'nixbuilder' } });
    expect(planFiles({ answers, base, publicKeys: [PUBLIC_KEY] }).map((f) => f.id)).not.toContain('awsCredentials');
    const later = planFiles({ answers, base, publicKeys: [PUBLIC_KEY], builderSecretKey: 'Server+generated=secret' });
    expect(later.find((f) => f.id === 'awsCredentials')!.render(null)).toContain('aws_secret_access_key = Server+generated=secret\n');
  });

  it('never shows a secret in a masked rendering', () => {
    const files = planFiles({ answers: exampleAnswers(), base, publicKeys: [PUBLIC_KEY], secretKeyText: SECRET_KEY });
    const existingCredentials = '[default]\naws_secret_access_key = other-secret-value\n';
    for (const file of files) {
      const existing = file.id === 'awsCredentials' ? existingCredentials : null;
      const masked = file.renderMasked(existing);
      for (const secret of ['Adm1n-secret-key', 'Xa3+bc,de-fg.hj=km_np4qr7stuvWxy', SECRET_KEY.split(':')[1]!, 'other-secret-value']) {
        expect(masked).not.toContain(secret);
      }
      expect(file.maskContent?.(file.render(existing))).toBe(masked);
    }
    expect(files.find((f) => f.id === 'secretKey')!.renderMasked(null)).toBe('s3.example.org-1:********');
  });

  it('keeps an existing secret key as it is', () => {
    const secret = planFiles({ answers: exampleAnswers(), base, publicKeys: [PUBLIC_KEY], secretKeyText: SECRET_KEY }).find((f) => f.id === 'secretKey')!;
    expect(secret.render('old-1:EXISTING\n')).toBe('old-1:EXISTING\n');
    expect(secret.render(null)).toBe(SECRET_KEY);
  });
});
