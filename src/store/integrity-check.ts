import { storeDialect, type Store } from './open-store.js';

const TABLES = [
  'integration_modules',
  'ticket_replies',
  'reply_recipients',
  'send_attempts',
  'email_tracking_events',
  'tracking_tokens',
  'plausible_forwards',
];

/**
 * What is wrong with the store's contents, one line per problem, none when it is sound. SQLite: its
 * quick_check of every page. PostgreSQL checks its own pages (and offers no quick_check): what can be wrong
 * from here is a table that is missing or that this role cannot read, so each is read once.
 */
export function integrityProblems(db: Store): string[] {
  if (storeDialect(db) === 'postgres') {
    const problems: string[] = [];
    for (const table of TABLES) {
      try {
        db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get();
      } catch (error) {
        problems.push(`${table}: ${(error as Error).message}`);
      }
    }
    return problems;
  }
  const result = db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
  return result.map((row) => row.quick_check).filter((text) => text !== 'ok');
}
