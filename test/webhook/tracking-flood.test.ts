import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../src/core/tracking-event.js';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { createReply } from '../../src/store/replies.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { createTrackingTokens } from '../../src/store/tracking-tokens.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { NOW, useListeners } from './listener-harness.js';

const tempDir = useTempDir();
const listen = useListeners();
const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0';
const MAX_PENDING = 32;

describe('webhook serve: a flood of tracking requests (issue 15)', () => {
  it('5,000 pixel and click requests (random and valid tokens) leave webhook ingest answering 200 and pending hits bounded', async () => {
    // Counts what reaches the store, to bound the hits admitted but not yet stored at any moment.
    let admitted = 0;
    let stored = 0;
    let mostPending = 0;
    const listener = await listen(tempDir(), {
      ingest: (db, incoming: IncomingEvent[], options) => {
        stored += incoming.filter((event) => event.source === 'first_party').length;
        return ingestEvents(db, incoming, options);
      },
      tracking: {
        prefix: '/t/',
        trustProxy: false,
        maxPending: MAX_PENDING,
        burstWindowMs: 50,
        onHit: (hit) => {
          if (!hit.recorded) return;
          admitted += 1;
          mostPending = Math.max(mostPending, admitted - stored);
        },
      },
    });
    const { store } = listener;
    const opens: string[] = [];
    const clicks: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const reply = createReply(
        store,
        {
          ticketId: i,
          subject: 'Re: help',
          sender: 'desk@example.com',
          trackingId: `trk-flood-${i}`,
          messageId: `<trk-flood-${i}@portal.example>`,
          recipients: [{ email: `user${i}@example.com`, displayName: null, role: 'to' }],
        },
        NOW,
      );
      recordSmtp2goEmailId(store, reply.id, `em-flood-${i}`, NOW);
      const expiresAt = new Date(Date.now() + 86_400_000);
      const [open, a, b] = createTrackingTokens(
        store,
        { replyId: reply.id, recipient: `user${i}@example.com`, expiresAt, now: NOW },
        [
          { kind: 'open', url: null },
          { kind: 'click', url: 'https://docs.example.com/a' },
          { kind: 'click', url: 'https://docs.example.com/b' },
        ],
      );
      opens.push(open!);
      clicks.push(a!, b!);
    }
    const origin = new URL(listener.server.url).origin;
    const pool = new Pool(origin, { connections: 32 });
    const statuses = new Map<number, number>();
    const random = () => randomBytes(18).toString('base64url');
    const paths = Array.from(
      { length: 5_000 },
      (_, i) =>
        [
          `/t/o/${opens[i % opens.length]!}.gif`,
          `/t/c/${clicks[i % clicks.length]!}`,
          `/t/o/${random()}.gif`,
          `/t/c/${random()}`,
        ][i % 4]!,
    );
    let next = 0;
    const flood = Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < paths.length) {
          const path = paths[next++]!;
          const answer = await pool.request({ path, method: 'GET', headers: { 'user-agent': THUNDERBIRD } });
          await answer.body.dump();
          statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
        }
      }),
    );
    const webhooks: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const answer = await listener.post(
        JSON.stringify({
          id: `flood-${i}`,
          event: 'delivered',
          email_id: `em-flood-${i % 20}`,
          rcpt: `user${i % 20}@example.com`,
          time: NOW.toISOString(),
        }),
      );
      webhooks.push(answer.status);
    }
    await flood;
    await pool.close();
    expect(webhooks).toEqual(Array(40).fill(200));
    expect(Object.fromEntries(statuses)).toEqual({ 200: 2_500, 302: 1_250, 404: 1_250 });
    expect(
      store.prepare("SELECT COUNT(*) FROM email_tracking_events WHERE source = 'webhook'").pluck().get(),
    ).toBe(40);
    expect(admitted).toBeGreaterThan(0);
    expect(mostPending).toBeLessThanOrEqual(MAX_PENDING);
  }, 30_000);
});
