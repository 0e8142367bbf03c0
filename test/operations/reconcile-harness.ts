import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import type { IncomingEvent, TrackingEvent } from '../../src/core/tracking-event.js';
import type { IngestEvents, NormalizeEvent } from '../../src/operations/reconcile.js';
import type { Store } from '../../src/store/open-store.js';
import { recordSmtp2goEmailId, finishReplySend } from '../../src/store/reply-sends.js';
import { createReply, findReplyByEmailId } from '../../src/store/replies.js';
import { API_KEY } from '../helpers/constants.js';
import { ok, type RouteAnswer } from '../smtp2go/fake-management-api.js';
import type { ReceivedRequest } from '../smtp2go/fake-smtp2go.js';

export const NOW = new Date('2026-09-12T12:00:00Z');

export function settingsFor(apiUrl: string): Settings {
  return {
    ...DEFAULT_SETTINGS,
    apiUrl,
    apiKey: API_KEY,
    webhookSecret: 'whsec-long-enough-to-be-valid-0001',
    portalUrl: 'https://portal.example.com',
  };
}

/** A reply SMTP2Go accepted as `emailId`, sent at `sentAt`, to `to`. */
export function sentReply(store: Store, emailId: string, sentAt: string, to = ['bob@example.org']): number {
  const reply = createReply(
    store,
    {
      ticketId: 1,
      subject: 's',
      sender: 'support@example.com',
      trackingId: `trk-${emailId}`,
      messageId: `<${emailId}@portal.example.com>`,
      recipients: to.map((email) => ({ email, displayName: null, role: 'to' as const })),
    },
    new Date(sentAt),
  );
  recordSmtp2goEmailId(store, reply.id, emailId, new Date(sentAt));
  finishReplySend(
    store,
    reply.id,
    { transport: 'api', outcome: 'sent', fallbackReason: null, lastError: null, sentAt: new Date(sentAt) },
    new Date(sentAt),
  );
  return reply.id;
}

/** /activity/search answering from per-email pages (continue_token `<emailId>#<page index>`). */
export function activityRoute(
  pagesByEmail: Record<string, unknown[][]>,
  hook?: (request: ReceivedRequest, page: number) => RouteAnswer | null,
) {
  return (request: ReceivedRequest): RouteAnswer => {
    const emailId = String(request.body.search_email_id);
    const token = request.body.continue_token;
    const page = token === undefined ? 0 : Number(String(token).split('#')[1]);
    const override = hook?.(request, page);
    if (override !== null && override !== undefined) return override;
    const pages = pagesByEmail[emailId] ?? [[]];
    const next = page + 1 < pages.length ? `${emailId}#${page + 1}` : null;
    return ok({ events: pages[page] ?? [], total_events: pages.flat().length, continue_token: next });
  };
}

export function row(emailId: string, event: string, date: string, extra: Record<string, unknown> = {}) {
  return {
    email_id: emailId,
    event,
    date,
    recipient: 'bob@example.org',
    subject: 's',
    sender: 'support@example.com',
    ...extra,
  };
}

// --- Stand-ins for the listener's normaliser and storing code, used until they land (issue 4). They follow
// the documented contract: dedupe by notification id when present, else by (email_id, type, recipient,
// time, url); a webhook-delivered event (with an id) and the same event fetched later (without) therefore
// get different keys, which is what `hasMatchingEvent` in reconcile must cover.
const TYPES: Record<string, string> = { opened: 'open', clicked: 'click', bounced: 'bounce' };

export const normalizeStandIn: NormalizeEvent = (fields, receivedAt) => {
  const text = (key: string) => (typeof fields[key] === 'string' ? fields[key] : null);
  const raw = text('event') ?? '';
  const time = text('time');
  return {
    type: TYPES[raw.toLowerCase()] ?? raw.toLowerCase(),
    rawType: raw,
    known: true,
    notificationId: text('id'),
    emailId: text('email_id'),
    trackingId: text('X-Portal-Tracking-Id'),
    messageId: null,
    recipient: text('rcpt')?.toLowerCase() ?? null,
    recipients: [],
    url: text('url'),
    userAgent: text('user-agent'),
    ip: null,
    bounceType: (text('bounce') as TrackingEvent['bounceType']) ?? null,
    detail: text('message'),
    occurredAt: new Date(time ?? receivedAt).toISOString(),
    timeSource: time === null ? 'received' : 'event',
    fields,
  };
};

export const ingestStandIn: IngestEvents = (db, incoming: IncomingEvent[], options) => {
  const insert = db.prepare(
    `INSERT INTO email_tracking_events (dedupe_key, notification_id, reply_id, smtp2go_email_id, event_type, raw_type, recipient, url, bounce_type, occurred_at, received_at, source, raw_body, payload)
     VALUES (@key, @nid, @reply, @email, @type, @raw, @rcpt, @url, @bounce, @at, @received, @source, @body, '{}') ON CONFLICT (dedupe_key) DO NOTHING`,
  );
  for (const { event, rawBody } of incoming) {
    const key =
      event.notificationId !== null
        ? `n:${event.notificationId}`
        : `f:${[event.emailId, event.type, event.recipient, event.occurredAt, event.url].join('|')}`;
    const reply = event.emailId === null ? undefined : findReplyByEmailId(db, event.emailId);
    insert.run({
      key,
      nid: event.notificationId,
      reply: reply?.id ?? null,
      email: event.emailId,
      type: event.type,
      raw: event.rawType,
      rcpt: event.recipient,
      url: event.url,
      bounce: event.bounceType,
      at: event.occurredAt,
      received: options.receivedAt.toISOString(),
      source: options.source,
      body: rawBody,
    });
  }
};

export function storedEvents(store: Store): Array<{
  event_type: string;
  recipient: string | null;
  occurred_at: string;
  source: string;
  reply_id: number | null;
  bounce_type: string | null;
}> {
  return store
    .prepare(
      'SELECT event_type, recipient, occurred_at, source, reply_id, bounce_type FROM email_tracking_events ORDER BY occurred_at, id',
    )
    .all() as never;
}
