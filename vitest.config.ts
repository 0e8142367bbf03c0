import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The slow reliability runs have their own config (npm run test:reliability).
    exclude: [...configDefaults.exclude, 'test/reliability/**/*.rel.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Listener and SMTP tests bind real sockets; forks keep native better-sqlite3 handles per process.
    pool: 'forks',
    // Most of the suite waits on sockets, child processes and PostgreSQL rather than the CPU: two forks on a
    // 2-core machine (vitest's default there is one) took the whole run from 166 s to 99 s (2026-12-06).
    maxWorkers: 2,
    // One throwaway PostgreSQL cluster per run for the PostgreSQL store tests (inject('postgresUrl')).
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
  },
});
