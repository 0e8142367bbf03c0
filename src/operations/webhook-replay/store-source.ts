import { storeDialect, type Store } from '../../store/open-store.js';
import { FORM_TYPE, JSON_TYPE } from '../../webhook/parse-body.js';
import type { ReplayFilter } from './filter.js';
import type { ReplaySource, SourceItem, StoredEventColumns } from './source.js';

interface Row {
  id: number;
  raw_body: string;
  content_type: string | null;
  event_type: string;
  recipient: string | null;
  occurred_at: string;
  reply_id: number | null;
  smtp2go_email_id: string | null;
}

const STORE_PAGE_SIZE = 500;

/**
 * The whole replay filter narrowed in SQL. Rows without a single recipient (`processed`) pass the
 * recipient test here and are checked per event by the caller.
 */
function whereClause(
  query: ReplayFilter,
  dialect: ReturnType<typeof storeDialect>,
): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.replyId !== undefined) (parts.push('reply_id = @reply_id'), (params.reply_id = query.replyId));
  if (query.emailId !== undefined)
    (parts.push('smtp2go_email_id = @email_id'), (params.email_id = query.emailId));
  if (query.since !== undefined)
    (parts.push('occurred_at >= @since'), (params.since = query.since.toISOString()));
  if (query.until !== undefined)
    (parts.push('occurred_at < @until'), (params.until = query.until.toISOString()));
  if (query.types !== undefined && query.types.length > 0) {
    const names = query.types.map((type, index) => ((params[`type${index}`] = type), `@type${index}`));
    parts.push(`event_type IN (${names.join(', ')})`);
  }
  if (query.recipient !== undefined) {
    params.recipient = query.recipient;
    // The address ends with the domain: SQLite's substr counts back from the end when its start is negative.
    const ending =
      dialect === 'postgres'
        ? 'right(lower(recipient), length(@recipient))'
        : 'substr(lower(recipient), -length(@recipient))';
    parts.push(
      query.recipient.startsWith('@')
        ? `(recipient IS NULL OR ${ending} = @recipient)`
        : '(recipient IS NULL OR lower(recipient) = @recipient)',
    );
  }
  return { sql: parts.length === 0 ? '' : `AND ${parts.join(' AND ')}`, params };
}

/**
 * Stored events, oldest row first, byte for byte as received. Read in keyset pages of a few hundred rows
 * rather than one long `.iterate()`: an open iterator would keep the connection busy, and a local replay
 * writes to this same connection between reads. Memory holds one page.
 */
export function openStoreSource(db: Store, query: ReplayFilter, pageSize = STORE_PAGE_SIZE): ReplaySource {
  const { sql, params } = whereClause(query, storeDialect(db));
  // Counted only if someone asks (the progress bar), not for every replay.
  let total: number | undefined;
  const count = () =>
    (db
      .prepare(`SELECT count(*) FROM email_tracking_events WHERE 1 = 1 ${sql}`)
      .pluck()
      .get(params) as number) ?? 0;
  const page = db.prepare(
    `SELECT id, raw_body, content_type, event_type, recipient, occurred_at, reply_id, smtp2go_email_id
     FROM email_tracking_events WHERE id > @after ${sql} ORDER BY id LIMIT @limit`,
  );
  let done = 0;
  async function* items(): AsyncGenerator<SourceItem> {
    let after = 0;
    for (;;) {
      const rows: Row[] = [];
      for (const row of page.iterate({ ...params, after, limit: pageSize }) as IterableIterator<Row>)
        rows.push(row);
      if (rows.length === 0) return;
      for (const row of rows) {
        done += 1;
        after = row.id;
        yield {
          kind: 'record',
          position: row.id,
          rawBody: row.raw_body,
          contentType: row.content_type ?? guessContentType(row.raw_body),
          stored: columns(row),
        };
      }
    }
  }
  return {
    positionName: 'event',
    items: items(),
    progress: () => ({ done, total: (total ??= count()), unit: 'events' }),
  };
}

function columns(row: Row): StoredEventColumns {
  return {
    id: row.id,
    eventType: row.event_type,
    recipient: row.recipient,
    occurredAt: row.occurred_at,
    replyId: row.reply_id,
    emailId: row.smtp2go_email_id,
  };
}

function guessContentType(rawBody: string): string {
  return /^\s*[[{]/.test(rawBody) ? JSON_TYPE : FORM_TYPE;
}
