import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { usePostgresDatabases } from '../helpers/postgres.js';

/** Blocks this thread (the store's calls are synchronous, so the test must be too) while the bridge thread runs on. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('a PostgreSQL store whose connection is cut (pg_terminate_backend, a server restart)', () => {
  const database = usePostgresDatabases();
  const opened: Store[] = [];
  afterEach(() => {
    for (const store of opened.splice(0)) store.close();
  });
  async function open(): Promise<{ store: Store; admin: Store; cut: () => void }> {
    const url = await database();
    const store = openStore(url);
    const admin = new PostgresStore(url);
    opened.push(store, admin);
    const pid = store.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number };
    const cut = () => {
      admin.prepare('SELECT pg_terminate_backend(?::int)').get(pid.pid);
      // Long enough for the bridge thread to read the server's goodbye and mark the connection lost.
      pause(300);
    };
    return { store, admin, cut };
  }
  const rows = (admin: Store) =>
    admin.prepare('SELECT COUNT(*) AS n FROM reply_recipients').get() as { n: number };

  it('issue 17: the statements after a cut inside a transaction are not run on a new connection outside it; the transaction fails and nothing of it is stored', async () => {
    const { store, admin, cut } = await open();
    store
      .prepare(
        "INSERT INTO ticket_replies (id, recipients, created_at, updated_at) VALUES (1, '[]', 'now', 'now')",
      )
      .run();
    const insert = store.prepare("INSERT INTO reply_recipients (reply_id, email, role) VALUES (1, ?, 'to')");
    const write = store.transaction(() => {
      insert.run('before@example.com');
      cut();
      insert.run('after@example.com');
    });
    expect(() => write()).toThrow(expect.objectContaining({ connectionLost: true }));
    expect(rows(admin).n).toBe(0);
    // The next transaction opens a new connection and commits.
    store.transaction(() => insert.run('next@example.com'))();
    expect(rows(admin).n).toBe(1);
  });

  it('issue 17: a statement outside any transaction after a cut reconnects and runs', async () => {
    const { store, admin, cut } = await open();
    cut();
    store
      .prepare(
        "INSERT INTO ticket_replies (id, recipients, created_at, updated_at) VALUES (1, '[]', 'now', 'now')",
      )
      .run();
    expect(admin.prepare('SELECT COUNT(*) AS n FROM ticket_replies').get()).toEqual({ n: 1 });
  });
});
