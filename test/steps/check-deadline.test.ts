import { createServer, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { completeFromDisk } from '../../source/facts/read-facts';
import { createSetupSession } from '../../source/session/create-setup-session';
import { makeCliSandbox } from '../helpers/run-cli';

it('--dry-run against a server that accepts connections and never answers ends at one deadline, every step saying why', async () => {
  // Given a server that takes the TCP connection and then says nothing, ever
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const sandbox = makeCliSandbox();
    const effects = sandbox.effects();
    const { answers } = await completeFromDisk(
      { backend: 's3', endpoint: `http://127.0.0.1:${port}`, builder: { accessKey: 'builder', secretKey: 'Builder-secret-1' }, expireDays: 7 },
      effects,
    );
    const session = createSetupSession(effects, { outDir: undefined, systemNixConf: async () => null, checkDeadlineMs: 1500 });
    const plan = await session.prepareSetup(answers, []);

    // When every step is checked
    const started = Date.now();
    const reports = await session.checkPlan(plan);

    // Then the whole check takes the one deadline, not a timeout per step
    expect(Date.now() - started).toBeLessThan(5000);
    expect(reports.length).toBeGreaterThanOrEqual(4);
    expect(reports.every((r) => r.status === 'failed')).toBe(true);
    // (the checks run together, so each one meets the same deadline and says so)
    expect(reports[0]!.detail).toMatch(/no answer within the 2 s the whole check may take/);
    expect(reports.every((r) => /no answer within the 2 s the whole check may take|not checked: step "connect" found no working connection/.test(r.detail))).toBe(true);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
