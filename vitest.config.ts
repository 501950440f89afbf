import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/reporters/summary-line.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['test/setup/ink-outside-ci.ts'],
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: ['test/integration/**', 'node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // Talks to a real Ceph RGW started once for the run (test/integration/global-setup.ts).
          name: 'integration',
          include: ['test/integration/**/*.test.{ts,tsx}'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // One RGW serves the run, and the fault tests stop and start it: one file at a time.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
