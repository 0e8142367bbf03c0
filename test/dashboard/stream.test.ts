import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream, type EventStream, type LiveEvent } from '../../src/dashboard/stream.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }
});

/** A source of `total` events of about `size` bytes each that counts the rows it hands out. */
function source(total: number, size: number) {
  const state = { read: 0 };
  const row = (id: number): LiveEvent => ({
    id,
    event: 'delivered',
    reply_id: id,
    recipient: `r${id}@example.com`,
    occurred_at: '2026-11-24T10:00:00.000Z',
    received_at: '2026-11-24T10:00:01.000Z',
    source: 'webhook',
    duplicate: false,
    url: null,
    bounce_type: null,
    detail: 'x'.repeat(size),
  });
  return {
    state,
    eventsAfter(after: number, limit: number) {
      const rows: LiveEvent[] = [];
      for (let id = after + 1; id <= Math.min(total, after + limit); id += 1) rows.push(row(id));
      state.read += rows.length;
      return rows;
    },
    latestId: () => total,
  };
}

async function serve(stream: EventStream): Promise<string> {
  const server = createServer(
    (request, response) => void stream.attach(response, Number(request.headers['last-event-id'] ?? 0)),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => stream.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

describe('dashboard event stream', () => {
  it('drops a client that stops reading at the write deadline, reads no further for it, and keeps serving a reader', async () => {
    const events = source(4000, 16 * 1024);
    const stream = createEventStream({ ...events, pollMs: 10, writeDeadlineMs: 300, batch: 100 });
    const url = await serve(stream);
    // The stalled client: its socket is never read, so the server's writes back up.
    const stalled = httpGet(url, { headers: { 'last-event-id': '0' } }, (response) =>
      response.socket.pause(),
    );
    stalled.on('error', () => undefined);
    let readerBytes = 0;
    const reader = httpGet(url, { headers: { 'last-event-id': '0' } }, (response) =>
      response.on('data', (chunk: Buffer) => (readerBytes += chunk.length)),
    );
    reader.on('error', () => undefined);
    expect(await until(() => stream.clients === 2, 2000)).toBe(true);
    expect(await until(() => stream.clients === 1, 5000)).toBe(true);
    // The reader got everything (64 MiB); the stalled one was never read past what its buffers hold.
    expect(await until(() => readerBytes >= 4000 * 16 * 1024, 10_000)).toBe(true);
    expect(events.state.read).toBeLessThan(2 * 4000);
    reader.destroy();
    stalled.destroy();
  });

  it('sends each row once to every caught-up client from one shared query per tick', async () => {
    let total = 0;
    let queriesWithRows = 0;
    const eventsAfter = (after: number, limit: number) => {
      const rows = source(total, 10).eventsAfter(after, limit);
      if (rows.length > 0) queriesWithRows += 1;
      return rows;
    };
    const stream = createEventStream({ eventsAfter, latestId: () => total, pollMs: 10 });
    const url = await serve(stream);
    const received: string[][] = [[], [], []];
    const clients = received.map((ids) =>
      httpGet(url, { headers: { 'last-event-id': '0' } }, (response) =>
        response
          .setEncoding('utf8')
          .on('data', (chunk: string) =>
            ids.push(...[...chunk.matchAll(/^id: (\d+)$/gm)].map((m) => m[1] as string)),
          ),
      ),
    );
    expect(await until(() => stream.clients === 3, 2000)).toBe(true);
    total = 25;
    stream.nudge();
    expect(await until(() => received.every((ids) => ids.length === 25), 3000)).toBe(true);
    for (const ids of received) expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(queriesWithRows).toBe(1);
    for (const client of clients) client.destroy();
    expect(await until(() => stream.clients === 0, 2000)).toBe(true);
  });

  it('sends a retried notification after the rows stored before it, without an id, to caught-up clients only', async () => {
    let total = 0;
    const stream = createEventStream({
      eventsAfter: (after, limit) => source(total, 10).eventsAfter(after, limit),
      latestId: () => total,
      pollMs: 60_000,
    });
    const url = await serve(stream);
    let text = '';
    const client = httpGet(url, { headers: { 'last-event-id': '0' } }, (response) =>
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)),
    );
    expect(await until(() => stream.clients === 1 && text.includes('retry:'), 2000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Stored, then a retry of it answered, before any poll has run: the page must see them in that order.
    total = 1;
    stream.publishTransient({ ...source(1, 0).eventsAfter(0, 1)[0]!, id: null, duplicate: true });
    expect(await until(() => text.includes('event: duplicate'), 2000)).toBe(true);
    const frames = text.split('\n\n').filter((frame) => frame.includes('data: '));
    expect(frames.map((frame) => frame.split('\n').filter((line) => !line.startsWith('data: ')))).toEqual([
      ['id: 1', 'event: tracking'],
      ['event: duplicate'],
    ]);
    client.destroy();
  });
});
