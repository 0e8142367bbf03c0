import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import type { IngestEventsFn } from '../../src/webhook/commit/commit-batch.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, fixture, send, useListeners } from './listener-harness.js';

const tempDir = useTempDir();
const listen = useListeners();
const body = fixture('delivered.live.json');

describe('webhook listener: store failures answer 503 and the listener keeps serving', () => {
  it('answers 503 while another connection holds the write lock, then 200 once it is released', async () => {
    const dir = tempDir();
    const { store, post, logs } = await listen(dir, { busyTimeoutMs: 50 });
    const other = new Database(join(dir, 'portal.db'));
    try {
      other.exec('BEGIN EXCLUSIVE');
      const refused = await post(body);
      expect(refused).toMatchObject({
        status: 503,
        body: { status: 'error', error: 'storage unavailable, retry later' },
      });
      expect(logs.at(-1)).toMatchObject({ level: 'error' });
      expect(logs.at(-1)?.message).toMatch(/SQLITE_BUSY|locked/);
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    expect(await post(body)).toMatchObject({ status: 200, body: { stored: 1 } });
    expect(count(store)).toBe(1);
  });

  it('answers 503 when the disk is full, storing nothing of the batch, and recovers', async () => {
    let failures = 1;
    const ingest: IngestEventsFn = (db, incoming, options) => {
      const result = ingestEvents(db, incoming, options);
      if (failures-- > 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return result;
    };
    const { store, post } = await listen(tempDir(), { ingest });
    expect((await post(body)).status).toBe(503);
    expect(count(store)).toBe(0);
    expect((await post(body)).body).toMatchObject({ stored: 1, duplicates: 0 });
  });

  it('answers 500 (SMTP2Go retries) when one request fails on its own, without failing its batch-mates', async () => {
    const ingest: IngestEventsFn = (db, incoming, options) => {
      if (incoming[0]?.event.type === 'spam') throw new TypeError('a bug in one event');
      return ingestEvents(db, incoming, options);
    };
    const { store, post } = await listen(tempDir(), { ingest, groupCommit: { windowMs: 20 } });
    const [good, bad] = await Promise.all([post(body), post('{"event":"spam","rcpt":"a@b.org"}')]);
    expect(good.status).toBe(200);
    expect(bad.status).toBe(500);
    expect(count(store)).toBe(1);
  });

  it('answers 503 on a closed database, healthz included, without crashing', async () => {
    // Committing on the event loop, so the closed connection is the one commits use (a commit thread has its own).
    const { store, post, server } = await listen(tempDir(), { commitThread: false });
    store.close();
    expect((await post(body)).status).toBe(503);
    expect((await send(new URL(server.healthUrl), 'GET', {})).body).toEqual({
      status: 'unavailable',
      store: 'unavailable',
    });
    expect((await post(body)).status).toBe(503);
  });
});
