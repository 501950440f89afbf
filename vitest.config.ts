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
          // the distributed MinIO (test/integration/minio-cluster.test.ts) included: it needs root,
          // as CI runs (issue 20)
          exclude: ['node_modules/**'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // One RGW serves the run, and the fault tests stop and start it: one file at a time.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          // The distributed MinIO alone (`npm run test:cluster`): a 4-node MinIO in a network
          // namespace of its own behind a round-robin balancer (test/helpers/minio-cluster.ts);
          // needs root. `npm test` runs it too, in the integration project.
          name: 'cluster',
          include: ['test/integration/minio-cluster.test.ts'],
          testTimeout: 400_000,
          hookTimeout: 300_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
