// Copies every row of a SQLite store into a PostgreSQL database, which gets the real schema first
// (openStore from dist/), so the benchmarks compare the two engines on exactly the same data: the
// 1,000,000-event store of bench/generate-store.mjs for `stats`, the seeded replies and the configured
// secret for the listeners. A benchmark's bulk load, not a migration tool: foreign-key triggers are off
// during the copy (session_replication_role, as the cluster's superuser) and the secondary indexes are
// built once at the end, as the generator does on SQLite.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const ROOT = join(import.meta.dirname, '..');
const BATCH = 5000;

/** Copies `sqlitePath` into the (empty) database at `url`; resolves with the rows copied per table. */
export async function copyStoreToPostgres(sqlitePath, url) {
  const { openStore } = await import(pathToFileURL(join(ROOT, 'dist', 'store', 'open-store.js')).href);
  openStore(url).close();
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const source = new Database(sqlitePath, { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const copied = {};
  try {
    await client.query('SET session_replication_role = replica');
    // A bulk load of data that exists elsewhere: a commit need not wait for its WAL flush.
    await client.query('SET synchronous_commit = off');
    const tables = await client.query(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'smtp2go_portal_schema'`,
    );
    for (const { name } of tables.rows) {
      const sourceColumns = new Set(source.pragma(`table_info(${name})`).map((column) => column.name));
      if (sourceColumns.size === 0) continue;
      copied[name] = await copyTable(client, source, name, sourceColumns);
    }
    await client.query('SET session_replication_role = DEFAULT');
    // Read as the portal's commands will find a store autovacuum has caught up with: statistics and the
    // visibility map (index-only scans) in place, and no checkpoint of the load left to run.
    await client.query(`VACUUM (ANALYZE) ${Object.keys(copied).join(', ')}`);
    await client.query('CHECKPOINT');
  } finally {
    source.close();
    await client.end();
  }
  return copied;
}

async function copyTable(client, source, name, sourceColumns) {
  const { rows: targetColumns } = await client.query(
    `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
      ORDER BY ordinal_position`,
    [name],
  );
  const columns = targetColumns.map((column) => column.name).filter((column) => sourceColumns.has(column));
  const list = columns.map((column) => `"${column}"`).join(', ');
  const { rows: indexes } = await client.query(
    `SELECT indexname AS name, indexdef AS sql FROM pg_indexes i
      WHERE schemaname = 'public' AND tablename = $1
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    [name],
  );
  for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
  const insert = `INSERT INTO ${name} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${name}, $1::json)`;
  let count = 0;
  let batch = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await client.query({ name: `copy-${name}`, text: insert, values: [JSON.stringify(batch)] });
    count += batch.length;
    batch = [];
  };
  for (const row of source.prepare(`SELECT ${list} FROM ${name}`).iterate()) {
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  for (const index of indexes) await client.query(index.sql);
  // Rows came with their ids: the identity sequence must continue after them (as on SQLite).
  if (columns.includes('id'))
    await client.query(
      `SELECT setval(pg_get_serial_sequence('${name}', 'id'), GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM ${name}`,
    );
  return count;
}
