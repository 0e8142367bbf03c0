import type { Store } from './open-store.js';

/**
 * Prepared statements built once per connection: preparing on every event costs more than the insert
 * itself on the listener's hot path. A WeakMap lets a closed store and its statements be collected.
 */
export function statementCache<T>(build: (db: Store) => T): (db: Store) => T {
  const cache = new WeakMap<Store, T>();
  return (db) => {
    let statements = cache.get(db);
    if (statements === undefined) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}

type Statement = ReturnType<Store['prepare']>;
const bySql = statementCache((): Map<string, Statement> => new Map());

/** A statement by its SQL text, for queries whose text is built at run time (the stats window queries). */
export function prepared(db: Store, sql: string): Statement {
  const statements = bySql(db);
  let statement = statements.get(sql);
  if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}
