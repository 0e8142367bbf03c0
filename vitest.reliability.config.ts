import { defineConfig } from 'vitest/config';

/**
 * The slow reliability runs (`npm run test:reliability`): tens of thousands of events against the built
 * listener, SIGKILL and restart, 100,000 fuzz cases. Each prints its figures for RELIABILITY.md.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.rel.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One big run at a time: two would fight over the disk and skew each other's numbers.
    fileParallelism: false,
    // The default config's test/**/*.test.ts also matches *.rel.test.ts: the slow files run only when this is set.
    env: { SMTP2GO_RELIABILITY: '1' },
    // One throwaway PostgreSQL cluster per run for the PostgreSQL store runs (inject('postgresUrl')).
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
  },
});
