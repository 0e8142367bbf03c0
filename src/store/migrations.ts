import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  up: (db: Database) => void;
}

// Tracking columns shared by a reply and each of its recipients. Times are ISO-8601 UTC strings
// produced by Date#toISOString(), so they sort and compare correctly as text.
const TRACKING_COLUMNS = `
  sent_at TEXT,
  processed_at TEXT,
  delivered_at TEXT,
  opened_at TEXT,
  open_count INTEGER NOT NULL DEFAULT 0,
  clicked_at TEXT,
  click_count INTEGER NOT NULL DEFAULT 0,
  bounced_at TEXT,
  bounce_type TEXT,
  bounce_reason TEXT,
  spam_at TEXT,
  rejected_at TEXT,
  unsubscribed_at TEXT,
  resubscribed_at TEXT,
  last_event_at TEXT,
  last_event_type TEXT`;

/** Ordered, append-only. Never edit a released migration: add a new one. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (db) => {
      db.exec(`
        CREATE TABLE integration_modules (
          slug TEXT PRIMARY KEY,
          enabled INTEGER NOT NULL DEFAULT 0,
          settings TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );

        CREATE TABLE ticket_replies (
          id INTEGER PRIMARY KEY,
          ticket_id INTEGER,
          subject TEXT,
          sender TEXT,
          recipients TEXT NOT NULL DEFAULT '[]',
          email_tracking_id TEXT UNIQUE,
          rfc_message_id TEXT,
          smtp2go_email_id TEXT,
          transport TEXT NOT NULL DEFAULT 'pending',
          send_outcome TEXT,
          fallback_reason TEXT,
          last_error TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          ${TRACKING_COLUMNS}
        );
        CREATE INDEX ticket_replies_email_id ON ticket_replies (smtp2go_email_id);
        CREATE INDEX ticket_replies_message_id ON ticket_replies (rfc_message_id);
        CREATE INDEX ticket_replies_sent_at ON ticket_replies (sent_at);
        CREATE INDEX ticket_replies_ticket ON ticket_replies (ticket_id);

        CREATE TABLE reply_recipients (
          id INTEGER PRIMARY KEY,
          reply_id INTEGER NOT NULL REFERENCES ticket_replies (id) ON DELETE CASCADE,
          email TEXT NOT NULL,
          display_name TEXT,
          role TEXT NOT NULL CHECK (role IN ('to', 'cc', 'bcc')),
          send_status TEXT,
          send_error TEXT,
          ${TRACKING_COLUMNS},
          UNIQUE (reply_id, email)
        );
        CREATE INDEX reply_recipients_email ON reply_recipients (email);

        CREATE TABLE send_attempts (
          id INTEGER PRIMARY KEY,
          reply_id INTEGER NOT NULL REFERENCES ticket_replies (id) ON DELETE CASCADE,
          attempt_no INTEGER NOT NULL,
          transport TEXT NOT NULL,
          ok INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          http_status INTEGER,
          error_class TEXT,
          error TEXT,
          email_id TEXT,
          ms INTEGER NOT NULL,
          started_at TEXT NOT NULL
        );
        CREATE INDEX send_attempts_reply ON send_attempts (reply_id);

        CREATE TABLE email_tracking_events (
          id INTEGER PRIMARY KEY,
          dedupe_key TEXT NOT NULL UNIQUE,
          notification_id TEXT,
          reply_id INTEGER REFERENCES ticket_replies (id) ON DELETE SET NULL,
          smtp2go_email_id TEXT,
          tracking_id TEXT,
          message_id TEXT,
          event_type TEXT NOT NULL,
          raw_type TEXT NOT NULL,
          recipient TEXT,
          url TEXT,
          user_agent TEXT,
          ip TEXT,
          bounce_type TEXT,
          detail TEXT,
          occurred_at TEXT NOT NULL,
          time_source TEXT NOT NULL DEFAULT 'event',
          received_at TEXT NOT NULL,
          source TEXT NOT NULL DEFAULT 'webhook',
          content_type TEXT,
          raw_body TEXT NOT NULL,
          payload TEXT NOT NULL
        );
        CREATE INDEX events_reply_time ON email_tracking_events (reply_id, occurred_at);
        CREATE INDEX events_email_id ON email_tracking_events (smtp2go_email_id);
        CREATE INDEX events_received ON email_tracking_events (received_at);
        CREATE INDEX events_unlinked ON email_tracking_events (occurred_at) WHERE reply_id IS NULL;
      `);
    },
  },
  {
    // Events without a notification id (reconcile, trigger, some relays) are matched by content, and a
    // webhook that later brings its notification id must not count the same event twice.
    version: 2,
    up: (db) => {
      db.exec(`
        ALTER TABLE email_tracking_events ADD COLUMN content_key TEXT;
        CREATE INDEX events_content_key ON email_tracking_events (content_key);
      `);
    },
  },
  {
    // Each linked event asks whether its email still has orphans; without this partial index that walks
    // every event of the email (measured 3.4x slower ingest at 200 events per email id).
    version: 3,
    up: (db) => {
      db.exec(
        'CREATE INDEX events_unlinked_email ON email_tracking_events (smtp2go_email_id) WHERE reply_id IS NULL',
      );
    },
  },
  {
    // Fewer index pages written per event. The content key hashes the email id, so one (email id, content key)
    // index serves both the content probe and every email-id lookup. Nothing queries received_at, and the
    // unlinked-event queries use events_reply_time (reply_id IS NULL) or events_unlinked_email, never events_unlinked.
    version: 4,
    up: (db) => {
      db.exec(`
        DROP INDEX events_received;
        DROP INDEX events_unlinked;
        DROP INDEX events_content_key;
        DROP INDEX events_email_id;
        CREATE INDEX events_email_content ON email_tracking_events (smtp2go_email_id, content_key);
      `);
    },
  },
  {
    // An event with a notification id asks whether an id-less copy of itself (reconcile, trigger) is stored.
    // events_email_content finds every event with that content, ids or not, and each row must then be read to
    // see its notification_id: 10,000 same-content events cost about 10x the ingest time per event. Only
    // id-less rows can answer, so a partial index holds just those.
    version: 5,
    up: (db) => {
      db.exec(
        'CREATE INDEX events_idless_content ON email_tracking_events (content_key) WHERE notification_id IS NULL',
      );
    },
  },
  {
    // `replies` lists newest first by the time a reply went out (its creation time while never sent), the
    // same expression the stats window uses; the index keeps a page a short walk instead of a sort of every reply.
    version: 6,
    up: (db) => {
      db.exec('CREATE INDEX ticket_replies_listed ON ticket_replies (COALESCE(sent_at, created_at))');
    },
  },
  {
    // First-party tracking (issue 15): opaque tokens whose redirect target lives only here (no open
    // redirect), which tracker each reply and recipient had, and machine hits counted apart from people.
    version: 7,
    up: (db) => {
      const machineColumns = (table: string) => `
        ALTER TABLE ${table} ADD COLUMN tracker TEXT;
        ALTER TABLE ${table} ADD COLUMN human_opened_at TEXT;
        ALTER TABLE ${table} ADD COLUMN machine_open_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${table} ADD COLUMN machine_click_count INTEGER NOT NULL DEFAULT 0;`;
      db.exec(`
        CREATE TABLE tracking_tokens (
          token TEXT PRIMARY KEY,
          reply_id INTEGER NOT NULL REFERENCES ticket_replies (id) ON DELETE CASCADE,
          recipient TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('open', 'click')),
          url TEXT,
          expires_at TEXT NOT NULL,
          created_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX tracking_tokens_reply ON tracking_tokens (reply_id);
        ${machineColumns('ticket_replies')}
        ${machineColumns('reply_recipients')}
        ALTER TABLE email_tracking_events ADD COLUMN classification TEXT;
        CREATE TABLE plausible_forwards (
          outcome TEXT PRIMARY KEY CHECK (outcome IN ('forwarded', 'dropped', 'failed')),
          count INTEGER NOT NULL DEFAULT 0,
          last_at TEXT
        );
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
