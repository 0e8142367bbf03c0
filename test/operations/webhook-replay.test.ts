import { describe, expect, it } from 'vitest';
import {
  runWebhookReplay,
  type WebhookReplayOptions,
  type WebhookReplayDeps,
} from '../../src/operations/webhook-replay.js';
import type { Store } from '../../src/store/open-store.js';
import type { ReplayFilter } from '../../src/operations/webhook-replay/filter.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { useBackendStores } from '../helpers/backend-stores.js';
import { storeBackends } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, NOW, useListeners } from '../webhook/listener-harness.js';
import {
  addReplyTo,
  fakeClock,
  formBody,
  makeEvent,
  storeWithReply,
  useScriptedServers,
  writeFile,
} from '../webhook/replay-harness.js';

const tempDir = useTempDir();
const listener = useListeners();
const scripted = useScriptedServers();

const EVENTS = [
  makeEvent({
    event: 'processed',
    rcpt: undefined,
    recipients: ['jo@example.com', 'al@other.example'],
    time: '2026-09-01T10:00:00Z',
  }),
  makeEvent({ event: 'delivered', rcpt: 'jo@example.com', time: '2026-09-01T10:00:05Z' }),
  makeEvent({ event: 'delivered', rcpt: 'al@other.example', time: '2026-09-01T10:00:06Z' }),
  makeEvent({ event: 'opened', rcpt: 'jo@example.com', time: '2026-09-02T08:00:00Z' }),
  makeEvent({
    event: 'click',
    rcpt: 'jo@example.com',
    url: 'https://x.example/',
    time: '2026-09-02T08:01:00Z',
  }),
  makeEvent({ event: 'bounce', bounce: 'hard', rcpt: 'zed@other.example', time: '2026-09-03T00:00:00Z' }),
  makeEvent({
    event: 'delivered',
    rcpt: 'jo@example.com',
    email_id: 'another-email',
    time: '2026-09-04T00:00:00Z',
  }),
];
const NDJSON = `${EVENTS.map((event) => JSON.stringify(event)).join('\n')}\n`;

function options(overrides: Partial<WebhookReplayOptions> = {}): WebhookReplayOptions {
  return {
    source: { kind: 'store' },
    filter: {},
    target: { kind: 'local' },
    ratePerSecond: null,
    concurrency: 4,
    dryRun: false,
    collectEvents: true,
    ...overrides,
  };
}

function deps(store: Store | null, overrides: Partial<WebhookReplayDeps> = {}): WebhookReplayDeps {
  return { store, now: () => NOW, delivery: { clock: fakeClock(NOW.getTime()) }, ...overrides };
}

function snapshot(store: Store): unknown {
  return {
    events: store.prepare('SELECT * FROM email_tracking_events ORDER BY id').all(),
    replies: store.prepare('SELECT * FROM ticket_replies ORDER BY id').all(),
    recipients: store.prepare('SELECT * FROM reply_recipients ORDER BY id').all(),
  };
}

describe('local replay (no --to)', () => {
  it('stores through the listener path, and replaying twice changes nothing', async () => {
    const dir = tempDir();
    const { store, replyId } = storeWithReply(dir);
    const file = writeFile(dir, 'events.ndjson', NDJSON);
    const first = await runWebhookReplay(options({ source: { kind: 'file', path: file } }), deps(store));
    expect(first.summary).toMatchObject({
      read: 7,
      matched: 7,
      sent: 7,
      ok: 7,
      duplicate: 0,
      failed: 0,
      malformed: 0,
    });
    expect(count(store)).toBe(7);
    expect(store.prepare('SELECT DISTINCT source FROM email_tracking_events').pluck().all()).toEqual([
      'replay',
    ]);
    expect(
      store
        .prepare('SELECT delivered_at, opened_at, click_count FROM ticket_replies WHERE id = ?')
        .get(replyId),
    ).toEqual({
      delivered_at: '2026-09-01T10:00:05.000Z',
      opened_at: '2026-09-02T08:00:00.000Z',
      click_count: 1,
    });
    const before = snapshot(store);
    const second = await runWebhookReplay(options({ source: { kind: 'file', path: file } }), deps(store));
    expect(second.summary).toMatchObject({ sent: 7, ok: 0, duplicate: 7 });
    const third = await runWebhookReplay(options(), deps(store));
    expect(third.summary).toMatchObject({ read: 7, sent: 7, ok: 0, duplicate: 7 });
    expect(snapshot(store)).toEqual(before);
  });

  it.each([
    ['a JSON object', 'one.json', () => JSON.stringify(EVENTS[1], null, 2), 1],
    ['a JSON array', 'all.json', () => JSON.stringify(EVENTS, null, 1), 7],
    ['{"events": [...]}', 'wrapped.json', () => JSON.stringify({ events: EVENTS.slice(0, 3) }), 3],
    ['NDJSON', 'all.ndjson', () => NDJSON, 7],
    ['form lines', 'all.form', () => EVENTS.map(formBody).join('\n'), 7],
  ])('reads %s', async (_name, fileName, text, stored) => {
    const dir = tempDir();
    const { store } = storeWithReply(dir);
    const result = await runWebhookReplay(
      options({ source: { kind: 'file', path: writeFile(dir, fileName, text()) } }),
      deps(store),
    );
    expect(result.summary).toMatchObject({ ok: stored, malformed: 0, failed: 0 });
    expect(count(store)).toBe(stored);
  });

  it('dry run applies nothing', async () => {
    const dir = tempDir();
    const { store } = storeWithReply(dir);
    const before = snapshot(store);
    const result = await runWebhookReplay(
      options({ source: { kind: 'file', path: writeFile(dir, 'e.ndjson', NDJSON) }, dryRun: true }),
      deps(store),
    );
    expect(result.summary).toMatchObject({ matched: 7, sent: 0, ok: 0 });
    expect(result.events.every((event) => event.outcome === 'dry-run')).toBe(true);
    expect(snapshot(store)).toEqual(before);
  });
});

describe('malformed records', () => {
  it('are reported by line number and skipped; the rest replays', async () => {
    const dir = tempDir();
    const { store } = storeWithReply(dir);
    const lines = [
      JSON.stringify(EVENTS[1]),
      '{"event": "open", oops}',
      JSON.stringify(EVENTS[3]),
      '{"rcpt":"no-type@example.com"}',
      '',
      JSON.stringify(EVENTS[4]),
    ];
    const seen: number[] = [];
    const result = await runWebhookReplay(
      options({ source: { kind: 'file', path: writeFile(dir, 'bad.ndjson', lines.join('\n')) } }),
      deps(store, { onMalformed: (problem) => seen.push(problem.position) }),
    );
    expect(result.malformed).toEqual([
      { position: 2, positionName: 'line', message: 'the body is not valid JSON' },
      { position: 4, positionName: 'line', message: expect.stringContaining('no "event"') },
    ]);
    expect(seen).toEqual([2, 4]);
    expect(result.summary).toMatchObject({ malformed: 2, ok: 3 });
    expect(count(store)).toBe(3);
  });

  it('a bad element inside a JSON array is reported at its line; the elements around it replay', async () => {
    const dir = tempDir();
    const { store } = storeWithReply(dir);
    const text = `[\n${JSON.stringify(EVENTS[1])},\n{"event": "open", "rcpt": },\n{"rcpt": "x@example.com"},\n42,\n${JSON.stringify(EVENTS[3])}\n]\n`;
    const result = await runWebhookReplay(
      options({ source: { kind: 'file', path: writeFile(dir, 'mixed.json', text) } }),
      deps(store),
    );
    expect(result.malformed.map((problem) => problem.position)).toEqual([3, 4, 5]);
    expect(result.malformed[2]?.message).toContain('must be an event object');
    expect(result.summary).toMatchObject({ read: 5, ok: 2, malformed: 3 });
  });

  it('a broken JSON array reports the line and keeps the elements before it', async () => {
    const dir = tempDir();
    const { store } = storeWithReply(dir);
    const text = `[\n${JSON.stringify(EVENTS[1])},\n${JSON.stringify(EVENTS[2])}\n${JSON.stringify(EVENTS[3])}\n]`;
    const result = await runWebhookReplay(
      options({ source: { kind: 'file', path: writeFile(dir, 'broken.json', text) } }),
      deps(store),
    );
    expect(result.malformed).toEqual([
      { position: 4, positionName: 'line', message: expect.stringContaining('expected ","') },
    ]);
    expect(result.summary.ok).toBe(2);
  });
});

describe.each(storeBackends())('filters, the same on a file and on the store ($name)', (backend) => {
  const openBackendStore = useBackendStores(backend);
  const key = (event: { type: string; occurredAt: string | null }) => `${event.type}@${event.occurredAt}`;
  const rows: Array<[string, (replyId: number) => ReplayFilter, string[]]> = [
    ['none', () => ({}), ['processed', 'delivered', 'delivered', 'open', 'click', 'bounce', 'delivered']],
    ['--type opened,click', () => ({ types: ['open', 'click'] }), ['open', 'click']],
    ['--type bounce', () => ({ types: ['bounce'] }), ['bounce']],
    [
      '--since',
      () => ({ since: new Date('2026-09-02T00:00:00Z') }),
      ['open', 'click', 'bounce', 'delivered'],
    ],
    ['--until', () => ({ until: new Date('2026-09-01T10:00:06Z') }), ['processed', 'delivered']],
    [
      '--since and --until',
      () => ({ since: new Date('2026-09-02T08:00:00Z'), until: new Date('2026-09-03T00:00:00Z') }),
      ['open', 'click'],
    ],
    ['--recipient address', () => ({ recipient: 'al@other.example' }), ['processed', 'delivered']],
    ['--recipient @domain', () => ({ recipient: '@other.example' }), ['processed', 'delivered', 'bounce']],
    ['--email-id', () => ({ emailId: 'another-email' }), ['delivered']],
    [
      '--reply',
      (replyId) => ({ replyId }),
      ['processed', 'delivered', 'delivered', 'open', 'click', 'bounce'],
    ],
    ['--reply and --type', (replyId) => ({ replyId, types: ['delivered'] }), ['delivered', 'delivered']],
  ];

  it.each(rows)('%s', async (_name, filterFor, types) => {
    const dir = tempDir();
    const store = await openBackendStore();
    const replyId = addReplyTo(store);
    const file = writeFile(dir, 'e.ndjson', NDJSON);
    const filter = filterFor(replyId);
    const fromFile = await runWebhookReplay(
      options({ source: { kind: 'file', path: file }, filter, dryRun: true }),
      deps(store),
    );
    expect(fromFile.events.map((event) => event.type)).toEqual(types);
    await runWebhookReplay(options({ source: { kind: 'file', path: file } }), deps(store));
    const fromStore = await runWebhookReplay(options({ filter, dryRun: true }), deps(store));
    expect(fromStore.events.map(key)).toEqual(fromFile.events.map(key));
  });

  it('--reply of a reply that does not exist is not found', async () => {
    const store = await openBackendStore();
    addReplyTo(store);
    await expect(runWebhookReplay(options({ filter: { replyId: 999 } }), deps(store))).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('replay to a listener (--to)', () => {
  it.each(['hmac', 'bearer'] as const)(
    'from the store, signed with %s: the listener gets every event byte for byte',
    async (sign) => {
      const dir = tempDir();
      const { store } = storeWithReply(dir, '1vomg2-abc123', 'source.db');
      const lines = [...EVENTS.slice(0, 3).map((event) => JSON.stringify(event)), formBody(EVENTS[3]!)];
      // Two content types in one store: the JSON lines and a form line, each kept as received.
      await runWebhookReplay(
        options({ source: { kind: 'file', path: writeFile(dir, 'a.ndjson', lines.slice(0, 3).join('\n')) } }),
        deps(store),
      );
      await runWebhookReplay(
        options({ source: { kind: 'file', path: writeFile(dir, 'b.form', lines[3]!) } }),
        deps(store),
      );
      const target = await listener(tempDir());
      const result = await runWebhookReplay(
        options({ target: { kind: 'http', url: target.server.url, sign, secret: WEBHOOK_SECRET } }),
        deps(store),
      );
      expect(result.summary).toMatchObject({ read: 4, sent: 4, ok: 4, failed: 0, duplicate: 0 });
      expect(result.summary.p50Ms).not.toBeNull();
      const sent = store
        .prepare('SELECT raw_body, content_type FROM email_tracking_events ORDER BY raw_body')
        .all();
      expect(
        target.store
          .prepare('SELECT raw_body, content_type FROM email_tracking_events ORDER BY raw_body')
          .all(),
      ).toEqual(sent);
      const again = await runWebhookReplay(
        options({ target: { kind: 'http', url: target.server.url, sign, secret: WEBHOOK_SECRET } }),
        deps(store),
      );
      expect(again.summary).toMatchObject({ sent: 4, ok: 0, duplicate: 4 });
    },
  );

  it('dry run sends nothing', async () => {
    const dir = tempDir();
    const target = await scripted(() => ({ status: 200 }));
    const result = await runWebhookReplay(
      options({
        source: { kind: 'file', path: writeFile(dir, 'e.ndjson', NDJSON) },
        target: { kind: 'http', url: target.url, sign: 'hmac', secret: WEBHOOK_SECRET },
        dryRun: true,
      }),
      deps(null),
    );
    expect(result.summary).toMatchObject({ matched: 7, sent: 0 });
    expect(target.requests).toHaveLength(0);
  });

  it('a target that fails twice then succeeds counts as retried and ok', async () => {
    const dir = tempDir();
    const target = await scripted((index) => ({ status: index < 2 ? 502 : 200 }));
    const file = writeFile(dir, 'one.json', JSON.stringify(EVENTS[1]));
    const result = await runWebhookReplay(
      options({
        source: { kind: 'file', path: file },
        target: { kind: 'http', url: target.url, sign: 'none', secret: null },
      }),
      deps(null),
    );
    expect(result.summary).toMatchObject({ sent: 1, ok: 1, failed: 0, retried: 1 });
    expect(result.events[0]).toMatchObject({ outcome: 'ok', status: 200, attempts: 3 });
  });

  it('a target that always fails: every event failed, counts right, answer trimmed', async () => {
    const dir = tempDir();
    const target = await scripted(() => ({ status: 503, body: 'maintenance' }));
    const file = writeFile(dir, 'e.ndjson', NDJSON);
    const result = await runWebhookReplay(
      options({
        source: { kind: 'file', path: file },
        filter: { types: ['delivered'] },
        target: { kind: 'http', url: target.url, sign: 'none', secret: null },
      }),
      deps(null, { delivery: { clock: fakeClock(0), retry: { maxAttempts: 2 } } }),
    );
    expect(result.summary).toMatchObject({
      read: 7,
      matched: 3,
      sent: 3,
      ok: 0,
      duplicate: 0,
      failed: 3,
      retried: 3,
    });
    expect(
      result.events.every(
        (event) => event.status === 503 && event.body === 'maintenance' && event.attempts === 2,
      ),
    ).toBe(true);
    expect(target.requests).toHaveLength(6);
  });

  it('needs a secret to sign', async () => {
    await expect(
      runWebhookReplay(
        options({ target: { kind: 'http', url: 'http://127.0.0.1:1/x', sign: 'hmac', secret: null } }),
        deps(null),
      ),
    ).rejects.toMatchObject({ code: 'config' });
  });

  it('collectEvents off keeps no per-event results but streams them', async () => {
    const dir = tempDir();
    const { store } = storeWithReply(dir);
    const seen: string[] = [];
    const result = await runWebhookReplay(
      options({ source: { kind: 'file', path: writeFile(dir, 'e.ndjson', NDJSON) }, collectEvents: false }),
      deps(store, { onEvent: (event) => seen.push(event.outcome) }),
    );
    expect(result.events).toEqual([]);
    expect(seen).toHaveLength(7);
  });
});
