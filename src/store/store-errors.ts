/**
 * What a failed statement says about the store, on either engine:
 * - `busy`: another writer held a lock too long (SQLITE_BUSY, PostgreSQL's lock or statement timeout);
 *   the next commit may well work, so the listener stays healthy.
 * - `conflict`: PostgreSQL gave up on this transaction to let a concurrent one through (deadlock,
 *   serialization failure); running the same batch again is the documented answer.
 * - `failure`: the store itself cannot commit (full, read-only, corrupt, unreachable, restarting).
 * - null: the statement failed on what it was given, not on the store.
 */
export type StoreErrorKind = 'busy' | 'conflict' | 'failure';

const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;
const SQLITE_FAILURE = /^SQLITE_(FULL|IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN|NOMEM|PROTOCOL|PERM)/;
// SQLSTATE classes: 08 connection, 53 resources (disk full, out of memory, too many connections), 57P
// shutdown/restart, 58 system I/O, XX internal, 3D000 no such database, 28 authentication, 25006 read-only
// (a hot standby), 42501 no privilege; plus the bridge's own TIMEOUT and Node's socket errors.
const POSTGRES_BUSY = /^(55P03|57014|TIMEOUT)$/;
const POSTGRES_CONFLICT = /^(40P01|40001)$/;
const POSTGRES_FAILURE = /^(08|53|57P|58|XX|3D000|28|25006|42501|E[A-Z]+$)/;

export function storeErrorKind(error: unknown): StoreErrorKind | null {
  const { code, connectionLost } = (error ?? {}) as { code?: unknown; connectionLost?: unknown };
  if (connectionLost === true) return 'failure';
  if (typeof code !== 'string') return null;
  if (SQLITE_BUSY.test(code) || POSTGRES_BUSY.test(code)) return 'busy';
  if (POSTGRES_CONFLICT.test(code)) return 'conflict';
  if (SQLITE_FAILURE.test(code) || POSTGRES_FAILURE.test(code)) return 'failure';
  return null;
}
