/** SPEC 2 and 10: some answers are allowed but said loudly on every run. */
import { describe, expect, it } from 'vitest';
import { completeFromDisk } from '../../source/facts/read-facts';
import { makeCliSandbox } from '../helpers/run-cli';

const where = { env: {}, home: '/home/u', cwd: '/home/u/work' };
const admin = { accessKey: 'minioadmin', secretKey: 'Admin-Secret-123' };

describe('warnings about the answers', () => {
  it('says nothing for an https endpoint with TLS verification on', async () => {
    expect((await completeFromDisk({ endpoint: 'https://s3.example.org', admin }, where)).warnings).toEqual([]);
  });

  it('warns about plain http, a .local host and insecure, each by its field', async () => {
    const { warnings } = await completeFromDisk({ endpoint: 'http://nas.local:9000', admin, insecure: true }, where);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^endpoint: .*plain http/);
    expect(warnings[1]).toMatch(/^endpoint: nas\.local is an mDNS/);
    expect(warnings[2]).toMatch(/^insecure: TLS certificate verification is OFF/);
  });

  it('prints the insecure warning on every run, on stderr, and keeps --json output clean', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ endpoint: 'https://s3.example.org', admin, insecure: true });
    for (let run = 0; run < 2; run++) {
      const result = await sandbox.run(['preview', '--answers', 'answers.json']);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('warning: insecure: TLS certificate verification is OFF');
    }
    const json = await sandbox.run(['preview', '--json', '--answers', 'answers.json']);
    expect(json.stderr).toBe('');
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings.some((w) => w.startsWith('insecure:'))).toBe(true);
  });
});
