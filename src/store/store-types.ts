import type Database from 'better-sqlite3';

/** A prepared statement, on either engine: better-sqlite3's, or PostgresStore's that mirrors it. */
export interface StoreStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  pluck(toggle?: boolean): this;
}

/**
 * The tracking store: a better-sqlite3 Database (the embedded default) or a PostgresStore. Store code
 * uses only this much of better-sqlite3's API, which PostgresStore also has; what the engines do
 * differently (SQL dialect, PRAGMA, file checks, backup) is chosen with storeDialect().
 */
export interface Store {
  readonly name: string;
  readonly memory: boolean;
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): StoreStatement;
  exec(sql: string): this;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- better-sqlite3's own constraint
  transaction<F extends (...args: any[]) => any>(fn: F): Database.Transaction<F>;
  pragma(source: string, options?: Database.PragmaOptions): unknown;
  close(): this;
}
