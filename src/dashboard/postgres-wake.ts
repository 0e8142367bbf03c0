import pg from 'pg';
import { postgresClientConfig } from '../store/postgres/client-config.js';
import { EVENTS_CHANNEL } from '../store/postgres/events-channel.js';

export interface PostgresWakeOptions {
  /** Called on each notification, and once after every (re)connect to catch up on what was missed. */
  onWake: () => void;
  onLog?: (entry: { level: 'warn' | 'info'; message: string }) => void;
  /** How often the connection proves it is alive with `SELECT 1` (and how long the answer may take). */
  heartbeatMs?: number;
  /** The first wait before reconnecting; it doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface PostgresWake {
  close(): Promise<void>;
}

/**
 * One dedicated connection (never from a pool: LISTEN belongs to a session) that LISTENs for the listeners'
 * commits, so a dashboard on any machine shows an event as soon as any listener stores it. The stream still
 * reads by row id and still polls now and then: a notification is only a wake-up, and one sent while this
 * connection was down is never delivered. A server restart ends the session without a word to a quiet
 * client, so a heartbeat finds a dead connection; then it reconnects with backoff, LISTENs again and wakes
 * the stream once to catch up.
 */
export function startPostgresWake(url: string, options: PostgresWakeOptions): PostgresWake {
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const firstBackoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let client: pg.Client | null = null;
  let closed = false;
  let backoffMs = firstBackoffMs;
  let retry: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let lost: string | null = null;

  function drop(current: pg.Client, reason: string): void {
    if (client !== current) return;
    client = null;
    if (heartbeat !== null) clearInterval(heartbeat);
    heartbeat = null;
    current.removeAllListeners('notification');
    // A connection that stopped answering may never finish a polite end: let it go without waiting.
    current.end().catch(() => undefined);
    if (closed) return;
    if (lost === null) {
      lost = reason;
      options.onLog?.({
        level: 'warn',
        message: `the dashboard lost its PostgreSQL LISTEN connection (${reason}); reconnecting, and the page keeps polling meanwhile`,
      });
    }
    retry = setTimeout(() => void connect(), backoffMs);
    retry.unref();
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
  }

  async function connect(): Promise<void> {
    retry = null;
    if (closed) return;
    const current = new pg.Client({
      ...postgresClientConfig(url, 'smtp2go-portal dashboard'),
      connectionTimeoutMillis: heartbeatMs,
    });
    client = current;
    // Without a listener an error after connecting (a server restart) would end the process.
    current.on('error', (error) => drop(current, error.message));
    current.on('end', () => drop(current, 'the server closed it'));
    current.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL) options.onWake();
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      drop(current, (error as Error).message);
      return;
    }
    if (client !== current) return;
    backoffMs = firstBackoffMs;
    if (lost !== null) {
      options.onLog?.({ level: 'info', message: 'the dashboard is listening to PostgreSQL again' });
      lost = null;
    }
    heartbeat = setInterval(() => void beat(current), heartbeatMs);
    heartbeat.unref();
    options.onWake();
  }

  async function beat(current: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<'silent'>((resolve) => {
      timer = setTimeout(() => resolve('silent'), heartbeatMs);
      timer.unref();
    });
    try {
      const answer = await Promise.race([current.query('SELECT 1'), silent]);
      if (answer === 'silent') drop(current, `no answer to a heartbeat within ${heartbeatMs} ms`);
    } catch (error) {
      drop(current, (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      if (heartbeat !== null) clearInterval(heartbeat);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
