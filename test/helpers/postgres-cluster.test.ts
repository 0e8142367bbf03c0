import { existsSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findPostgresBinaries } from './postgres-binaries.js';
import { startCluster, type PostgresCluster } from './postgres-cluster.js';
import { storeBackends, usePostgresDatabases } from './postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the run-wide PostgreSQL cluster (global setup)', () => {
  const database = usePostgresDatabases();

  it('answers SELECT 1 over TCP on 127.0.0.1 with the generated password', async () => {
    const url = new URL(inject('postgresUrl'));
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.password.length).toBeGreaterThanOrEqual(20);
    expect(await query(url.href, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('gives each fresh database its own empty namespace', async () => {
    const [first, second] = [await database(), await database()];
    expect(first).not.toBe(second);
    await query(first, 'CREATE TABLE marker (id int)');
    const tables = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
    expect(await query(first, tables)).toEqual([{ table_name: 'marker' }]);
    expect(await query(second, tables)).toEqual([]);
  });

  it('refuses a wrong password', async () => {
    const url = new URL(inject('postgresUrl'));
    url.password = 'not-the-password';
    await expect(query(url.href, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });
});

describe('a throwaway cluster of its own', () => {
  let cluster: PostgresCluster | undefined;
  afterAll(() => cluster?.stop());

  it('keeps committed rows across an immediate stop and a restart, then stop() removes its folder', async () => {
    cluster = await startCluster();
    if (process.getuid?.() === 0) expect(statSync(cluster.dataDir).uid).not.toBe(0);
    const url = await cluster.createDatabase('kept');
    await query(url, 'CREATE TABLE t (v text); INSERT INTO t VALUES (1)');

    await cluster.kill();
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await cluster.start();
    await query(url, 'INSERT INTO t VALUES (2)');
    await cluster.restart();
    expect(await query(url, 'SELECT v FROM t ORDER BY v')).toEqual([{ v: '1' }, { v: '2' }]);

    const dir = cluster.socketDir;
    await cluster.stop();
    expect(existsSync(dir)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await expect(cluster.start()).rejects.toThrow(/stopped and removed/);
  });
});

describe('findPostgresBinaries', () => {
  it('fails with the package to install when there is no PostgreSQL', () => {
    expect(() => findPostgresBinaries({ PATH: '/nonexistent' }, '/nonexistent')).toThrow(
      /^no PostgreSQL server programs .*apt-get install -y postgresql\)$/,
    );
  });
});

describe.each(storeBackends())('store locations on $name', (backend) => {
  const location = backend.useLocations();

  it('are fresh on every call', async () => {
    const [first, second] = [await location(), await location()];
    expect(first).not.toBe(second);
    if (backend.name === 'sqlite') {
      expect(existsSync(first)).toBe(false);
    } else {
      expect(
        await query(first, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`),
      ).toEqual([{ n: 0 }]);
    }
  });
});
