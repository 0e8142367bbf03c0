import { join } from 'node:path';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { createDatabase } from './postgres-cluster.js';
import { useTempDir } from './temp-dir.js';

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Call inside a describe (or at the top of a file): each call of the returned function creates an empty
 * database in the run's cluster and returns its URL. The databases are dropped after the describe's tests.
 */
export function usePostgresDatabases(): () => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    if (made.length === 0) return;
    await withAdmin(async (client) => {
      for (const name of made.splice(0)) {
        // A store a test left open keeps its database (DROP would wait for it, then fail): the database
        // goes with the cluster at the end of the run.
        const open = await client.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name]);
        if (open.rowCount === 0) await client.query(`DROP DATABASE IF EXISTS ${name}`);
      }
    });
  });
  return async () => {
    const url = await createDatabase(inject('postgresUrl'));
    made.push(new URL(url).pathname.slice(1));
    return url;
  };
}

/** Where a store lives: a SQLite file path or a PostgreSQL URL. */
export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Call inside the describe: returns a function that gives a fresh, empty store location per call (a path
   * in a temp folder removed after the test, or a new database's URL).
   */
  useLocations(): () => Promise<string>;
}

const sqlite: StoreBackend = {
  name: 'sqlite',
  useLocations() {
    const tempDir = useTempDir();
    return async () => join(tempDir(), 'portal.db');
  },
};

const postgres: StoreBackend = { name: 'postgres', useLocations: usePostgresDatabases };

/**
 * Both store backends, for `describe.each(storeBackends())('store on $name', (backend) => { ... })`; inside,
 * `const location = backend.useLocations();` and `openStore(await location())` per test.
 */
export function storeBackends(): StoreBackend[] {
  return [sqlite, postgres];
}
