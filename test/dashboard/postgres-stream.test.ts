import { request as httpRequest, type ClientRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/cli/commands/dashboard/start.js';
import { createContext, type CliContext, type CliIo } from '../../src/cli/context.js';
import type { DashboardServer } from '../../src/dashboard/server.js';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { usePostgresDatabases } from '../helpers/postgres.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
/** The stream's polling backstop in these tests: far longer than any wait below, so only a wake-up explains an update. */
const POLL_MS = 30_000;

interface Opened {
  ctx: CliContext;
  dashboard: DashboardServer;
  stderr: () => string;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** `dashboard --db <url>` as the command composes it, on port 0, with the polling backstop at 30 s. */
async function openDashboard(url: string): Promise<Opened> {
  const stderr = new PassThrough();
  let errors = '';
  stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const io: CliIo = {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
    env: { CI: '1', TZ: 'UTC' },
    cwd: process.cwd(),
    now: () => NOW,
  };
  const ctx = await createContext(io, { db: url });
  const dashboard = await startDashboard(
    ctx,
    { host: '127.0.0.1', port: 0 },
    { pollMs: POLL_MS, heartbeatMs: 1_000 },
  );
  cleanup.push(async () => {
    await dashboard.close();
    ctx.close();
  });
  return { ctx, dashboard, stderr: () => errors };
}

/** An open SSE stream; `text()` is everything received so far. */
function openStream(dashboard: DashboardServer): { text: () => string; request: ClientRequest } {
  let text = '';
  const request = httpRequest(
    `${dashboard.origin}/api/stream`,
    { headers: { authorization: `Bearer ${dashboard.token}` }, agent: false },
    (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
    },
  );
  request.on('error', () => undefined);
  request.end();
  cleanup.push(() => void request.destroy());
  return { text: () => text, request };
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/** The pids of the dashboard's LISTEN sessions on the database, seen from another connection. */
async function listeners(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'smtp2go-portal dashboard' AND query LIKE 'LISTEN%'`,
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/** What another listener process does: its own connection stores a webhook, then (optionally) notifies. */
function otherListener(url: string) {
  const store: Store = openStore(url);
  cleanup.push(() => void store.close());
  let n = 0;
  return {
    store,
    insert(recipient: string): void {
      n += 1;
      const body = JSON.stringify({
        id: `${n}`.padStart(32, 'b'),
        event: 'delivered',
        email_id: `other-${n}`,
        rcpt: recipient,
        time: '2026-11-25T11:59:00Z',
      });
      const { events } = parseWebhookBody(body, 'application/json', NOW);
      ingestEvents(store, events, { receivedAt: NOW, source: 'webhook' });
    },
    notify(): void {
      store.prepare("SELECT pg_notify('smtp2go_portal_events', '')").get();
    },
  };
}

describe('issue 17: the dashboard over a PostgreSQL store', () => {
  const database = usePostgresDatabases();

  it('issue 17: shows an event another connection stored as soon as it NOTIFYs, with the polling backstop at 30 s', async () => {
    const url = await database();
    const { dashboard, stderr } = await openDashboard(url);
    expect(await until(async () => (await listeners(url)).length === 1, 5_000)).toBe(true);
    const stream = openStream(dashboard);
    expect(await until(() => dashboard.stream.clients === 1, 2_000)).toBe(true);
    // Let the wake-up that follows LISTEN and the attach's first look pass before anything is stored.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const other = otherListener(url);
    other.insert('ann@example.org');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(stream.text()).not.toContain('event: tracking');

    const notified = Date.now();
    other.notify();
    expect(await until(() => stream.text().includes('ann@example.org'), 3_000)).toBe(true);
    expect(Date.now() - notified).toBeLessThan(1_500);
    expect(stream.text()).toMatch(/id: \d+\nevent: tracking\ndata: \{[^\n]*"event":"delivered"/);
    expect(stderr()).toBe('');
  });

  it('issue 17: after its LISTEN session is killed it reconnects, catches up on what was stored meanwhile, and LISTENs again', async () => {
    const url = await database();
    const { dashboard, stderr } = await openDashboard(url);
    expect(await until(async () => (await listeners(url)).length === 1, 5_000)).toBe(true);
    const [first] = await listeners(url);
    const stream = openStream(dashboard);
    expect(await until(() => dashboard.stream.clients === 1, 2_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = otherListener(url);
    other.store.prepare('SELECT pg_terminate_backend(?::int)').get(first);
    // Stored while the dashboard is not listening, and never notified: the reconnect's catch-up shows it.
    other.insert('bob@example.org');
    expect(await until(() => stream.text().includes('bob@example.org'), 5_000)).toBe(true);
    expect(
      await until(async () => {
        const now = await listeners(url);
        return now.length === 1 && now[0] !== first;
      }, 2_000),
    ).toBe(true);
    other.insert('cy@example.org');
    other.notify();
    expect(await until(() => stream.text().includes('cy@example.org'), 1_500)).toBe(true);
    expect(stderr()).toMatch(/lost its PostgreSQL LISTEN connection .*reconnecting/);
    expect(stderr()).toMatch(/listening to PostgreSQL again/);
    expect(stderr()).not.toContain(new URL(url).password);
  });
});
