import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startPostgresWake, type PostgresWake } from '../../src/dashboard/postgres-wake.js';
import { usePostgresDatabases } from '../helpers/postgres.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/**
 * A TCP relay to the server whose open connections can be made to go silent: nothing more passes either
 * way and nothing is closed, as when a server restarts behind a NAT or a cable is pulled. New connections
 * pass as usual.
 */
async function silenceableRelay(target: URL): Promise<{ url: string; silence(): void }> {
  const pairs: Array<[Socket, Socket]> = [];
  const server: Server = createServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream);
    upstream.pipe(socket);
    const quiet = () => undefined;
    socket.on('error', quiet);
    upstream.on('error', quiet);
    pairs.push([socket, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) pair.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  );
  const url = new URL(target);
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.href,
    silence() {
      for (const [socket, upstream] of pairs.splice(0)) {
        socket.unpipe(upstream);
        upstream.unpipe(socket);
        socket.pause();
        upstream.pause();
        cleanup.push(() => {
          socket.destroy();
          upstream.destroy();
        });
      }
    },
  };
}

async function notify(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("SELECT pg_notify('smtp2go_portal_events', '')");
  await client.end();
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
}

describe('issue 17: the dashboard wake-up connection', () => {
  const database = usePostgresDatabases();

  it('issue 17: a connection gone silent fails its heartbeat, is replaced, and the new one LISTENs', async () => {
    const url = await database();
    const relay = await silenceableRelay(new URL(url));
    let wakes = 0;
    const logs: string[] = [];
    const wake: PostgresWake = startPostgresWake(relay.url, {
      onWake: () => (wakes += 1),
      onLog: (entry) => logs.push(`${entry.level}: ${entry.message}`),
      heartbeatMs: 500,
      backoffMs: 20,
    });
    cleanup.push(() => wake.close());
    // Connected and listening: one wake-up to catch up, then one per NOTIFY.
    expect(await until(() => wakes === 1, 5_000)).toBe(true);
    await notify(url);
    expect(await until(() => wakes === 2, 2_000)).toBe(true);

    relay.silence();
    expect(await until(() => wakes === 3, 4_000)).toBe(true);
    expect(logs).toEqual([
      'warn: the dashboard lost its PostgreSQL LISTEN connection (no answer to a heartbeat within 500 ms); reconnecting, and the page keeps polling meanwhile',
      'info: the dashboard is listening to PostgreSQL again',
    ]);
    await notify(url);
    expect(await until(() => wakes === 4, 2_000)).toBe(true);
  });

  it('issue 17: a server that drops it is retried with backoff, logged once, and close() stops the retries', async () => {
    let attempts = 0;
    const server = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    let wakes = 0;
    const logs: string[] = [];
    const wake = startPostgresWake(`postgres://portal:pw-not-to-show@127.0.0.1:${port}/portal`, {
      onWake: () => (wakes += 1),
      onLog: (entry) => logs.push(entry.message),
      backoffMs: 20,
      maxBackoffMs: 80,
    });
    expect(await until(() => attempts >= 4, 2_000)).toBe(true);
    await wake.close();
    const stopped = attempts;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toBe(stopped);
    expect(wakes).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^the dashboard lost its PostgreSQL LISTEN connection \(.+\); reconnecting/);
    expect(logs[0]).not.toContain('pw-not-to-show');
  });
});
