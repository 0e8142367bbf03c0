import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordSendAttempt } from '../../src/store/send-attempts.js';
import type { Store } from '../../src/store/open-store.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import {
  deliveredAndOpened,
  fromFixture,
  HOUR,
  MIN,
  multiWithBounce,
  post,
  SENT,
  after,
} from '../operations/stats-stores.js';
import { bearer, get, NOW, readStream, startTestDashboard, type TestDashboard } from './harness.js';

const tempDir = useTempDir();
let dashboard: TestDashboard | null = null;
let dir = '';
afterEach(async () => {
  await dashboard?.close();
  dashboard = null;
});

async function start(
  fill: (store: Store) => void,
  options: Parameters<typeof startTestDashboard>[1] = {},
): Promise<TestDashboard> {
  dir = tempDir();
  dashboard = await startTestDashboard(dir, options, fill);
  return dashboard;
}

async function api(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const answer = await get(dashboard!.origin, path, bearer());
  return { status: answer.status, json: JSON.parse(answer.body) as Record<string, unknown> };
}

/** The same command line's --json document, run by the CLI over the same store with the same clock and zone. */
async function cli(args: string[]): Promise<Record<string, unknown>> {
  const run = await runCliInProcess(['--db', join(dir, 'portal.db'), '--json', ...args], {
    env: { CI: '1', TZ: 'UTC' },
    now: () => NOW,
  });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

const nid = (n: number) => `dash${String(n).padStart(28, '0')}`;

function open(store: Store, n: number, at: number): void {
  post(
    store,
    fromFixture('open.docs.json', {
      email_id: '1uOpen-0001',
      rcpt: 'john@example.com',
      time: after(at),
      id: nid(n),
    }),
  );
}

describe('dashboard API documents', () => {
  it('/api/replies/<id> is the stats --reply --json document plus the send attempts; unknown and malformed ids are 404 and 400', async () => {
    let replyId = 0;
    await start((store) => {
      replyId = deliveredAndOpened(store);
      recordSendAttempt(store, {
        replyId,
        transport: 'api',
        ok: false,
        outcome: 'retry',
        httpStatus: 503,
        errorClass: 'server_error',
        error: 'SMTP2Go answered HTTP 503',
        emailId: null,
        ms: 88,
        startedAt: SENT,
      });
      recordSendAttempt(store, {
        replyId,
        transport: 'api',
        ok: true,
        outcome: 'sent',
        httpStatus: 200,
        errorClass: null,
        error: null,
        emailId: '1uOpen-0001',
        ms: 412,
        startedAt: SENT,
      });
    });
    const { status, json } = await api(`/api/replies/${replyId}`);
    expect(status).toBe(200);
    const { attempts, subject, status_text, fallback_reason, ...stats } = json;
    expect(stats).toEqual(await cli(['stats', '--reply', String(replyId)]));
    expect({ subject, status_text, fallback_reason }).toEqual({
      subject: 'Re: your printer',
      status_text: 'opened',
      fallback_reason: null,
    });
    // The scenario's own send (recordSend stores its API attempt since issue 14's stats count relays), then the two added here.
    expect(attempts).toEqual([
      {
        attempt: 1,
        transport: 'api',
        ok: true,
        outcome: 'sent',
        status: 200,
        error: null,
        error_class: null,
        ms: 300,
        started_at: SENT.toISOString(),
      },
      {
        attempt: 2,
        transport: 'api',
        ok: false,
        outcome: 'retry',
        status: 503,
        error: 'SMTP2Go answered HTTP 503',
        error_class: 'server_error',
        ms: 88,
        started_at: SENT.toISOString(),
      },
      {
        attempt: 3,
        transport: 'api',
        ok: true,
        outcome: 'sent',
        status: 200,
        error: null,
        error_class: null,
        ms: 412,
        started_at: SENT.toISOString(),
      },
    ]);
    expect(await api('/api/replies/999')).toMatchObject({
      status: 404,
      json: { version: 1, error: { code: 'not_found', message: 'reply 999 not found' } },
    });
    expect(await api('/api/replies/abc')).toMatchObject({ status: 400, json: { error: { code: 'usage' } } });
    expect(await api('/api/replies/99999999999999999')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage' } },
    });
  });

  it('/api/summary is stats --json for the same --since/--until/--by, and a bad window is the same usage error', async () => {
    await start((store) => {
      deliveredAndOpened(store);
      multiWithBounce(store);
    });
    for (const query of [
      '',
      '?by=day',
      '?by=domain&since=2026-11-01',
      '?by=transport&since=30d&until=2026-11-25T00:00:00Z',
    ]) {
      const args = [...new URLSearchParams(query)].flatMap(([name, value]) => [`--${name}`, value]);
      const { status, json } = await api(`/api/summary${query}`);
      expect(status, query).toBe(200);
      expect(json, query).toEqual(await cli(['stats', ...args]));
    }
    expect(await api('/api/summary?by=week')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage' } },
    });
    expect(await api('/api/summary?since=yesterday')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage', message: '--since "yesterday" is not a time' } },
    });
    expect(await api('/api/summary?since=1d&until=2d')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage' } },
    });
    expect(await api('/api/summary?colour=red')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage', message: 'unknown parameter "colour"' } },
    });
  });

  it('/api/replies is replies --json with the same parameters as its flags, cursor included', async () => {
    await start((store) => {
      deliveredAndOpened(store);
      multiWithBounce(store);
    });
    for (const query of [
      '',
      '?recipient=EXAMPLE.org',
      '?status=bounced',
      '?ticket=1001',
      '?transport=api&limit=1',
      '?email-id=1uMulti-0002',
    ]) {
      const args = [...new URLSearchParams(query)].flatMap(([name, value]) => [`--${name}`, value]);
      const { status, json } = await api(`/api/replies${query}`);
      expect(status, query).toBe(200);
      expect(json, query).toEqual(await cli(['replies', ...args]));
    }
    const first = await api('/api/replies?limit=1');
    const cursor = first.json.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await api(`/api/replies?limit=1&cursor=${encodeURIComponent(cursor)}`);
    expect(second.json).toEqual(await cli(['replies', '--limit', '1', '--cursor', cursor]));
    expect(await api('/api/replies?status=lost')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage' } },
    });
    expect(await api('/api/replies?limit=0')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage' } },
    });
    expect(await api('/api/replies?recipient=a&recipient=b')).toMatchObject({
      status: 400,
      json: { error: { code: 'usage' } },
    });
  });

  it('/api/events lists the newest events newest first, or those after an id oldest first, with webhook serve --json names', async () => {
    await start((store) => deliveredAndOpened(store));
    const latest = await api('/api/events?limit=2');
    expect(latest.json.last_id).toBe(4);
    expect((latest.json.events as Array<{ id: number }>).map((e) => e.id)).toEqual([4, 3]);
    expect((latest.json.events as unknown[])[0]).toEqual({
      id: 4,
      event: 'open',
      reply_id: 1,
      recipient: 'john@example.com',
      occurred_at: after(3 * HOUR),
      received_at: expect.any(String),
      source: 'webhook',
      duplicate: false,
      url: null,
      bounce_type: null,
      detail: null,
    });
    const since = await api('/api/events?after=1');
    expect((since.json.events as Array<{ id: number }>).map((e) => e.id)).toEqual([2, 3, 4]);
    expect(await api('/api/events?after=-1')).toMatchObject({ status: 400 });
    expect(await api('/api/events?limit=5000')).toMatchObject({ status: 400 });
  });

  it('/api/activity counts events per local day by type and names the bounce reasons stats counts', async () => {
    await start((store) => {
      deliveredAndOpened(store);
      multiWithBounce(store);
      open(store, 90, 20 * HOUR);
    });
    const { status, json } = await api('/api/activity');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      since: null,
      until: null,
      time_zone: 'UTC',
      bounce_reasons: [{ reason: expect.stringContaining('550 5.1.1'), count: 1 }],
    });
    expect(json.days).toEqual([
      { day: '2026-11-24', total: 8, by_type: { processed: 2, delivered: 3, open: 2, bounce: 1 } },
      { day: '2026-11-25', total: 1, by_type: { open: 1 } },
    ]);
    expect(json.types).toEqual(['delivered', 'open', 'processed', 'bounce']);
    // To the quarter hour: 10:20 leaves out the quarter from 10:00 that holds the send's first events.
    const window = await api(`/api/activity?since=${encodeURIComponent(after(20 * MIN))}`);
    expect(window.json.days).toEqual([
      { day: '2026-11-24', total: 2, by_type: { open: 2 } },
      { day: '2026-11-25', total: 1, by_type: { open: 1 } },
    ]);
    // Events stored after the first count are added, not recounted from scratch.
    open(dashboard!.store, 91, 21 * HOUR);
    expect((await api('/api/activity')).json.days).toContainEqual({
      day: '2026-11-25',
      total: 2,
      by_type: { open: 2 },
    });
  });
});

describe('dashboard live stream', () => {
  it('replays from Last-Event-ID, so a reconnect misses nothing and repeats nothing, then streams new events as they are stored', async () => {
    const { origin, store } = await start((s) => deliveredAndOpened(s), { stream: { pollMs: 20 } });
    const first = await readStream(
      origin,
      '/api/stream',
      { ...bearer(), 'last-event-id': '1' },
      (frames) => frames.length === 3,
    );
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-cache, no-transform');
    expect(first.frames.map((f) => [f.id, f.event])).toEqual([
      ['2', 'tracking'],
      ['3', 'tracking'],
      ['4', 'tracking'],
    ]);
    expect(JSON.parse(first.frames[2]!.data)).toMatchObject({ id: 4, event: 'open', reply_id: 1 });
    // Disconnected at 4; two events are stored meanwhile; the browser comes back with Last-Event-ID: 4.
    open(store, 50, 4 * HOUR);
    open(store, 51, 5 * HOUR);
    const next = readStream(
      origin,
      '/api/stream',
      { ...bearer(), 'last-event-id': '4' },
      (frames) => frames.length === 3,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    open(store, 52, 6 * HOUR);
    expect((await next).frames.map((f) => f.id)).toEqual(['5', '6', '7']);
  });

  it('starts at the newest event without Last-Event-ID (or after ?after=), sends pings, and refuses a malformed id', async () => {
    const { origin, store } = await start((s) => deliveredAndOpened(s), {
      stream: { pollMs: 20, pingMs: 50 },
    });
    const live = readStream(
      origin,
      '/api/stream',
      bearer(),
      (frames, comments) => frames.length === 1 && comments.includes('ping'),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    open(store, 60, 7 * HOUR);
    const result = await live;
    expect(result.frames.map((f) => f.id)).toEqual(['5']);
    const fromAfter = await readStream(
      origin,
      '/api/stream?after=3',
      bearer(),
      (frames) => frames.length === 2,
    );
    expect(fromAfter.frames.map((f) => f.id)).toEqual(['4', '5']);
    expect((await get(origin, '/api/stream', { ...bearer(), 'last-event-id': 'x1' })).status).toBe(400);
    expect((await get(origin, '/api/stream?after=1e3', bearer())).status).toBe(400);
  });
});
