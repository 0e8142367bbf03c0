import type Database from 'better-sqlite3';
import type { Store } from '../store-types.js';
import { callBridge, newConnectionId } from './bridge.js';
import { redactPostgresUrl } from './location.js';
import { bindValues, translatePlaceholders, type TranslatedSql } from './placeholders.js';

export interface PostgresStoreOptions {
  /** How long a statement waits for another session's lock before it fails (ms); SQLite's busy_timeout. */
  lockTimeoutMs?: number;
  /**
   * How long the caller waits for any one answer before giving up on the server (ms): a server that
   * stopped answering without closing the connection (a network partition) fails the statement.
   */
  answerTimeoutMs?: number;
  /** Shown in pg_stat_activity, so an operator can tell the listeners and commands apart. */
  applicationName?: string;
}

interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/**
 * A PostgreSQL connection with the part of better-sqlite3's Database the store uses (prepare, exec,
 * transaction with savepoints when nested, close), so each store function runs on either engine. SQL that
 * differs between the engines is chosen by the store function itself (storeDialect); this class only
 * numbers placeholders and runs statements.
 */
export class PostgresStore implements Store {
  readonly name: string;
  readonly memory = false;
  #connection: number;
  #url: string;
  #timeoutMs: number;
  #depth = 0;
  #open = true;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.#url = url;
    this.name = redactPostgresUrl(url);
    this.#timeoutMs = options.answerTimeoutMs ?? 60_000;
    this.#connection = newConnectionId();
    callBridge(
      {
        op: 'connect',
        connection: this.#connection,
        url,
        applicationName: options.applicationName ?? 'smtp2go-portal',
        lockTimeoutMs: options.lockTimeoutMs ?? 5000,
      },
      // node-postgres gives up connecting after 10 s; this also bounds a bridge thread that failed to start.
      Math.min(this.#timeoutMs, 15_000),
    );
  }

  /** The URL with its password, for a thread that opens its own connection (never for printing). */
  get connectionString(): string {
    return this.#url;
  }

  get open(): boolean {
    return this.#open;
  }

  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  prepare(sql: string): PostgresStatement {
    return new PostgresStatement(this, translatePlaceholders(sql));
  }

  exec(sql: string): this {
    this.query({ text: sql });
    return this;
  }

  /** @internal Runs one statement on this store's connection. */
  query(request: { text: string; name?: string; values?: unknown[]; arrays?: boolean }) {
    if (!this.#open) throw new TypeError('The database connection is not open');
    return callBridge(
      { op: 'query', connection: this.#connection, ...request, inTransaction: this.#depth > 0 },
      this.#timeoutMs,
    );
  }

  /**
   * better-sqlite3's transaction(): BEGIN … COMMIT around `fn`, or a savepoint when already inside one, and
   * a rollback when `fn` throws. PostgreSQL has no BEGIN IMMEDIATE: rows are locked as they are written.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- better-sqlite3's own constraint
  transaction<F extends (...args: any[]) => any>(fn: F): Database.Transaction<F> {
    type Args = Parameters<F>;
    type Result = ReturnType<F>;
    const body = fn as (...args: Args) => Result;
    const run = (...args: Args): Result => {
      if (this.#depth === 0) return this.#outermost(body, args);
      const savepoint = `sp${this.#depth}`;
      this.query({ text: `SAVEPOINT ${savepoint}` });
      this.#depth += 1;
      try {
        const result = body(...args);
        this.query({ text: `RELEASE SAVEPOINT ${savepoint}` });
        return result;
      } catch (error) {
        this.query({ text: `ROLLBACK TO SAVEPOINT ${savepoint}` });
        this.query({ text: `RELEASE SAVEPOINT ${savepoint}` });
        throw error;
      } finally {
        this.#depth -= 1;
      }
    };
    const all = Object.assign(run, { deferred: run, immediate: run, exclusive: run, default: run });
    return all as unknown as Database.Transaction<F>;
  }

  #outermost<Args extends unknown[], Result>(fn: (...args: Args) => Result, args: Args): Result {
    this.query({ text: 'BEGIN' });
    this.#depth = 1;
    try {
      const result = fn(...args);
      // COMMIT of a transaction an error already aborted answers ROLLBACK, not an error: never report
      // such a batch as stored.
      const { command } = this.query({ text: 'COMMIT' });
      if (command !== 'COMMIT')
        throw new Error('PostgreSQL rolled the transaction back instead of committing it');
      return result;
    } catch (error) {
      try {
        this.query({ text: 'ROLLBACK' });
      } catch {
        // The connection is gone: PostgreSQL has rolled back already.
      }
      throw error;
    } finally {
      this.#depth = 0;
    }
  }

  pragma(source: string): never {
    throw new Error(`PRAGMA ${source} is SQLite's; this store is PostgreSQL`);
  }

  close(): this {
    if (!this.#open) return this;
    this.#open = false;
    try {
      callBridge({ op: 'end', connection: this.#connection }, this.#timeoutMs);
    } catch {
      // Closing a connection the server already dropped has nothing left to do.
    }
    return this;
  }
}

// One name per SQL text for the whole process, so each connection prepares a text once, whichever
// PostgresStatement object runs it.
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `s${statementNames.size + 1}`));
  return name;
}

class PostgresStatement {
  #store: PostgresStore;
  #sql: TranslatedSql;
  #name: string;
  #pluck = false;

  constructor(store: PostgresStore, sql: TranslatedSql) {
    this.#store = store;
    this.#sql = sql;
    // Prepared once per connection by name, like better-sqlite3's statements: repeated statements skip parsing.
    this.#name = statementName(sql.text);
  }

  pluck(toggle = true): this {
    this.#pluck = toggle;
    return this;
  }

  #run(args: unknown[]) {
    return this.#store.query({
      text: this.#sql.text,
      name: this.#name,
      values: bindValues(this.#sql.slots, args),
      arrays: this.#pluck,
    });
  }

  run(...args: unknown[]): RunResult {
    const { rowCount, rows } = this.#run(args);
    // An INSERT … RETURNING id answers the new row's id, which is what callers read lastInsertRowid for.
    const first = rows[0] as Record<string, unknown> | unknown[] | undefined;
    const id = Array.isArray(first) ? first[0] : first?.['id'];
    return { changes: rowCount, lastInsertRowid: typeof id === 'number' ? id : 0 };
  }

  get(...args: unknown[]): unknown {
    const row = this.#run(args).rows[0];
    return this.#pluck && row !== undefined ? (row as unknown[])[0] : row;
  }

  all(...args: unknown[]): unknown[] {
    const { rows } = this.#run(args);
    return this.#pluck ? rows.map((row) => (row as unknown[])[0]) : rows;
  }

  iterate(...args: unknown[]): IterableIterator<unknown> {
    return this.all(...args)[Symbol.iterator]();
  }
}
