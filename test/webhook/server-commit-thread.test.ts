import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { startThreadCommitter } from '../../src/webhook/commit/thread-committer.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { COMMIT_THREAD, COMMIT_THREAD_URL, count, fixture, send, useListeners } from './listener-harness.js';

// The commit thread runs compiled JavaScript, so these tests use the build (like the e2e tests).
const WORKER_URL = COMMIT_THREAD_URL;
const tempDir = useTempDir();
const listen = useListeners();
const thread = COMMIT_THREAD;
const event = (i: number) =>
  JSON.stringify({
    id: i.toString(16).padStart(32, '0'),
    event: 'delivered',
    email_id: 'em-1',
    rcpt: `u${i}@example.com`,
  });

describe('webhook listener committing on its own thread', () => {
  beforeAll(() => {
    if (!existsSync(fileURLToPath(WORKER_URL))) throw new Error('dist/ is missing: run `npm run build`');
  });

  it('stores concurrent requests exactly once and answers each after its commit', async () => {
    const { store, post } = await listen(tempDir(), thread);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(event(i))));
    expect(answers.every((answer) => answer.status === 200 && answer.body.stored === 1)).toBe(true);
    expect(count(store)).toBe(60);
    expect((await post(event(0))).body).toEqual({
      status: 'ok',
      stored: 0,
      duplicates: 1,
      unlinked: 0,
      conflicts: 0,
    });
    expect(
      (await post(fixture('delivered.live.form'), { contentType: 'application/x-www-form-urlencoded' })).body,
    ).toMatchObject({ stored: 1 });
  });

  it("checkpoints the WAL after every few dozen events, so it never grows to SQLite's 1,000-page default", async () => {
    const dir = tempDir();
    const { store, post } = await listen(dir, thread);
    const padded = (i: number) =>
      JSON.stringify({
        id: i.toString(16).padStart(32, '0'),
        event: 'delivered',
        email_id: 'em-1',
        rcpt: `u${i}@example.com`,
        message: 'x'.repeat(3000),
      });
    let largestWal = 0;
    // 400 events of about 3 KiB in waves of 10: some 1,600 pages of WAL, well past SQLite's default
    // threshold of 1,000 pages, over which the WAL would grow to 4 MiB before its first checkpoint.
    for (let wave = 0; wave < 40; wave += 1) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(padded(wave * 10 + i))));
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      largestWal = Math.max(largestWal, statSync(join(dir, 'portal.db-wal')).size);
    }
    expect(count(store)).toBe(400);
    const pageBytes = 4096 + 24;
    expect(largestWal).toBeGreaterThan(100 * pageBytes);
    expect(largestWal).toBeLessThan(500 * pageBytes);
  });

  it('answers 503 while another connection holds the lock, keeps serving, and recovers', async () => {
    const dir = tempDir();
    const { store, post, server } = await listen(dir, { ...thread, busyTimeoutMs: 50 });
    const other = new Database(join(dir, 'portal.db'));
    try {
      other.exec('BEGIN EXCLUSIVE');
      expect((await post(event(1))).status).toBe(503);
      expect((await send(new URL(server.healthUrl), 'GET', {})).status).toBe(200);
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    expect((await post(event(1))).status).toBe(200);
    expect(count(store)).toBe(1);
  });

  it('finishes in-flight commits before close resolves', async () => {
    const { store, post, server } = await listen(tempDir(), { ...thread, groupCommit: { windowMs: 100 } });
    const inFlight = Promise.all([post(event(1)), post(event(2))]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await server.close();
    expect((await inFlight).map((answer) => answer.status)).toEqual([200, 200]);
    expect(count(store)).toBe(2);
  });

  it('answers 503 when the commit thread dies, starts a new one and keeps serving; /healthz says so until a commit works', async () => {
    const crashing = new URL('../fixtures/webhook/crashing-commit-thread.mjs', import.meta.url);
    const { post, server, logs } = await listen(tempDir(), { commitThread: { workerUrl: crashing } });
    expect((await post(event(1))).status).toBe(503);
    expect((await post(event(2))).status).toBe(503);
    expect(logs.filter((entry) => entry.level === 'error')).toHaveLength(2);
    expect((await send(new URL(server.healthUrl), 'GET', {})).status).toBe(503);
  });

  it('round two #1: an event the commit thread cannot be sent fails its own request, not the listener, and the next batch commits', async () => {
    const dir = tempDir();
    const { store } = await listen(dir, thread);
    const committer = await startThreadCommitter({ dbPath: join(dir, 'portal.db'), workerUrl: WORKER_URL });
    try {
      const good = parseWebhookBody(event(1), 'application/json', new Date()).events;
      const [poisoned] = parseWebhookBody(event(2), 'application/json', new Date()).events;
      // What parse-body once produced for `toString=x`: Object.prototype.toString inside the fields.
      const unsendable = {
        ...poisoned!,
        event: {
          ...poisoned!.event,
          fields: { toString: [Object.prototype.toString, 'x'] as unknown as string[] },
        },
      };
      await expect(committer.submit([unsendable], new Date())).rejects.toThrow(/could not be cloned/);
      await expect(committer.submit(good, new Date())).resolves.toMatchObject({ stored: 1 });
    } finally {
      await committer.close();
    }
    expect(count(store)).toBe(1);
  });

  it('refuses to start when the worker is missing', async () => {
    await expect(
      listen(tempDir(), {
        commitThread: { workerUrl: new URL('file:///nonexistent/commit-thread-main.js') },
      }),
    ).rejects.toThrow(/missing/);
  });
});
