import { UsageError } from './errors.js';

/**
 * Where a page of `replies` ended: the listing time (sent, else created) and id of its last reply. The next
 * page starts strictly after it in (time, id) order, so replies stored meanwhile never shift or repeat a page.
 */
export interface ReplyCursor {
  at: string;
  id: number;
}

// Stored times are ISO-8601 text; anything else in a cursor did not come from `replies`.
const TIME = /^[0-9T:.+\-Z ]{1,40}$/;

/** Opaque to the operator: base64url of `[at, id]`. */
export function formatReplyCursor(cursor: ReplyCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id]), 'utf8').toString('base64url');
}

export function parseReplyCursor(value: string): ReplyCursor {
  const invalid = () =>
    new UsageError(
      `--cursor "${value.slice(0, 80)}" is not a cursor from \`replies\``,
      'pass the next_cursor of the previous page exactly, or drop --cursor to start from the newest',
    );
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [at, id] = parsed as unknown[];
  if (
    typeof at !== 'string' ||
    !TIME.test(at) ||
    typeof id !== 'number' ||
    !Number.isSafeInteger(id) ||
    id < 1
  )
    throw invalid();
  const cursor = { at, id };
  // Base64 has several spellings of the same bytes (trailing bits); only the one we print is accepted.
  if (formatReplyCursor(cursor) !== value) throw invalid();
  return cursor;
}
