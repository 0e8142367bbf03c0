#!/usr/bin/env node
// Builds a benchmark tracking store: by default 100,000 replies and exactly 1,000,000 stored events.
//
//   node bench/generate-store.mjs [--db <path>] [--replies 100000] [--events 1000000] [--seed 1]
//
// The schema is the real one (dist/store/open-store.js, so run `npm run build` first). Rows are written
// with direct INSERTs in large transactions: going through the webhook listener would take minutes and
// measure ingest, not stats. The tests build their stores through the real ingest and send paths; this
// file is for the benchmark only. The reply and recipient tracking columns are derived from the generated
// events with the same rules as the ingest (earliest time per type, counted opens and clicks, a hard bounce
// outranks a soft one, the latest event), so `stats` reads a store shaped like a real one. Deterministic
// for a given seed.
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const END = Date.parse('2026-11-30T00:00:00Z');
const SPAN_MS = 90 * 86_400_000;
const DOMAINS = [
  'gmail.com',
  'outlook.com',
  'yahoo.com',
  'icloud.com',
  'proton.me',
  'example.org',
  'acme.test',
  'gmx.de',
  'orange.fr',
  'web.de',
];
const URLS = [
  'https://help.example.com/t/',
  'https://help.example.com/kb/reset-password',
  'https://example.com/pricing',
  'https://status.example.com/',
];
const AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  'Microsoft Outlook 16.0',
  'Apple Mail',
];

export function parseArgs(argv) {
  const options = {
    db: join(tmpdir(), 'smtp2go-portal-bench', 'stats-1m.db'),
    replies: 100_000,
    events: 1_000_000,
    seed: 1,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--db') options.db = value;
    else if (flag === '--replies') options.replies = Number(value);
    else if (flag === '--events') options.events = Number(value);
    else if (flag === '--seed') options.seed = Number(value);
    else throw new Error(`unknown option ${flag} (use --db, --replies, --events, --seed)`);
    i += 1;
  }
  if (!(options.replies > 0) || !(options.events >= 0))
    throw new Error('--replies must be > 0 and --events >= 0');
  return options;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms) => new Date(ms).toISOString();

/** Generates and writes the store; returns counts and the time taken. */
export async function generateStore(options) {
  const started = performance.now();
  const { openStore } = await import(pathToFileURL(join(ROOT, 'dist', 'store', 'open-store.js')).href);
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(options.db + suffix)) rmSync(options.db + suffix);
  const db = openStore(options.db);
  // Bulk load: durability of a throw-away benchmark file does not matter.
  db.pragma('journal_mode = MEMORY');
  db.pragma('synchronous = OFF');
  // The random notification ids make the unique index's inserts scattered: keep its pages in memory.
  db.pragma('cache_size = -1000000');
  // Secondary indexes are built once at the end (a sort) instead of row by row (scattered B-tree inserts):
  // the same definitions, read back from the schema, so the finished store is exactly what openStore makes.
  const eventIndexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'email_tracking_events' AND sql IS NOT NULL`,
    )
    .all();
  for (const index of eventIndexes) db.exec(`DROP INDEX ${index.name}`);
  const eventColumns = new Set(
    db
      .prepare('PRAGMA table_info(email_tracking_events)')
      .all()
      .map((c) => c.name),
  );
  const withContentKey = eventColumns.has('content_key');
  const insertReply = db.prepare(
    `INSERT INTO ticket_replies (id, ticket_id, subject, sender, recipients, email_tracking_id, rfc_message_id, smtp2go_email_id,
       transport, send_outcome, fallback_reason, last_error, created_at, updated_at, sent_at, processed_at, delivered_at, opened_at,
       open_count, clicked_at, click_count, bounced_at, bounce_type, bounce_reason, spam_at, rejected_at, unsubscribed_at,
       last_event_at, last_event_type)
     VALUES (@id, @ticket_id, @subject, @sender, @recipients, @tracking_id, @message_id, @email_id, @transport, @outcome,
       @fallback_reason, @last_error, @created_at, @created_at, @sent_at, @processed_at, @delivered_at, @opened_at, @open_count,
       @clicked_at, @click_count, @bounced_at, @bounce_type, @bounce_reason, @spam_at, @rejected_at, @unsubscribed_at,
       @last_event_at, @last_event_type)`,
  );
  const insertRecipient = db.prepare(
    `INSERT INTO reply_recipients (reply_id, email, display_name, role, send_status, send_error, sent_at, processed_at, delivered_at,
       opened_at, open_count, clicked_at, click_count, bounced_at, bounce_type, bounce_reason, spam_at, rejected_at,
       unsubscribed_at, last_event_at, last_event_type)
     VALUES (@reply_id, @email, NULL, @role, @send_status, @send_error, @sent_at, @processed_at, @delivered_at, @opened_at,
       @open_count, @clicked_at, @click_count, @bounced_at, @bounce_type, @bounce_reason, @spam_at, @rejected_at,
       @unsubscribed_at, @last_event_at, @last_event_type)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO email_tracking_events (dedupe_key, ${withContentKey ? 'content_key, ' : ''}notification_id, reply_id, smtp2go_email_id,
       tracking_id, message_id, event_type, raw_type, recipient, url, user_agent, ip, bounce_type, detail, occurred_at, time_source,
       received_at, source, content_type, raw_body, payload)
     VALUES (@dedupe_key, ${withContentKey ? '@content_key, ' : ''}@notification_id, @reply_id, @email_id, @tracking_id, @message_id,
       @type, @type, @recipient, @url, @user_agent, @ip, @bounce_type, @detail, @occurred_at, 'event', @received_at, 'webhook',
       'application/json', @raw_body, @raw_body)`,
  );

  const random = mulberry32(options.seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  // Unique, scattered ids from a counter (a multiplicative hash per 8 hex digits), much cheaper than 32 random draws.
  let serial = options.seed * 1_000_003;
  const HEX4 = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'));
  const hex = (n) => {
    serial += 1;
    let s = '';
    for (let i = 0; s.length < n; i += 1) {
      const v = Math.imul(serial ^ Math.imul(i, 0x9e3779b9), 0x85ebca6b) >>> 0;
      s += HEX4[v >>> 16] + HEX4[v & 0xffff];
    }
    return s.length === n ? s : s.slice(0, n);
  };
  const base64url = (n) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let s = '';
    for (let i = 0; i < n; i += 1) s += alphabet[Math.floor(random() * 64)];
    return s;
  };

  let eventsLeft = options.events;
  let unlinkedLeft = Math.round(options.events * 0.002);
  const BLOCK = 2000;
  const block = [];
  const flush = db.transaction((rows) => {
    // Events arrive interleaved across replies, so a reply's rows are scattered through the table as in real life.
    rows.sort((a, b) => (a.received_at < b.received_at ? -1 : 1));
    for (const row of rows) insertEvent.run(row);
  });

  const writeReplies = db.transaction((from, to) => {
    for (let id = from; id < to; id += 1) {
      const repliesLeft = options.replies - id + 1;
      const budget = Math.max(
        0,
        Math.round((eventsLeft - unlinkedLeft) / repliesLeft + (random() - 0.5) * 6),
      );
      const made = generateReply(id, Math.min(budget, eventsLeft - unlinkedLeft));
      eventsLeft -= made.length;
      block.push(...made);
      if (unlinkedLeft > 0 && random() < unlinkedLeft / repliesLeft) {
        block.push(unlinkedEvent(id));
        unlinkedLeft -= 1;
        eventsLeft -= 1;
      }
    }
  });

  function unlinkedEvent(id) {
    const at = END - SPAN_MS + ((id - 1) / options.replies) * SPAN_MS + 5_000;
    const fields = {
      event: 'delivered',
      email_id: `${base64url(6)}-${base64url(10)}-${base64url(4)}`,
      rcpt: `someone${id}@${pick(DOMAINS)}`,
      time: iso(at),
    };
    return eventRow(null, fields, {
      type: 'delivered',
      at,
      recipient: fields.rcpt,
      emailId: fields.email_id,
      trackingId: null,
      messageId: null,
    });
  }

  function eventRow(replyId, fields, e) {
    const notification = hex(32);
    return {
      dedupe_key: `n:${notification}`,
      content_key: `c:${hex(64)}`,
      notification_id: notification,
      reply_id: replyId,
      email_id: e.emailId,
      tracking_id: e.trackingId,
      message_id: e.messageId,
      type: e.type,
      recipient: e.recipient,
      url: e.url ?? null,
      user_agent: e.userAgent ?? null,
      ip: e.ip ?? null,
      bounce_type: e.bounceType ?? null,
      detail: e.detail ?? null,
      occurred_at: fields.time,
      received_at: iso(e.at + 200 + Math.floor(random() * 3000)),
      raw_body: JSON.stringify({ id: notification, ...fields }),
    };
  }

  function generateReply(id, budget) {
    const createdMs = END - SPAN_MS + ((id - 1) / options.replies) * SPAN_MS + Math.floor(random() * 60_000);
    const roll = random();
    // Mostly the API; some relay fallbacks, a few partial successes completed by relay, a few failures.
    const transport =
      roll < 0.92
        ? 'api'
        : roll < 0.97
          ? 'smtp'
          : roll < 0.985
            ? 'api+smtp'
            : roll < 0.995
              ? 'failed'
              : 'pending';
    const n = random() < 0.75 ? 1 : random() < 0.7 ? 2 : 3;
    const recipients = Array.from({ length: n }, (_, i) => ({
      email: `user${id}.${i}@${pick(DOMAINS)}`,
      role: i === 0 ? 'to' : random() < 0.8 ? 'cc' : 'bcc',
    }));
    const trackingId = base64url(24);
    const messageId = `<${trackingId}@portal.example.com>`;
    const emailId =
      transport === 'api' || transport === 'api+smtp'
        ? `${base64url(6)}-${base64url(10)}-${base64url(4)}`
        : null;
    const sentMs =
      transport === 'failed' || transport === 'pending'
        ? null
        : createdMs + 300 + Math.floor(random() * 1500);
    const reply = {
      id,
      ticket_id: 10_000 + Math.floor(id / 3),
      subject: `Re: [#${10_000 + Math.floor(id / 3)}] Your request`,
      sender: 'Help Desk <help@example.com>',
      recipients: JSON.stringify(recipients.map((r) => r.email)),
      tracking_id: trackingId,
      message_id: messageId,
      email_id: emailId,
      transport,
      outcome:
        transport === 'failed'
          ? 'failed'
          : transport === 'pending'
            ? null
            : transport === 'api+smtp'
              ? 'sent'
              : 'sent',
      fallback_reason:
        transport === 'smtp' || transport === 'api+smtp' ? 'api: SMTP2Go answered HTTP 503' : null,
      last_error: transport === 'failed' ? 'api: connection refused | smtp: 535 authentication failed' : null,
      created_at: iso(createdMs),
      sent_at: sentMs === null ? null : iso(sentMs),
      ...emptyTracking(),
    };
    const rows = recipients.map((r) => ({
      reply_id: id,
      email: r.email,
      role: r.role,
      send_status: sentMs === null ? (transport === 'failed' ? 'failed' : null) : 'sent',
      send_error: transport === 'failed' ? 'connection refused' : null,
      sent_at: reply.sent_at,
      ...emptyTracking(),
    }));
    const events = [];
    if (sentMs !== null && budget > 0) {
      const ids = { emailId, trackingId: emailId === null ? trackingId : null, messageId };
      const add = (type, at, recipient, extra = {}) => {
        const fields = {
          event: type,
          time: iso(at),
          email_id: emailId ?? undefined,
          rcpt: recipient ?? undefined,
          ...extra.fields,
        };
        events.push(eventRow(id, fields, { type, at, recipient, ...ids, ...extra }));
        applyEffect(reply, type, fields.time, extra.bounceType, extra.detail);
        if (recipient === null) for (const row of rows) applyEffect(row, type, fields.time);
        else
          applyEffect(
            rows.find((row) => row.email === recipient),
            type,
            fields.time,
            extra.bounceType,
            extra.detail,
          );
      };
      const processedAt = sentMs + 500 + Math.floor(random() * 2000);
      add('processed', processedAt, null, { fields: { recipients: recipients.map((r) => r.email) } });
      const reached = [];
      for (const r of recipients) {
        if (events.length >= budget) break;
        const fate = random();
        const at = processedAt + 1000 + Math.floor(random() * 20_000 * (1 + random() * 10));
        if (fate < 0.025) {
          const hard = random() < 0.6;
          const detail = hard
            ? '550 5.1.1 The email account that you tried to reach does not exist'
            : 'DATA: 452 Mailbox full';
          add('bounce', at, r.email, {
            bounceType: hard ? 'hard' : 'soft',
            detail,
            fields: { bounce: hard ? 'hard' : 'soft', context: detail },
          });
        } else if (fate < 0.035) {
          add('reject', at, r.email, {
            detail: 'Sender suppressed',
            fields: { context: 'Sender suppressed' },
          });
        } else {
          add('delivered', at, r.email, {
            detail: '250 2.0.0 Ok',
            fields: { host: 'mx.example.net [192.0.2.10]', message: '250 2.0.0 Ok' },
          });
          reached.push({ email: r.email, at });
        }
      }
      // Whatever the budget leaves goes to opens and clicks (and the odd complaint or unsubscribe) of reached recipients.
      while (events.length < budget && reached.length > 0) {
        const who = pick(reached);
        const at = who.at + Math.floor(60_000 + random() * random() * 3 * 86_400_000);
        const kind = random();
        const agent = pick(AGENTS);
        if (kind < 0.7)
          add('open', at, who.email, {
            userAgent: agent,
            ip: '192.0.2.44',
            fields: { 'user-agent': agent, 'read-secs': '12' },
          });
        else if (kind < 0.995) {
          const url = pick(URLS) + (id % 997);
          add('click', at, who.email, {
            url,
            userAgent: agent,
            ip: '192.0.2.44',
            fields: { url, 'user-agent': agent },
          });
        } else if (kind < 0.998) add('unsubscribe', at, who.email);
        else add('spam', at, who.email);
      }
    }
    insertReply.run(reply);
    for (const row of rows) insertRecipient.run(row);
    return events;
  }

  const batch = 5000;
  for (let from = 1; from <= options.replies; from += batch) {
    writeReplies(from, Math.min(options.replies + 1, from + batch));
    while (block.length >= BLOCK) {
      flush(block.splice(0, BLOCK * 10));
    }
  }
  // Whatever the last replies could not absorb (a bounced reply has no opens) is made up with unlinked events.
  for (let i = 0; eventsLeft > 0; i += 1, eventsLeft -= 1)
    block.push(unlinkedEvent(options.replies - (i % options.replies)));
  if (block.length > 0) flush(block.splice(0));
  for (const index of eventIndexes) db.exec(index.sql);
  db.exec('ANALYZE');
  // Back to what openStore sets, so the benchmark reads the store as the CLI always finds it.
  db.pragma('journal_mode = WAL');
  const counts = db
    .prepare(
      'SELECT (SELECT COUNT(*) FROM ticket_replies) AS replies, (SELECT COUNT(*) FROM reply_recipients) AS recipients, (SELECT COUNT(*) FROM email_tracking_events) AS events, (SELECT COUNT(*) FROM email_tracking_events WHERE reply_id IS NULL) AS unlinked',
    )
    .get();
  db.close();
  return { path: options.db, ...counts, seconds: (performance.now() - started) / 1000 };
}

function emptyTracking() {
  return {
    processed_at: null,
    delivered_at: null,
    opened_at: null,
    open_count: 0,
    clicked_at: null,
    click_count: 0,
    bounced_at: null,
    bounce_type: null,
    bounce_reason: null,
    spam_at: null,
    rejected_at: null,
    unsubscribed_at: null,
    last_event_at: null,
    last_event_type: null,
  };
}

const FIRST = {
  processed: 'processed_at',
  delivered: 'delivered_at',
  open: 'opened_at',
  click: 'clicked_at',
  spam: 'spam_at',
  reject: 'rejected_at',
  unsubscribe: 'unsubscribed_at',
};

// The ingest's rules (src/store/tracking-effects.ts), applied in memory.
function applyEffect(row, type, at, bounceType, detail) {
  if (row === undefined) return;
  if (
    row.last_event_at === null ||
    at > row.last_event_at ||
    (at === row.last_event_at && type > row.last_event_type)
  ) {
    row.last_event_at = at;
    row.last_event_type = type;
  }
  if (type === 'bounce') {
    const better =
      row.bounce_type === null ||
      (bounceType === 'hard' && row.bounce_type !== 'hard') ||
      (bounceType === row.bounce_type && at < row.bounced_at);
    if (row.bounced_at === null || at < row.bounced_at) row.bounced_at = at;
    if (better) {
      row.bounce_type = bounceType;
      row.bounce_reason = detail;
    }
    return;
  }
  const column = FIRST[type];
  if (column === undefined) return;
  if (row[column] === null || at < row[column]) row[column] = at;
  if (type === 'open') row.open_count += 1;
  if (type === 'click') row.click_count += 1;
  if (type === 'processed') row.sent_at ??= at;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const result = await generateStore(parseArgs(process.argv.slice(2)));
    console.log(
      `${result.path}: ${result.replies} replies, ${result.recipients} recipients, ${result.events} events (${result.unlinked} unlinked) in ${result.seconds.toFixed(1)} s`,
    );
  } catch (error) {
    console.error(`generate-store: ${error.message}`);
    process.exitCode = 1;
  }
}
