// Stores for the stats tests, built the way production builds them: replies through the send path's store
// functions (createReply → recordSmtp2goEmailId → linkOrphanEvents → setRecipientStatuses → finishReplySend,
// in send-test's order) and events through the listener's own body parser and ingest. No hand-written SQL.
import { readFileSync } from 'node:fs';
import type { Store } from '../../src/store/open-store.js';
import { ingestEvents, linkOrphanEvents, type IngestResult } from '../../src/store/ingest-events.js';
import { createReply } from '../../src/store/replies.js';
import {
  finishReplySend,
  recordSmtp2goEmailId,
  setRecipientStatuses,
  type ReplyTransport,
} from '../../src/store/reply-sends.js';
import { recordSendAttempt } from '../../src/store/send-attempts.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';

/** The send time of every scenario; events are placed relative to it. */
export const SENT = new Date('2026-11-24T10:00:00.000Z');
export const after = (ms: number) => new Date(SENT.getTime() + ms).toISOString();
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

const fixtureText = (name: string) =>
  readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8');
/** A recorded fixture with some fields replaced (JSON fixtures only). */
export const fromFixture = (name: string, fields: Record<string, unknown>) => ({
  ...(JSON.parse(fixtureText(name)) as object),
  ...fields,
});
/** A recorded form fixture with some fields replaced (every spelling of the key, as SMTP2Go sends both). */
export function formFixture(name: string, fields: Record<string, string>): string {
  const params = new URLSearchParams(fixtureText(name).trim());
  for (const [key, value] of Object.entries(fields)) {
    const spellings = [...new Set([...params.keys()].filter((k) => k.toLowerCase() === key.toLowerCase()))];
    for (const spelling of spellings.length > 0 ? spellings : [key]) params.set(spelling, value);
  }
  return params.toString();
}

/** One webhook POST body through the listener's parser and ingest, as the listener stores it. */
export function post(
  db: Store,
  body: object | string,
  receivedAt = new Date(SENT.getTime() + 6 * HOUR),
): IngestResult {
  const contentType = typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json';
  const parsed = parseWebhookBody(
    typeof body === 'string' ? body : JSON.stringify(body),
    contentType,
    receivedAt,
  );
  if (parsed.errors.length > 0) throw new Error(parsed.errors.join('; '));
  return ingestEvents(db, parsed.events, { receivedAt, source: 'webhook' });
}

export interface SendRecord {
  id?: number;
  ticketId?: number | null;
  subject?: string;
  to: string[];
  cc?: string[];
  transport: ReplyTransport;
  emailId?: string | null;
  fallbackReason?: string | null;
  lastError?: string | null;
  /** Recipients the send could not reach. */
  failed?: string[];
  sentAt?: Date;
  trackingId?: string;
  /**
   * Whether the API was tried first (an attempt is recorded for it). Default: when the API carried the
   * reply or a fallback reason says why the relay took over; false for a relay-only installation.
   */
  apiTried?: boolean;
}

/** Records a finished send in the order runSendTest does; returns the reply id. */
export function recordSend(db: Store, send: SendRecord): number {
  const sentAt = send.sentAt ?? SENT;
  const trackingId = send.trackingId ?? `trk-${send.to[0]?.split('@')[0] ?? 'x'}-${sentAt.getTime()}`;
  const recipients = [
    ...send.to.map((email) => ({ email, displayName: null, role: 'to' as const })),
    ...(send.cc ?? []).map((email) => ({ email, displayName: null, role: 'cc' as const })),
  ];
  const reply = createReply(
    db,
    {
      ...(send.id === undefined ? {} : { id: send.id }),
      ticketId: send.ticketId ?? 1001,
      subject: send.subject ?? 'Re: your printer',
      sender: 'Help Desk <help@example.com>',
      trackingId,
      messageId: `<${trackingId}@portal.example.com>`,
      recipients,
    },
    sentAt,
  );
  if (send.emailId) {
    recordSmtp2goEmailId(db, reply.id, send.emailId, sentAt);
    linkOrphanEvents(db, reply.id);
  }
  const apiTried =
    send.apiTried ??
    (send.transport === 'api' || send.transport === 'api+smtp' || (send.fallbackReason ?? null) !== null);
  if (apiTried) {
    const ok = send.transport === 'api' || send.transport === 'api+smtp';
    recordSendAttempt(db, {
      replyId: reply.id,
      transport: 'api',
      ok,
      outcome: ok ? 'sent' : 'failed',
      httpStatus: 200,
      errorClass: null,
      error: null,
      emailId: send.emailId ?? null,
      ms: 300,
      startedAt: sentAt,
    });
  }
  const failed = new Set(send.failed ?? []);
  const everyone = recipients.map((r) => r.email);
  const reached = send.transport === 'failed' ? [] : everyone.filter((email) => !failed.has(email));
  if (reached.length > 0)
    setRecipientStatuses(
      db,
      reply.id,
      reached.map((email) => ({ email, status: 'sent', error: null })),
      sentAt,
    );
  const refused = everyone.filter((email) => !reached.includes(email));
  if (refused.length > 0)
    setRecipientStatuses(
      db,
      reply.id,
      refused.map((email) => ({ email, status: 'failed', error: 'refused' })),
      null,
    );
  finishReplySend(
    db,
    reply.id,
    {
      transport: send.transport,
      outcome: reached.length === 0 ? 'failed' : refused.length > 0 ? 'partial' : 'sent',
      fallbackReason: send.fallbackReason ?? null,
      lastError: send.lastError ?? null,
      sentAt: reached.length > 0 ? sentAt : null,
    },
    sentAt,
  );
  return reply.id;
}

const nid = (n: number) => n.toString(16).padStart(32, '0');

/** One recipient, processed, delivered (a form body, as SMTP2Go's default), then opened twice. */
export function deliveredAndOpened(db: Store): number {
  const id = recordSend(db, { to: ['john@example.com'], transport: 'api', emailId: '1uOpen-0001' });
  post(
    db,
    fromFixture('processed.live.json', {
      email_id: '1uOpen-0001',
      recipients: ['john@example.com'],
      time: after(2 * SEC),
      id: nid(1),
    }),
  );
  post(
    db,
    formFixture('delivered.live.form', {
      email_id: '1uOpen-0001',
      rcpt: 'john@example.com',
      time: after(5 * SEC),
      id: nid(2),
      'message-id': '<E1uOpen-0001@message-id.smtpcorp.com>',
    }),
  );
  post(
    db,
    fromFixture('open.docs.json', {
      email_id: '1uOpen-0001',
      rcpt: 'john@example.com',
      time: after(2 * HOUR),
      id: nid(3),
    }),
  );
  post(
    db,
    fromFixture('open.docs.json', {
      email_id: '1uOpen-0001',
      rcpt: 'john@example.com',
      time: after(3 * HOUR),
      id: nid(4),
    }),
  );
  return id;
}

/** Three recipients: two delivered, the Cc hard-bounced. */
export function multiWithBounce(db: Store): number {
  const id = recordSend(db, {
    to: ['ann@example.org', 'bob@example.net'],
    cc: ['nobody@nonexistent.test'],
    transport: 'api',
    emailId: '1uMulti-0002',
    ticketId: 1002,
  });
  post(
    db,
    fromFixture('processed.live.json', {
      email_id: '1uMulti-0002',
      recipients: ['ann@example.org', 'bob@example.net', 'nobody@nonexistent.test'],
      time: after(1 * SEC),
      id: nid(11),
    }),
  );
  post(
    db,
    fromFixture('delivered.live.json', {
      email_id: '1uMulti-0002',
      rcpt: 'ann@example.org',
      time: after(4 * SEC),
      id: nid(12),
    }),
  );
  post(
    db,
    fromFixture('delivered.live.json', {
      email_id: '1uMulti-0002',
      rcpt: 'bob@example.net',
      time: after(9 * SEC),
      id: nid(13),
    }),
  );
  post(
    db,
    fromFixture('bounce-hard.live.json', {
      email_id: '1uMulti-0002',
      rcpt: 'nobody@nonexistent.test',
      time: after(7 * SEC),
      id: nid(14),
      context: 'RCPT TO:<nobody@nonexistent.test>',
      message: '550 5.1.1 no such user',
    }),
  );
  return id;
}

/**
 * Events arriving out of order (click before open before delivered before processed), each notification
 * retried, and an id-less copy of an open (what reconcile stores) matched by content: counted once each.
 */
export function duplicatesOutOfOrder(db: Store): { id: number; results: IngestResult[] } {
  const id = recordSend(db, {
    to: ['kim@example.com'],
    transport: 'api',
    emailId: '1uDup-0003',
    ticketId: 1003,
  });
  const click = fromFixture('open.docs.json', {
    event: 'click',
    url: 'https://help.example.com/kb/42',
    email_id: '1uDup-0003',
    rcpt: 'kim@example.com',
    time: after(3 * HOUR),
    id: nid(21),
  });
  const open = fromFixture('open.docs.json', {
    email_id: '1uDup-0003',
    rcpt: 'kim@example.com',
    time: after(2 * HOUR),
    id: nid(22),
  });
  const delivered = fromFixture('delivered.live.json', {
    email_id: '1uDup-0003',
    rcpt: 'kim@example.com',
    time: after(6 * SEC),
    id: nid(23),
  });
  const processed = fromFixture('processed.live.json', {
    email_id: '1uDup-0003',
    recipients: ['kim@example.com'],
    time: after(1 * SEC),
    id: nid(24),
  });
  const laterOpen = fromFixture('open.docs.json', {
    email_id: '1uDup-0003',
    rcpt: 'kim@example.com',
    time: after(26 * HOUR),
    id: nid(25),
  });
  const { id: _dropped, ...openWithoutId } = open;
  const results = [click, open, click, delivered, open, processed, delivered, laterOpen, openWithoutId].map(
    (body) => post(db, body),
  );
  return { id, results };
}

/** Sent through the relay after the API refused: SMTP2Go's relay events carry our tracking header, not our email id. */
export function relaySent(db: Store): number {
  const trackingId = 'trk-relay-0004';
  const id = recordSend(db, {
    to: ['lee@example.com'],
    transport: 'smtp',
    trackingId,
    ticketId: 1004,
    fallbackReason: 'rejected: SMTP2Go refused the email (HTTP 200, failed: 1)',
  });
  post(
    db,
    fromFixture('delivered.live.json', {
      email_id: '1uRelay-9999',
      'X-Portal-Tracking-Id': trackingId,
      rcpt: 'lee@example.com',
      time: after(8 * SEC),
      id: nid(31),
    }),
  );
  return id;
}
