import type { TestProject } from 'vitest/node';
import { startCluster, type PostgresCluster } from './postgres-cluster.js';

declare module 'vitest' {
  interface ProvidedContext {
    /** The run's one throwaway PostgreSQL cluster: its superuser's URL for the `postgres` database. */
    postgresUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

/**
 * One cluster for the whole run, shared by every test file through inject('postgresUrl'); each file makes
 * its own databases in it. No PostgreSQL fails the run here instead of skipping: CI installs it (.ci/run).
 */
export async function setup(project: TestProject): Promise<void> {
  cluster = await startCluster();
  project.provide('postgresUrl', cluster.adminUrl);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}
