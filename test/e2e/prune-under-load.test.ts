import { execFile } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { post, recordSend } from '../operations/stats-stores.js';
import { generateEvents, sendEvents } from '../reliability/load-generator.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt, BIN } from '../helpers/run-binary.js';
import { spawnListener } from '../reliability/listener-process.js';
import { report } from '../reliability/store-probe.js';

const DAY = 86_400_000;
const OLD = 4_000;
const INSIDE = 500;

function runBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', CI: '1', TZ: 'UTC' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** A store a year and a half old: a reply with its story, OLD events past a 400-day window, INSIDE events just within it. */
function seed(dbPath: string, now: number, old = OLD): { store: Store; replyId: number } {
  const store = openStore(dbPath);
  const sentAt = now - 500 * DAY;
  const replyId = recordSend(store, {
    to: ['john@example.com'],
    transport: 'api',
    emailId: '1uOldReply-01',
    sentAt: new Date(sentAt),
  });
  const story = (id: string, fields: Record<string, unknown>, at: number) =>
    post(store, {
      id: id.padStart(32, 'e'),
      email_id: '1uOldReply-01',
      time: new Date(sentAt + at).toISOString(),
      ...fields,
    });
  story('1', { event: 'processed', recipients: ['john@example.com'] }, 2_000);
  story('2', { event: 'delivered', rcpt: 'john@example.com' }, 5_000);
  story('3', { event: 'open', rcpt: 'john@example.com' }, 3_600_000);
  story('4', { event: 'click', rcpt: 'john@example.com', url: 'https://example.com/kb/1' }, 3_700_000);
  const event = (i: number, at: number) => ({
    id: `f${i.toString(16).padStart(31, '0')}`,
    event: 'delivered',
    email_id: `1uOld-${i % 300}`,
    rcpt: `u${i}@example.com`,
    time: new Date(at).toISOString(),
    message: '250 2.0.0 Ok: queued as ABCDEF'.repeat(8),
  });
  store.transaction(() => {
    for (let i = 0; i < old; i++) post(store, event(i, now - 560 * DAY + i * 60_000));
    for (let i = old; i < old + INSIDE; i++) post(store, event(i, now - 399 * DAY + (i - old) * 60_000));
  })();
  return { store, replyId };
}

describe('issue 14: prune while the built listener takes a 2,000-event load', () => {
  const tempDir = useTempDir();
  beforeAll(assertBuilt);

  it('loses no event acknowledged during the prune, deletes none inside the window, keeps the old reply summary', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'portal.db');
    const now = Date.now();
    const { store, replyId } = seed(dbPath, now);
    const before = JSON.parse(
      (await runBin(['--db', dbPath, '--json', 'stats', '--reply', String(replyId)])).stdout,
    ) as Record<string, unknown>;
    store.close();

    const listener = await spawnListener({ dbPath, env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    const events = generateEvents(2_000, { seed: 1414, base: new Date(now - DAY) });
    let prune: Promise<{ code: number; stdout: string; stderr: string }> | null = null;
    let ackedAtStart = 0;
    let ackedAtEnd = 0;
    let acked = 0;
    try {
      const load = await sendEvents(listener.url, events, {
        secret: WEBHOOK_SECRET,
        concurrency: 16,
        onAnswer: (_event, status) => {
          if (status === 200) acked += 1;
          if (prune === null && acked >= 200) {
            ackedAtStart = acked;
            prune = runBin(['--db', dbPath, '--json', 'prune', '--older-than', '400d']).then((run) => {
              ackedAtEnd = acked;
              return run;
            });
          }
        },
      });
      const run = await (prune as unknown as Promise<{ code: number; stdout: string; stderr: string }>);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout) as {
        events: number;
        batches: number;
        longest_batch_ms: number;
        ms: number;
      };
      report('prune-under-load', {
        pruned: result.events,
        batches: result.batches,
        longestBatchMs: result.longest_batch_ms,
        pruneMs: result.ms,
        ackedAtStart,
        ackedAtEnd,
        statuses: [...load.statuses].join(' '),
        loadMs: Math.round(load.elapsedMs),
      });
      // Every request of the load was answered 200 (no 503 from a commit starved of the write lock), and
      // the load really ran alongside the prune.
      expect(load.acked.size).toBe(2_000);
      expect([...load.statuses.keys()]).toEqual([200]);
      expect(ackedAtEnd).toBeGreaterThan(ackedAtStart);
      expect(result.events).toBe(OLD + 4);
      expect(result.batches).toBeGreaterThan(1);
    } finally {
      expect((await listener.kill('SIGTERM')).code).toBe(0);
    }

    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const ids = new Set(
        db.prepare('SELECT notification_id FROM email_tracking_events').pluck().all() as string[],
      );
      expect(events.filter((event) => !ids.has(event.id))).toEqual([]);
      expect(
        db
          .prepare("SELECT count(*) FROM email_tracking_events WHERE smtp2go_email_id LIKE '1uOld-%'")
          .pluck()
          .get(),
      ).toBe(INSIDE);
      expect(
        db
          .prepare('SELECT count(*) FROM email_tracking_events WHERE occurred_at < ?')
          .pluck()
          .get(new Date(now - 400 * DAY).toISOString()),
      ).toBe(0);
    } finally {
      db.close();
    }
    const after = JSON.parse(
      (await runBin(['--db', dbPath, '--json', 'stats', '--reply', String(replyId)])).stdout,
    ) as Record<string, unknown>;
    expect(before).toMatchObject({ status: 'clicked', open_count: 1, click_count: 1, has_tracking: true });
    expect(after.events).toEqual([]);
    expect(after.clicks).toEqual([]);
    expect({ ...after, events: null, clicks: null }).toEqual({ ...before, events: null, clicks: null });
    const human = await runBin(['--db', dbPath, 'stats', '--reply', String(replyId)]);
    expect(human.stdout).toContain('clicked');
    expect(human.stdout).toContain('No events kept');
  }, 60_000);

  it('webhook serve --retention 400d prunes at start and logs an NDJSON prune record; SIGTERM still exits 0', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'portal.db');
    const now = Date.now();
    seed(dbPath, now, 300).store.close();
    const listener = await spawnListener({
      dbPath,
      env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET },
      args: ['--retention', '400d'],
    });
    try {
      for (let i = 0; i < 300 && !listener.lines.some((line) => line.type === 'prune'); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(listener.lines.find((line) => line.type === 'prune')).toMatchObject({
        type: 'prune',
        window: '400d',
        dry_run: false,
        events: 300 + 4,
        interrupted: false,
      });
      const load = await sendEvents(
        listener.url,
        generateEvents(50, { seed: 7, base: new Date(now - DAY) }),
        { secret: WEBHOOK_SECRET, concurrency: 4 },
      );
      expect(load.acked.size).toBe(50);
    } finally {
      expect((await listener.kill('SIGTERM')).code).toBe(0);
    }
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    expect(
      db
        .prepare("SELECT count(*) FROM email_tracking_events WHERE smtp2go_email_id LIKE '1uOld-%'")
        .pluck()
        .get(),
    ).toBe(INSIDE);
    db.close();
  }, 30_000);
});
