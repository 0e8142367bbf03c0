import { afterEach, describe, expect, it } from 'vitest';
import { runReconcile, type ReconcileDeps } from '../../src/operations/reconcile.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { storeBackends } from '../helpers/postgres.js';
import { apiError, startFakeManagementApi, type FakeManagementApi } from '../smtp2go/fake-management-api.js';
import { fakeClock } from '../smtp2go/fake-smtp2go.js';
import {
  activityRoute,
  ingestStandIn,
  normalizeStandIn,
  NOW,
  row,
  sentReply,
  settingsFor,
  storedEvents,
} from './reconcile-harness.js';

let api: FakeManagementApi | undefined;
let store: Store | undefined;
afterEach(async () => {
  await api?.close();
  store?.close();
  api = undefined;
  store = undefined;
});

const E1 = '1u0SwL-B9zBpi9ffUq-JAB2';
const E2 = '1vomg2-abc123';

describe.each(storeBackends())('runReconcile on $name', (backend) => {
  const location = backend.useLocations();
  const deps = (s: Store, url: string, clock = fakeClock()): ReconcileDeps => ({
    store: s,
    settings: settingsFor(url),
    now: () => NOW,
    normalize: normalizeStandIn,
    ingest: ingestStandIn,
    clock,
  });

  it('pages through /activity/search, backs off on a 429 on the third page, resumes, and stores the mapped events', async () => {
    store = openStore(await location());
    const replyId = sentReply(store, E1, '2026-09-10T08:00:00Z');
    let throttled = false;
    api = await startFakeManagementApi({
      '/activity/search': activityRoute(
        {
          [E1]: [
            [row(E1, 'processed', '2026-09-10T08:00:01Z'), row(E1, 'delivered', '2026-09-10T08:00:03Z')],
            [row(E1, 'opened', '2026-09-10T09:00:00Z')],
            [row(E1, 'hard-bounced', '2026-09-10T09:30:00Z')],
          ],
        },
        (_request, page) =>
          page === 2 && !throttled
            ? ((throttled = true),
              {
                ...apiError(429, 'E_ApiResponseCodes.REQ_LIMIT_EXCEEDED', 'rate limited'),
                headers: { 'retry-after': '3' },
              })
            : null,
      ),
    });
    const clock = fakeClock();
    const result = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), dryRun: false },
      deps(store, api.url, clock),
    );
    expect(result.replies).toHaveLength(1);
    expect(result.replies[0]).toMatchObject({ replyId, emailId: E1, fetched: 4, error: null });
    expect(result.replies[0]?.filled.map((e) => e.event_type)).toEqual([
      'processed',
      'delivered',
      'open',
      'bounce',
    ]);
    expect(result).toMatchObject({ requests: 4, retries: 1 });
    expect(clock.sleeps).toEqual([3_000]);
    const bodies = api.calls('/activity/search').map((r) => r.body);
    expect(bodies.map((b) => b.continue_token ?? null)).toEqual([null, `${E1}#1`, `${E1}#2`, `${E1}#2`]);
    expect(bodies[0]).toMatchObject({
      search_email_id: E1,
      start_date: '2026-09-10T07:59:00Z',
      end_date: NOW.toISOString(),
      custom_headers: ['X-Portal-Tracking-Id'],
    });
    const stored = storedEvents(store);
    expect(stored.every((e) => e.source === 'reconcile' && e.reply_id === replyId)).toBe(true);
    expect(stored.find((e) => e.event_type === 'bounce')?.bounce_type).toBe('hard');
  });

  it('does not duplicate what webhooks already delivered (keyed by notification id), nor what an earlier run stored', async () => {
    store = openStore(await location());
    sentReply(store, E1, '2026-09-10T08:00:00Z');
    // The open arrived by webhook: it has SMTP2Go's notification id, so its dedupe key differs from reconcile's.
    ingestStandIn(
      store,
      [
        {
          event: normalizeStandIn(
            {
              event: 'open',
              id: '0b6c4c1d2e3f4a5b6c7d8e9f0a1b2c3d',
              email_id: E1,
              rcpt: 'Bob@Example.org',
              time: '2026-09-10T09:00:00Z',
            },
            NOW,
          ),
          rawBody: '{}',
          contentType: 'application/json',
        },
      ],
      { receivedAt: NOW, source: 'webhook' },
    );
    api = await startFakeManagementApi({
      '/activity/search': activityRoute({
        [E1]: [[row(E1, 'delivered', '2026-09-10T08:00:03Z'), row(E1, 'opened', '2026-09-10T09:00:00Z')]],
      }),
    });
    const first = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), dryRun: false },
      deps(store, api.url),
    );
    expect(first.replies[0]?.filled.map((e) => e.event_type)).toEqual(['delivered']);
    expect(storedEvents(store).filter((e) => e.event_type === 'open')).toHaveLength(1);
    const second = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), dryRun: false },
      deps(store, api.url),
    );
    expect(second.replies[0]?.filled).toEqual([]);
    expect(storedEvents(store)).toHaveLength(2);
  });

  it('--dry-run reports what would be filled and stores nothing', async () => {
    store = openStore(await location());
    sentReply(store, E1, '2026-09-10T08:00:00Z');
    api = await startFakeManagementApi({
      '/activity/search': activityRoute({
        [E1]: [
          [
            row(E1, 'delivered', '2026-09-10T08:00:03Z'),
            row(E1, 'clicked', '2026-09-10T09:01:00Z', { url: 'https://example.com/a' }),
          ],
        ],
      }),
    });
    const result = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), dryRun: true },
      deps(store, api.url),
    );
    expect(result.replies[0]?.filled.map((e) => e.event_type)).toEqual(['delivered', 'click']);
    expect(storedEvents(store)).toEqual([]);
  });

  it('selects only replies in the window with an incomplete story; --reply picks one regardless', async () => {
    store = openStore(await location());
    const old = sentReply(store, 'old-email', '2026-08-01T08:00:00Z');
    const complete = sentReply(store, E2, '2026-09-11T08:00:00Z');
    store
      .prepare(`UPDATE ticket_replies SET processed_at = '2026-09-11T08:00:01.000Z' WHERE id = ?`)
      .run(complete);
    store
      .prepare(`UPDATE reply_recipients SET delivered_at = '2026-09-11T08:00:05.000Z' WHERE reply_id = ?`)
      .run(complete);
    const open = sentReply(store, E1, '2026-09-10T08:00:00Z');
    api = await startFakeManagementApi({ '/activity/search': activityRoute({}) });
    const windowed = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), dryRun: false },
      deps(store, api.url),
    );
    expect(windowed.replies.map((r) => r.replyId)).toEqual([open]);
    const picked = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), replyId: old, dryRun: false },
      deps(store, api.url),
    );
    expect(picked.replies.map((r) => r.replyId)).toEqual([old]);
    await expect(
      runReconcile(
        { since: new Date('2026-09-05T00:00:00Z'), replyId: 999, dryRun: false },
        deps(store, api.url),
      ),
    ).rejects.toThrow(/reply 999 does not exist/);
  });

  it("one reply's API failure is reported and the others are still reconciled", async () => {
    store = openStore(await location());
    sentReply(store, E1, '2026-09-10T08:00:00Z');
    sentReply(store, E2, '2026-09-10T09:00:00Z');
    api = await startFakeManagementApi({
      '/activity/search': activityRoute(
        { [E2]: [[row(E2, 'delivered', '2026-09-10T09:00:02Z')]] },
        (request) =>
          request.body.search_email_id === E1
            ? apiError(400, 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD', 'bad request')
            : null,
      ),
    });
    const result = await runReconcile(
      { since: new Date('2026-09-05T00:00:00Z'), dryRun: false },
      deps(store, api.url),
    );
    expect(
      result.replies.map((r) => [r.emailId, r.error === null ? 'ok' : 'error', r.filled.length]),
    ).toEqual([
      [E1, 'error', 0],
      [E2, 'ok', 1],
    ]);
    expect(result.replies[0]?.error).toMatch(/bad request/);
  });
});
