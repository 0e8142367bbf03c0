import { randomBytes } from 'node:crypto';
import { storeDialect, type Store } from './open-store.js';
import { statementCache } from './statement-cache.js';

export type TokenKind = 'open' | 'click';

export interface NewToken {
  kind: TokenKind;
  /** The link's target as a browser would follow it (entities decoded); null for the pixel. */
  url: string | null;
}

export interface TokenRow {
  token: string;
  reply_id: number;
  recipient: string;
  kind: TokenKind;
  url: string | null;
  expires_at: string;
}

/**
 * 18 random bytes (144 bits) as base64url: 24 characters, nothing about the recipient or the link in it.
 * The shape is what the listener accepts before it asks the store.
 */
function newTrackingToken(): string {
  return randomBytes(18).toString('base64url');
}

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{24}$/;

/** A token with what a hit on it records: the reply's tracking id lets the ingest link it like any event. */
export interface TrackingHitRow extends TokenRow {
  tracking_id: string | null;
}

const statements = statementCache((db) => ({
  hit: db.prepare(
    `SELECT t.token, t.reply_id, t.recipient, t.kind, t.url, t.expires_at, r.email_tracking_id AS tracking_id
       FROM tracking_tokens t JOIN ticket_replies r ON r.id = t.reply_id WHERE t.token = ?`,
  ),
  insert: db.prepare(
    'INSERT INTO tracking_tokens (token, reply_id, recipient, kind, url, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
  // PostgreSQL: a copy's tokens (one per link) in one statement, since each statement is a round trip.
  insertAll:
    storeDialect(db) === 'postgres'
      ? db.prepare(
          `INSERT INTO tracking_tokens (token, reply_id, recipient, kind, url, expires_at, created_at)
           SELECT t.token, ?, ?, t.kind, t.url, ?, ? FROM jsonb_to_recordset(?::jsonb) AS t(token text, kind text, url text)`,
        )
      : null,
  find: db.prepare(
    'SELECT token, reply_id, recipient, kind, url, expires_at FROM tracking_tokens WHERE token = ?',
  ),
  recipientTracker: db.prepare('UPDATE reply_recipients SET tracker = ? WHERE reply_id = ? AND email = ?'),
  replyTracker: db.prepare('UPDATE ticket_replies SET tracker = ? WHERE id = ?'),
}));

/**
 * Mints one token per entry for one recipient's copy, in one transaction, before the copy is sent, so a
 * click that beats the relay's answer still finds its token. The expiry is fixed now, at send time.
 */
export function createTrackingTokens(
  db: Store,
  copy: { replyId: number; recipient: string; expiresAt: Date; now: Date },
  tokens: NewToken[],
  mint = newTrackingToken,
): string[] {
  const sql = statements(db);
  if (sql.insertAll !== null) {
    const rows = tokens.map(({ kind, url }) => ({ token: mint(), kind, url }));
    sql.insertAll.run(
      copy.replyId,
      copy.recipient.toLowerCase(),
      copy.expiresAt.toISOString(),
      copy.now.toISOString(),
      JSON.stringify(rows),
    );
    return rows.map(({ token }) => token);
  }
  const write = db.transaction(() =>
    tokens.map(({ kind, url }) => {
      const token = mint();
      sql.insert.run(
        token,
        copy.replyId,
        copy.recipient.toLowerCase(),
        kind,
        url,
        copy.expiresAt.toISOString(),
        copy.now.toISOString(),
      );
      return token;
    }),
  );
  return write.immediate();
}

export function findTrackingToken(db: Store, token: string): TokenRow | undefined {
  return statements(db).find.get(token) as TokenRow | undefined;
}

export function findTrackingHit(db: Store, token: string): TrackingHitRow | undefined {
  return statements(db).hit.get(token) as TrackingHitRow | undefined;
}

/** Which tracker each recipient's copy had, and the reply's overall one (see core/first-party-tracking.ts). */
export function recordTrackers(
  db: Store,
  replyId: number,
  recipients: Array<{ email: string; tracker: string }>,
  replyTracker: string,
): void {
  const sql = statements(db);
  db.transaction(() => {
    for (const { email, tracker } of recipients)
      sql.recipientTracker.run(tracker, replyId, email.toLowerCase());
    sql.replyTracker.run(replyTracker, replyId);
  }).immediate();
}
