/** The next steps printed at the end of a run (SPEC 4): ready to paste, right for the local Nix. */
import { describe, expect, it } from 'vitest';
import { nextSteps, nixCopyStoreUrl } from '../../source/plan/next-steps';
import { exampleAnswers } from '../files/example-answers';

const where = { nixosModulePath: '/home/u/work/nix-cache.nix', nixConfPath: '/home/u/work/nix-cache.conf', secretKeyPath: '/home/u/.config/nix/secret.key', cwd: '/home/u/work', home: '/home/u' };

describe('the next steps', () => {
  it('give Nix 2.33 and later the endpoint as a full URL', () => {
    expect(nixCopyStoreUrl(exampleAnswers(), '2.33.0')).toBe('s3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000');
    expect(nixCopyStoreUrl(exampleAnswers(), '3.0')).toContain('endpoint=https://s3.example.org:9000');
  });

  it('give older Nix the bare host and port', () => {
    expect(nixCopyStoreUrl(exampleAnswers(), '2.8.0')).toBe('s3://nix-cache?profile=nixbuilder&endpoint=s3.example.org:9000');
    expect(nixCopyStoreUrl(exampleAnswers(), '2.32.9')).toContain('endpoint=s3.example.org:9000');
  });

  it('add scheme=http for a plain-http endpoint, and the region when it is not the default', () => {
    const url = nixCopyStoreUrl(exampleAnswers({ endpoint: 'http://nas.lan:9000', region: 'eu-west-1' }), '2.8.0');
    expect(url).toBe('s3://nix-cache?profile=nixbuilder&endpoint=nas.lan:9000&region=eu-west-1&scheme=http');
  });

  it('name the files as the user would type them and quote the store URL for the shell', () => {
    const lines = nextSteps({ answers: exampleAnswers(), ...where, nixVersion: '2.8.0' });
    expect(lines).toContain('sudo nixos-rebuild switch');
    expect(lines).toContain('nix store sign --recursive --key-file ~/.config/nix/secret.key /run/current-system');
    expect(lines).toContain("nix copy --to 's3://nix-cache?profile=nixbuilder&endpoint=s3.example.org:9000' /run/current-system");
    expect(lines.some((line) => line.includes('./nix-cache.nix'))).toBe(true);
    expect(lines.some((line) => line.includes('cat ./nix-cache.conf | sudo tee -a /etc/nix/nix.conf'))).toBe(true);
  });
});
