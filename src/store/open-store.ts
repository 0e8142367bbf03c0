import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { StoreError } from '../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { isPostgresLocation, redactPostgresUrl } from './postgres/location.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { migratePostgres, postgresSchemaVersion } from './postgres/schema.js';
import type { Store } from './store-types.js';

export type { Store, StoreStatement } from './store-types.js';
export type SqliteStore = Database.Database;

/** Which engine a store runs on; the few places whose SQL or checks differ ask this. */
export function storeDialect(store: Store): 'sqlite' | 'postgres' {
  return store instanceof PostgresStore ? 'postgres' : 'sqlite';
}

/**
 * What another thread opens to reach the same store (the commit thread, the dashboard's data thread):
 * the SQLite path, or the PostgreSQL URL with its password. Never print it; print `store.name`.
 */
export function storeLocation(store: Store): string {
  return store instanceof PostgresStore ? store.connectionString : store.name;
}

export interface OpenStoreOptions {
  /** How long a writer waits for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /**
   * For commands that only read (stats, backup, doctor, replay from the store): the file must already
   * exist, and neither it nor its folder is created, so a mistyped --db is an error instead of an empty store.
   * The connection still migrates, so a store left by an older version reads correctly.
   */
  mustExist?: boolean;
  migrations?: Migration[];
}

/**
 * Opens (creating if needed) the tracking store and brings its schema up to date.
 * The file is created 0600 before SQLite touches it: it holds API keys and webhook secrets,
 * and SQLite gives the -wal and -shm files the same mode as the database file.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  if (isPostgresLocation(path)) return openPostgresStore(path, options);
  const isMemory = path === ':memory:';
  const mustExist = !isMemory && (options.readonly === true || options.mustExist === true);
  if (mustExist && !existsSync(path)) {
    throw new StoreError(`the database ${path} does not exist`, {
      hint: 'check --db or SMTP2GO_PORTAL_DB; only commands that write (configure, send-test, webhook serve) create one',
    });
  }
  const SqliteDatabase = loadDriver();
  const created = !isMemory && !mustExist && createPrivateFile(path);
  let db: SqliteStore;
  try {
    db = new SqliteDatabase(path, {
      readonly: options.readonly ?? false,
      fileMustExist: mustExist,
      nativeBinding: nativeBinding(),
    });
  } catch (error) {
    if (isDriverError(error)) {
      if (created) rmSync(path, { force: true });
      throw driverError(error);
    }
    throw new StoreError(`cannot open the database ${path}: ${(error as Error).message}`, {
      hint: 'check the path given with --db or SMTP2GO_PORTAL_DB',
      cause: error,
    });
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: an acknowledged webhook must survive power loss, not only a process crash.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db, options.migrations ?? MIGRATIONS);
    else assertSchemaKnown(db, options.migrations ?? MIGRATIONS);
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`the database ${path} is unreadable: ${(error as Error).message}`, {
      hint: 'it may be corrupt or not an smtp2go-portal database; point --db at another file or restore a backup',
      cause: error,
    });
  }
  return db;
}

/**
 * A PostgreSQL store: connects (the password from the URL, PGPASSWORD or ~/.pgpass, as libpq does) and
 * migrates under an advisory lock. A readonly store only checks that it knows the schema. Errors name the
 * server without the password.
 */
function openPostgresStore(url: string, options: OpenStoreOptions): Store {
  let store: PostgresStore;
  const shown = redactPostgresUrl(url);
  try {
    store = new PostgresStore(url, {
      ...(options.busyTimeoutMs === undefined ? {} : { lockTimeoutMs: options.busyTimeoutMs }),
    });
  } catch (error) {
    throw new StoreError(`cannot connect to PostgreSQL at ${shown}: ${(error as Error).message}`, {
      hint: 'check the URL given with --db or SMTP2GO_PORTAL_DB, that the server runs, and the password (URL, PGPASSWORD or ~/.pgpass)',
      cause: error,
    });
  }
  try {
    const migrations = options.migrations ?? MIGRATIONS;
    const refuse = (current: number) => refuseNewerSchema(current, migrations);
    if (options.readonly === true) refuse(postgresSchemaVersion(store));
    else migratePostgres(store, refuse);
  } catch (error) {
    store.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`the PostgreSQL database ${shown} cannot be used: ${(error as Error).message}`, {
      hint: 'the role needs CREATE on the schema the first time (see README, Scaling out); point --db at another database otherwise',
      cause: error,
    });
  }
  return store;
}

// Start-up matters (issue 6 gives `stats --reply` 1.5x a bare `node -e 0`), and better-sqlite3 is the
// biggest thing every command loads. Required rather than imported: an ESM import of a CommonJS package
// makes Node parse it and what it re-exports for named exports first (a few ms). And given the path of its
// addon, it skips the `bindings` package, which walks a stack trace and probes a dozen paths (about 10 ms);
// if the addon is not at its usual place, bindings searches as before.
const require = createRequire(import.meta.url);
let addonPath: string | undefined | null = null;

function loadBetterSqlite(): typeof Database {
  return require('better-sqlite3') as typeof Database;
}

/**
 * better-sqlite3 loads its native addon only when a database is constructed; loading it here first means
 * an addon built for another Node.js (after a Node upgrade) or never built (install scripts off, no
 * toolchain) fails before any file is created, and as one line that says what to do.
 */
function loadDriver(): typeof Database {
  try {
    const binding = nativeBinding();
    if (binding !== undefined) require(binding);
    return loadBetterSqlite();
  } catch (error) {
    throw isDriverError(error) ? driverError(error) : error;
  }
}

function isDriverError(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_DLOPEN_FAILED' ||
    code === 'MODULE_NOT_FOUND' ||
    (typeof message === 'string' && /bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/.test(message))
  );
}

function driverError(error: unknown): StoreError {
  const reason =
    String((error as Error).message)
      .split('\n')[0]
      ?.replace(/\s*Tried:$/, '') ?? '';
  return new StoreError(
    `the SQLite driver better-sqlite3 is not built for this Node.js (${process.version}): ${reason}`,
    {
      hint: 'run `npm rebuild better-sqlite3` where smtp2go-portal is installed; without a prebuilt binary for this platform it compiles, which needs python3, make and a C++ compiler',
      cause: error,
    },
  );
}

/** A plain connection to an existing SQLite file, without the store's pragmas or migrations (a backup copy, say). */
export function openSqliteFile(path: string): SqliteStore {
  const SqliteDatabase = loadBetterSqlite();
  return new SqliteDatabase(path, { fileMustExist: true, nativeBinding: nativeBinding() });
}

function nativeBinding(): string | undefined {
  if (addonPath === null) {
    try {
      addonPath = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      addonPath = undefined;
    }
  }
  return addonPath;
}

/** Returns whether it created the file. */
function createPrivateFile(path: string): boolean {
  try {
    makeDirectories(dirname(path));
    if (existsSync(path)) return false;
    closeSync(openSync(path, 'a', 0o600));
    // openSync's mode is filtered by the umask; make sure it is exactly 0600.
    chmodSync(path, 0o600);
    return true;
  } catch (error) {
    throw new StoreError(`cannot create the database ${path}: ${(error as Error).message}`, {
      hint: 'choose a writable location with --db or SMTP2GO_PORTAL_DB',
      cause: error,
    });
  }
}

/**
 * mkdir -p, one level at a time: Node 20's `mkdirSync(recursive)` spins forever when the kernel answers
 * ENOENT for a parent that cannot hold folders (e.g. `--db /proc/nope/x.db`); here that is a plain error.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let current = dir; !existsSync(current); current = dirname(current)) {
    if (dirname(current) === current) break;
    missing.unshift(current);
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Makes the store's files (the database, its -wal and -shm) 0600 before secrets are written into them: a
 * store created by hand (`touch`) or loosened later keeps the mode it has, and SQLite copies it to the
 * -wal and -shm. Returns a notice naming what was loosened, or null; throws, writing nothing, when a file
 * cannot be changed (another user's).
 */
export function makeStorePrivate(db: Store): string | null {
  if (db.memory || storeDialect(db) === 'postgres') return null;
  const loosened: Array<{ file: string; mode: number }> = [];
  for (const file of [db.name, `${db.name}-wal`, `${db.name}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // no -wal/-shm yet
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      throw new StoreError(
        `${file} is readable by other users (mode ${mode.toString(8)}) and cannot be made private, so no secret was written: ${(error as Error).message}`,
        {
          hint: `as its owner: chmod 600 ${file}`,
          cause: error,
        },
      );
    }
    loosened.push({ file, mode });
  }
  if (loosened.length === 0) return null;
  const modes = [...new Set(loosened.map(({ mode }) => mode.toString(8)))].join(', ');
  const one = loosened.length === 1;
  return `${loosened.map(({ file }) => file).join(', ')} ${one ? 'was' : 'were'} readable by other users (mode ${modes}) and ${one ? 'holds' : 'hold'} secrets: now 0600`;
}

export function schemaVersion(db: Store): number {
  if (storeDialect(db) === 'postgres') return postgresSchemaVersion(db);
  return db.pragma('user_version', { simple: true }) as number;
}

function assertSchemaKnown(db: Store, migrations: Migration[]): void {
  refuseNewerSchema(schemaVersion(db), migrations);
}

function refuseNewerSchema(current: number, migrations: Migration[]): void {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      `the database schema is version ${current}, newer than this smtp2go-portal knows (${latest})`,
      {
        hint: 'upgrade smtp2go-portal, or point --db at another file',
      },
    );
  }
}

/** Applies each pending migration in its own transaction; re-running is a no-op. */
export function migrate(store: Store, migrations: Migration[] = MIGRATIONS): void {
  if (storeDialect(store) === 'postgres')
    throw new Error('migrate() is for SQLite stores; PostgreSQL migrates in openStore');
  const db = store as SqliteStore;
  assertSchemaKnown(db, migrations);
  for (const migration of migrations) {
    if (migration.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
