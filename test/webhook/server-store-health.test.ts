import { closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore } from '../../src/store/open-store.js';
import type { IngestEventsFn } from '../../src/webhook/commit/commit-batch.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import type { WebhookServerOptions } from '../../src/webhook/server.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { COMMIT_THREAD_URL, count, NOW, send, useListeners } from './listener-harness.js';

const WORKER_URL = COMMIT_THREAD_URL;
const tempDir = useTempDir();
const listen = useListeners();
const event = (i: number) =>
  JSON.stringify({
    id: i.toString(16).padStart(32, '0'),
    event: 'delivered',
    email_id: `health-${i}`,
    rcpt: `u${i}@example.com`,
    time: '2026-09-10T08:00:00Z',
  });
const health = async (url: string) => (await send(new URL(url), 'GET', {})).status;

const COMMITTERS: Array<[string, Partial<WebhookServerOptions>]> = [
  ['on the commit thread', { commitThread: { workerUrl: WORKER_URL } }],
  ['on the event loop', { commitThread: false }],
];

/** A store holding 300 events whose events table and its first index each have their root page overwritten. */
function damagedStore(dir: string): void {
  const path = join(dir, 'portal.db');
  const store = openStore(path);
  for (let i = 0; i < 300; i++)
    ingestEvents(store, parseWebhookBody(event(i), 'application/json', NOW).events, {
      receivedAt: NOW,
      source: 'webhook',
    });
  const roots = (
    store
      .prepare(
        "SELECT rootpage FROM sqlite_schema WHERE tbl_name = 'email_tracking_events' AND rootpage > 0 ORDER BY rootpage",
      )
      .all() as Array<{ rootpage: number }>
  ).slice(0, 2);
  store.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  expect(roots).toHaveLength(2);
  const fd = openSync(path, 'r+');
  for (const { rootpage } of roots) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, (rootpage - 1) * 4096);
  closeSync(fd);
}

describe('webhook listener: /healthz tells whether the store can commit', () => {
  beforeAll(() => {
    if (!existsSync(fileURLToPath(WORKER_URL))) throw new Error('dist/ is missing: run `npm run build`');
  });

  it.each(COMMITTERS)(
    'round two #6: a store with two damaged pages answers events 503, and /healthz 503 too (%s)',
    async (_name, committer) => {
      const dir = tempDir();
      damagedStore(dir);
      const { post, server } = await listen(dir, committer);
      expect((await post(event(1_000))).status).toBe(503);
      expect(await health(server.healthUrl)).toBe(503);
      expect((await post(event(1_001))).status).toBe(503);
      expect(await health(server.healthUrl)).toBe(503);
    },
  );

  it('round two #6: a store whose events table is damaged answers /healthz 503 before any event arrives', async () => {
    const dir = tempDir();
    damagedStore(dir);
    const { server, logs } = await listen(dir, { commitThread: { workerUrl: WORKER_URL } });
    expect(await health(server.healthUrl)).toBe(503);
    expect(logs.filter((entry) => entry.message.startsWith('health:'))).toEqual([
      { level: 'error', message: expect.stringMatching(/malformed|corrupt/i) },
    ]);
    expect(await health(server.healthUrl)).toBe(503);
    expect(logs.filter((entry) => entry.message.startsWith('health:'))).toHaveLength(1);
  });

  it.each(COMMITTERS)(
    'round two #6: a store file replaced under the running listener: events 503 (not written to the old file), /healthz 503 (%s)',
    async (_name, committer) => {
      const dir = tempDir();
      const path = join(dir, 'portal.db');
      const { post, server, logs } = await listen(dir, committer);
      expect((await post(event(1))).status).toBe(200);
      // An operator restores a backup over the live file: the listener's connections still hold the old inode.
      copyFileSync(path, `${path}.restored`);
      renameSync(`${path}.restored`, path);
      expect(await health(server.healthUrl)).toBe(503);
      expect((await post(event(2))).status).toBe(503);
      expect(await health(server.healthUrl)).toBe(503);
      expect(logs.some((entry) => entry.level === 'error' && /replaced|deleted/.test(entry.message))).toBe(
        true,
      );
    },
  );

  it.each(COMMITTERS)(
    'round two #6: a store file deleted under the running listener: events 503, /healthz 503 (%s)',
    async (_name, committer) => {
      const dir = tempDir();
      const { post, server } = await listen(dir, committer);
      expect((await post(event(1))).status).toBe(200);
      rmSync(join(dir, 'portal.db'));
      expect((await post(event(2))).status).toBe(503);
      expect(await health(server.healthUrl)).toBe(503);
    },
  );

  it('round two #6: /healthz is 503 after a commit failed for the store (disk full), and 200 again once one succeeds', async () => {
    let failures = 1;
    const ingest: IngestEventsFn = (db, incoming, options) => {
      if (failures-- > 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return ingestEvents(db, incoming, options);
    };
    const { store, post, server } = await listen(tempDir(), { ingest });
    expect(await health(server.healthUrl)).toBe(200);
    expect((await post(event(1))).status).toBe(503);
    expect(await health(server.healthUrl)).toBe(503);
    expect((await post(event(1))).status).toBe(200);
    expect(await health(server.healthUrl)).toBe(200);
    expect(count(store)).toBe(1);
  });

  it.each(COMMITTERS)(
    'a store locked by another writer is busy, not broken: events 503, /healthz stays 200 (%s)',
    async (_name, committer) => {
      const dir = tempDir();
      const { post, server } = await listen(dir, { ...committer, busyTimeoutMs: 50 });
      const other = new Database(join(dir, 'portal.db'));
      try {
        other.exec('BEGIN EXCLUSIVE');
        expect((await post(event(1))).status).toBe(503);
        expect(await health(server.healthUrl)).toBe(200);
        other.exec('COMMIT');
      } finally {
        other.close();
      }
      expect((await post(event(1))).status).toBe(200);
    },
  );
});
