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
