/**
 * The connection screen's test (`session.testConnection`, what the wizard and --plain show) on a
 * wrong scheme and a refused port, against the real servers: https:// to a plain-HTTP port says to
 * use http:// and points at the endpoint (not at caFile: no CA would help); a refused connection
 * names the address and port it tried.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { completeFromDisk } from '../../source/facts/read-facts';
import { createSetupSession } from '../../source/session/create-setup-session';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { makeCliSandbox } from '../helpers/run-cli';

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const row of backendTargets().filter((r) => r.target === null || r.target.adminVia !== 'mc')) {
  describe.skipIf(row.target === null)(`the connection test on ${row.name}${row.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
    const target = row.target as BackendTarget;
    const effects = makeCliSandbox().effects();
    const test = async (endpoint: string) => {
      const { answers } = await completeFromDisk({ ...target.answers(endpoint) }, effects);
      return createSetupSession(effects, { outDir: undefined }).testConnection(answers);
    };

    it('https:// to its plain-HTTP port says to use http:// and points at the endpoint, not caFile', async () => {
      const https = target.endpoint.replace(/^http:/, 'https:');
      const result = await test(https);
      expect(result).toMatchObject({ ok: false, field: 'endpoint' });
      expect(!result.ok && result.message).toMatch(/answers in plain HTTP, not https: use http:\/\//);
      // with what to do, as the step said it
      expect(!result.ok && result.message).toContain('What to do: Use an http:// endpoint');
    });

    it('a refused connection names the port it tried', async () => {
      const port = await closedPort();
      const result = await test(`http://127.0.0.1:${port}`);
      expect(result).toMatchObject({ ok: false, field: 'endpoint' });
      expect(!result.ok && result.message).toContain(`(tried 127.0.0.1 port ${port})`);
      expect(!result.ok && result.message).toContain('What to do: Check that the server is running');
    });
  });
}
