import { schemaVersion, type Store } from '../store/open-store.js';
import { POSTGRES_MIGRATIONS } from '../store/postgres/schema.js';
import type { DoctorCheck } from './doctor.js';
import { fail, ok, schemaCheck, warn } from './doctor-check.js';

const SCHEMA_TABLE = 'smtp2go_portal_schema';
const WRITES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/**
 * A PostgreSQL store has no file beside this process to check (mode 0600, WAL, free space): what can go
 * wrong is the server, its durability settings, and what the role may do. Every message names the store by
 * its printable URL (no password).
 */
export function postgresChecks(store: Store): DoctorCheck[] {
  let server: { role: string; version: string; schema: string | null };
  try {
    server = store
      .prepare(
        "SELECT current_user AS role, split_part(current_setting('server_version'), ' ', 1) AS version, current_schema() AS schema",
      )
      .get() as typeof server;
  } catch (error) {
    return [
      fail(
        'database',
        `${store.name} stopped answering: ${error instanceof Error ? error.message : String(error)}`,
        'check that the server runs and accepts connections from this machine',
      ),
    ];
  }
  return [
    ok('database', `connected to ${store.name} as ${server.role} (PostgreSQL ${server.version})`),
    schemaCheck(schemaVersion(store)),
    durabilityCheck(store),
    privilegesCheck(store, server.role, server.schema ?? 'public'),
  ];
}

/**
 * The listener answers 200 once its commit returns; with synchronous_commit off PostgreSQL returns before
 * the commit is on disk, so a server crash could lose webhooks SMTP2Go will never send again. fsync and
 * full_page_writes off put the same rows (and the database itself) at the mercy of a power cut.
 */
function durabilityCheck(store: Store): DoctorCheck {
  const settings = store
    .prepare(
      "SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync, current_setting('full_page_writes') AS full_page_writes",
    )
    .get() as Record<'synchronous_commit' | 'fsync' | 'full_page_writes', string>;
  if (settings.synchronous_commit === 'off')
    return fail(
      'durability',
      'synchronous_commit is off: a webhook answered 200 can be lost if the server crashes',
      'ALTER ROLE … RESET synchronous_commit (or set it on in postgresql.conf)',
    );
  const off = (['fsync', 'full_page_writes'] as const).filter((name) => settings[name] === 'off');
  if (off.length > 0)
    return warn(
      'durability',
      `${off.join(' and ')} ${off.length === 1 ? 'is' : 'are'} off on the server: a power cut can lose stored webhooks or damage the database`,
      `set ${off.map((name) => `${name} = on`).join(', ')} in postgresql.conf`,
    );
  return ok('durability', `synchronous_commit is ${settings.synchronous_commit}, fsync on`);
}

/** Every table the schema creates: the listener reads, adds, updates and prunes rows in each. */
function storeTables(): string[] {
  const tables = POSTGRES_MIGRATIONS.flatMap(({ sql }) =>
    [...sql.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1] as string),
  );
  return [...new Set(tables)];
}

/**
 * Migrating needs CREATE, which a listener's role should not keep (README, Scaling out); running needs the
 * four row privileges on every table, and SELECT on the schema version.
 */
function privilegesCheck(store: Store, role: string, schema: string): DoctorCheck {
  const wanted = [
    ...storeTables().flatMap((table) => WRITES.map((privilege) => [table, privilege] as const)),
    [SCHEMA_TABLE, 'SELECT'] as const,
  ];
  const values = wanted.map(([table, privilege]) => `('${table}', '${privilege}')`).join(', ');
  const missing = store
    .prepare(
      `SELECT wanted.tbl AS "table", wanted.privilege FROM (VALUES ${values}) AS wanted (tbl, privilege)
       WHERE to_regclass(wanted.tbl) IS NOT NULL AND NOT has_table_privilege(to_regclass(wanted.tbl), wanted.privilege)`,
    )
    .all() as Array<{ table: string; privilege: string }>;
  if (missing.length === 0)
    return ok('privileges', `role ${role} can read and write every table of the store`);
  const byTable = new Map<string, string[]>();
  for (const { table, privilege } of missing) byTable.set(table, [...(byTable.get(table) ?? []), privilege]);
  const listed = [...byTable].map(([table, privileges]) => `${privileges.join(', ')} on ${table}`);
  return fail(
    'privileges',
    `role ${role} lacks ${listed.slice(0, 3).join('; ')}${listed.length > 3 ? `; and ${listed.length - 3} more` : ''}`,
    `as the owner: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${identifier(schema)} TO ${identifier(role)} (README, Scaling out)`,
  );
}

/** A name as SQL must spell it for the GRANT to be pasted as is. */
function identifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
