import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../../src/core/tracking-event.js';
import type { IngestResult } from '../../../src/store/ingest-events.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { StoreUnavailableError, type IngestEventsFn } from '../../../src/webhook/commit/commit-batch.js';
import { createInProcessCommitter } from '../../../src/webhook/commit/in-process-committer.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const tempDir = useTempDir();
const at = new Date('2026-09-10T09:00:00Z');

/** A stand-in ingest that writes one row per request into its own table, so commits can be observed. */
function setup(behaviour: (label: string) => void = () => undefined): {
  store: Store;
  ingest: IngestEventsFn;
  inTransaction: IngestEventsFn;
  calls: { ingest: number; inTransaction: number };
  rows: () => string[];
} {
  const store = openStore(join(tempDir(), 'portal.db'));
  store.exec('CREATE TABLE probe (label TEXT)');
  const calls = { ingest: 0, inTransaction: 0 };
  const body = (db: Store, incoming: IncomingEvent[]): IngestResult => {
    const label = incoming[0]?.rawBody ?? '';
    db.prepare('INSERT INTO probe VALUES (?)').run(label);
    behaviour(label);
    return { stored: 1, duplicates: 0, unlinked: 1, conflicts: 0, results: [] };
  };
  const ingest: IngestEventsFn = (db, incoming) => {
    calls.ingest += 1;
    return db.transaction(() => body(db, incoming))();
  };
  const inTransaction: IngestEventsFn = (db, incoming) => {
    calls.inTransaction += 1;
    return body(db, incoming);
  };
  return {
    store,
    ingest,
    inTransaction,
    calls,
    rows: () =>
      (store.prepare('SELECT label FROM probe ORDER BY rowid').all() as Array<{ label: string }>).map(
        (row) => row.label,
      ),
  };
}

const job = (label: string): IncomingEvent[] => [
  { rawBody: label, contentType: 'application/json', event: {} as IncomingEvent['event'] },
];

describe('group commit', () => {
  it('commits requests that arrive together in one transaction, and answers none before it', async () => {
    const seenCommitted: number[] = [];
    let reader: Database.Database | undefined;
    const { store, ingest, rows } = setup(() =>
      seenCommitted.push((reader!.prepare('SELECT COUNT(*) AS n FROM probe').get() as { n: number }).n),
    );
    reader = new Database(store.name, { readonly: true });
    const committer = createInProcessCommitter(store, { ingest, windowMs: 5 });
    let answered = 0;
    const all = ['a', 'b', 'c'].map((label) => committer.submit(job(label), at).then(() => (answered += 1)));
    expect(rows()).toEqual([]);
    await Promise.all(all);
    expect(answered).toBe(3);
    expect(rows()).toEqual(['a', 'b', 'c']);
    // Another connection saw none of them while the batch ran: one commit for all three.
    expect(seenCommitted).toEqual([0, 0, 0]);
    await committer.submit(job('d'), at);
    expect(seenCommitted).toEqual([0, 0, 0, 3]);
    reader.close();
    store.close();
  });

  it('commits at once when the batch is full', async () => {
    const { store, ingest, rows } = setup();
    const committer = createInProcessCommitter(store, { ingest, windowMs: 60_000, maxBatch: 2 });
    await Promise.all([committer.submit(job('a'), at), committer.submit(job('b'), at)]);
    expect(rows()).toEqual(['a', 'b']);
    store.close();
  });

  it('rolls back only the request that failed on its own content', async () => {
    const { store, ingest, rows } = setup((label) => {
      if (label === 'bad') throw new Error('bad event');
    });
    const committer = createInProcessCommitter(store, { ingest, windowMs: 0 });
    const results = await Promise.allSettled(
      ['a', 'bad', 'c'].map((label) => committer.submit(job(label), at)),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'bad event' });
    expect(rows()).toEqual(['a', 'c']);
    store.close();
  });

  it('without savepoints first: a batch with no failure never pays for them', async () => {
    const { store, ingest, inTransaction, calls, rows } = setup();
    const committer = createInProcessCommitter(store, { ingest, inTransaction, windowMs: 5 });
    await Promise.all(['a', 'b', 'c'].map((label) => committer.submit(job(label), at)));
    expect(rows()).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual({ ingest: 0, inTransaction: 3 });
    store.close();
  });

  it('without savepoints first: a request failing on its content is retried the careful way and fails alone', async () => {
    const { store, ingest, inTransaction, calls, rows } = setup((label) => {
      if (label === 'bad') throw new Error('bad event');
    });
    const committer = createInProcessCommitter(store, { ingest, inTransaction, windowMs: 5 });
    const results = await Promise.allSettled(
      ['a', 'bad', 'c'].map((label) => committer.submit(job(label), at)),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'bad event' });
    expect(rows()).toEqual(['a', 'c']);
    expect(calls.ingest).toBe(3);
    const alone = await Promise.allSettled([committer.submit(job('bad'), at)]);
    expect(alone[0].status).toBe('rejected');
    await committer.submit(job('after'), at);
    expect(rows()).toEqual(['a', 'c', 'after']);
    store.close();
  });

  it('without savepoints first: a store failure still fails the whole batch, committing nothing', async () => {
    const { store, ingest, inTransaction, rows } = setup((label) => {
      if (label === 'full')
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    });
    const committer = createInProcessCommitter(store, { ingest, inTransaction, windowMs: 5 });
    const results = await Promise.allSettled(
      ['a', 'full', 'c'].map((label) => committer.submit(job(label), at)),
    );
    for (const result of results)
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    expect(rows()).toEqual([]);
    store.close();
  });

  it('fails the whole batch as StoreUnavailableError when the store fails, committing nothing', async () => {
    const { store, ingest, rows } = setup((label) => {
      if (label === 'full')
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    });
    const committer = createInProcessCommitter(store, { ingest, windowMs: 0 });
    const results = await Promise.allSettled(
      ['a', 'full', 'c'].map((label) => committer.submit(job(label), at)),
    );
    for (const result of results)
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    expect(rows()).toEqual([]);
    await committer.submit(job('after'), at);
    expect(rows()).toEqual(['after']);
    store.close();
  });
});
