import { describe, expect, it } from 'vitest';
import { createReply, getReply } from '../../src/store/replies.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { linkOrphanEvents } from '../../src/store/ingest-events.js';
import type { Store } from '../../src/store/open-store.js';
import { storeBackends } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, fixture, FORM_TYPE, JSON_TYPE, NOW, useListeners } from './listener-harness.js';

const tempDir = useTempDir();

const FIXTURES: Array<[string, string, string, string | null]> = [
  ['delivered.live.json', JSON_TYPE, 'delivered', 'user@example.com'],
  ['processed.live.json', JSON_TYPE, 'processed', null],
  ['bounce-hard.live.json', JSON_TYPE, 'bounce', 'invalid@nonexistent.com'],
  ['bounce-soft.constructed.json', JSON_TYPE, 'bounce', 'user@example.com'],
  ['open.docs.json', JSON_TYPE, 'open', 'bob@example.org'],
  ['delivered.live.form', FORM_TYPE, 'delivered', 'alexis.pujo@pm.me'],
  ['processed.live.form', FORM_TYPE, 'processed', null],
  ['bounce-hard.docs.form', FORM_TYPE, 'bounce', 'nobody@example.org'],
];

function reply(store: Store, emailId: string | null, recipients = ['user@example.com']): number {
  const row = createReply(
    store,
    {
      ticketId: null,
      subject: 'Re: help',
      sender: 'desk@example.com',
      trackingId: `trk-${Math.random().toString(36).slice(2)}`,
      messageId: `<trk-${Math.random().toString(36).slice(2)}@portal.example>`,
      recipients: recipients.map((email) => ({ email, displayName: null, role: 'to' as const })),
    },
    NOW,
  );
  if (emailId !== null) recordSmtp2goEmailId(store, row.id, emailId, NOW);
  return row.id;
}

const event = (fields: Record<string, unknown>) => JSON.stringify({ email_id: 'em-1', ...fields });

describe.each(storeBackends())('webhook listener: storing events ($name)', (backend) => {
  const listen = useListeners(backend.useLocations());

  it.each(FIXTURES)('stores %s (%s) exactly as received', async (name, contentType, type, recipient) => {
    const { store, post, records } = await listen(tempDir());
    const body = fixture(name);
    const answer = await post(body, { contentType });
    expect(answer).toMatchObject({
      status: 200,
      body: { status: 'ok', stored: 1, duplicates: 0, unlinked: 1 },
    });
    const row = store
      .prepare(
        'SELECT event_type, recipient, raw_body, content_type, received_at, source FROM email_tracking_events',
      )
      .get();
    expect(row).toEqual({
      event_type: type,
      recipient,
      raw_body: body,
      content_type: contentType,
      received_at: NOW.toISOString(),
      source: 'webhook',
    });
    expect(records).toMatchObject([
      { status: 200, auth: 'bearer', events: [{ type, recipient, duplicate: false, replyId: null }] },
    ]);
  });

  it('answers a retried notification 200 with duplicates:1 and changes nothing', async () => {
    const { store, post, records } = await listen(tempDir());
    const replyId = reply(store, '1u0SwL-B9zBpi9ffUq-JAB2', ['bob@example.org']);
    const body = fixture('open.docs.json');
    expect((await post(body)).body).toEqual({
      status: 'ok',
      stored: 1,
      duplicates: 0,
      unlinked: 0,
      conflicts: 0,
    });
    const before = getReply(store, replyId);
    expect(before).toMatchObject({ open_count: 1, opened_at: '2026-09-10T08:05:00.000Z' });
    expect((await post(body)).body).toEqual({
      status: 'ok',
      stored: 0,
      duplicates: 1,
      unlinked: 0,
      conflicts: 0,
    });
    expect(getReply(store, replyId)).toEqual(before);
    expect(count(store)).toBe(1);
    expect(records[1]?.events).toEqual([
      { type: 'open', replyId, recipient: 'bob@example.org', duplicate: true, conflict: false },
    ]);
  });

  it('keeps the earliest times whatever the arrival order (delivered before processed, an earlier open later)', async () => {
    const { store, post } = await listen(tempDir());
    const replyId = reply(store, 'em-1');
    const delivered = event({
      id: 'a'.repeat(32),
      event: 'delivered',
      rcpt: 'user@example.com',
      time: '2026-09-10T08:00:05Z',
    });
    const processed = event({
      id: 'b'.repeat(32),
      event: 'processed',
      recipients: ['user@example.com'],
      time: '2026-09-10T08:00:01Z',
    });
    const laterOpen = event({
      id: 'c'.repeat(32),
      event: 'opened',
      rcpt: 'user@example.com',
      time: '2026-09-10T08:30:00+02:00',
    });
    const earlierOpen = event({
      id: 'd'.repeat(32),
      event: 'open',
      rcpt: 'user@example.com',
      time: '2026-09-10T08:10:00Z',
    });
    for (const body of [delivered, processed, laterOpen, earlierOpen])
      expect((await post(body)).status).toBe(200);
    expect(getReply(store, replyId)).toMatchObject({
      processed_at: '2026-09-10T08:00:01.000Z',
      delivered_at: '2026-09-10T08:00:05.000Z',
      opened_at: '2026-09-10T06:30:00.000Z',
      open_count: 2,
      last_event_type: 'open',
      last_event_at: '2026-09-10T08:10:00.000Z',
    });
    const recipient = store
      .prepare('SELECT opened_at, open_count, delivered_at FROM reply_recipients WHERE reply_id = ?')
      .get(replyId);
    expect(recipient).toEqual({
      opened_at: '2026-09-10T06:30:00.000Z',
      open_count: 2,
      delivered_at: '2026-09-10T08:00:05.000Z',
    });
  });

  it('stores an event that beats the send unlinked, and links it once the reply gets the email id', async () => {
    const { store, post } = await listen(tempDir());
    const answer = await post(
      event({
        id: 'e'.repeat(32),
        event: 'processed',
        email_id: 'early-1',
        recipients: ['user@example.com'],
        time: '2026-09-10T08:00:00Z',
      }),
    );
    expect(answer.body).toEqual({ status: 'ok', stored: 1, duplicates: 0, unlinked: 1, conflicts: 0 });
    const replyId = reply(store, 'early-1');
    expect(linkOrphanEvents(store, replyId)).toBe(1);
    expect(store.prepare('SELECT reply_id FROM email_tracking_events').get()).toEqual({ reply_id: replyId });
    expect(getReply(store, replyId)).toMatchObject({ processed_at: '2026-09-10T08:00:00.000Z' });
    const later = await post(
      event({
        id: 'f'.repeat(32),
        event: 'delivered',
        email_id: 'early-1',
        rcpt: 'user@example.com',
        time: '2026-09-10T08:00:03Z',
      }),
    );
    expect(later.body).toEqual({ status: 'ok', stored: 1, duplicates: 0, unlinked: 0, conflicts: 0 });
  });

  it('stores unknown event types as received', async () => {
    const { store, post, records } = await listen(tempDir());
    const answer = await post('event=Deferred&email_id=em-9&rcpt=x%40y.org&time=1789027200', {
      contentType: FORM_TYPE,
    });
    expect(answer).toMatchObject({ status: 200, body: { stored: 1 } });
    expect(
      store.prepare('SELECT event_type, raw_type, occurred_at FROM email_tracking_events').get(),
    ).toEqual({
      event_type: 'deferred',
      raw_type: 'Deferred',
      occurred_at: '2026-09-10T08:00:00.000Z',
    });
    expect(records[0]?.events[0]?.type).toBe('deferred');
  });

  it('stores every event of a JSON array in one go', async () => {
    const { store, post } = await listen(tempDir());
    const events = [fixture('delivered.live.json'), fixture('bounce-soft.constructed.json')].map(
      (text) => JSON.parse(text) as unknown,
    );
    expect((await post(JSON.stringify(events))).body).toEqual({
      status: 'ok',
      stored: 2,
      duplicates: 0,
      unlinked: 2,
      conflicts: 0,
    });
    expect(count(store)).toBe(2);
  });

  it('stores many concurrent requests, each answered after its commit', async () => {
    const { store, post } = await listen(tempDir());
    const bodies = Array.from({ length: 40 }, (_, i) =>
      event({ id: i.toString(16).padStart(32, '0'), event: 'delivered', rcpt: `u${i}@example.com` }),
    );
    const answers = await Promise.all(bodies.map((body) => post(body)));
    expect(answers.every((answer) => answer.status === 200 && answer.body.stored === 1)).toBe(true);
    expect(count(store)).toBe(40);
  });
});
