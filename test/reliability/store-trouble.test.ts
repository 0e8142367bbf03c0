import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { generateEvents, sendEvents, statusSummary } from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { holdWriteLock } from './store-lock.js';
import { readStoredIds, report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
beforeAll(assertBuilt);

function freshStore(): string {
  const dbPath = join(tempDir(), 'portal.db');
  openStore(dbPath).close();
  return dbPath;
}

describe('store trouble: 503 (never 200) for an unstored event, keep serving, store again afterwards', () => {
  it('the store locked by another process for longer than the busy timeout', async () => {
    const dbPath = freshStore();
    const events = generateEvents(22, { seed: 11 });
    const listener = await spawnListener({ dbPath, env });
    try {
      const before = await sendEvents(listener.url, events.slice(0, 20), {
        secret: WEBHOOK_SECRET,
        concurrency: 4,
      });
      expect(before.acked.size).toBe(20);

      const lock = await holdWriteLock(dbPath);
      let locked;
      let health: number;
      let lockedMs = 0;
      try {
        const t0 = performance.now();
        locked = await sendEvents(listener.url, events.slice(20), { secret: WEBHOOK_SECRET, concurrency: 2 });
        lockedMs = Math.round(performance.now() - t0);
        health = (await fetch(listener.healthUrl)).status;
        // Checked while the lock is still held: nothing answered 503 may be on disk, nothing may be 200.
        expect(readStoredIds(dbPath).rows).toBe(20);
      } finally {
        await lock.release();
      }
      expect(locked.acked.size).toBe(0);
      expect(locked.statuses.get(503)).toBe(2);
      expect(health).toBe(200);

      const after = await sendEvents(listener.url, events.slice(20), {
        secret: WEBHOOK_SECRET,
        concurrency: 2,
      });
      expect(after.acked.size).toBe(2);
      expect(listener.child.exitCode).toBeNull();
      const stored = readStoredIds(dbPath);
      expect(stored.rows).toBe(22);
      expect([...stored.counts.values()].every((n) => n === 1)).toBe(true);
      report('store-locked', {
        sent: 22,
        whileLocked: statusSummary(locked.statuses),
        lockedPhaseMs: lockedMs,
        storedWhileLocked: 0,
        afterRelease: statusSummary(after.statuses),
        finalRows: stored.rows,
        lost: 22 - stored.rows,
      });
    } finally {
      await listener.kill('SIGTERM');
    }
  }, 30_000);

  it('a file-size limit (ulimit -f) hit mid-run, then lifted with prlimit while the listener keeps running', async () => {
    const dbPath = freshStore();
    const start = Math.max(statSync(dbPath).size, 1);
    // bash counts ulimit -f in KiB: room for the WAL to grow a little, then every write fails with EFBIG.
    const limitKiB = Math.ceil(start / 1024) + 96;
    const listener = await spawnListener({ dbPath, env, shellPrefix: `ulimit -S -f ${limitKiB}` });
    const events = generateEvents(300, { seed: 12 });
    try {
      const answers = new Map<string, number | null>();
      const run = await sendEvents(listener.url, events, {
        secret: WEBHOOK_SECRET,
        concurrency: 8,
        onAnswer: (event, status) => answers.set(event.id, status),
      });
      const onDisk = readStoredIds(dbPath);
      const acked = [...answers].filter(([, status]) => status === 200).map(([id]) => id);
      const refused = [...answers].filter(([, status]) => status === 503).map(([id]) => id);
      expect(refused.length).toBeGreaterThan(0);
      expect(acked.length).toBeGreaterThan(0);
      expect(acked.filter((id) => onDisk.counts.get(id) !== 1)).toEqual([]);
      expect(refused.filter((id) => onDisk.counts.has(id))).toEqual([]);
      expect(run.errors).toBe(0);
      expect(listener.child.exitCode).toBeNull();

      execFileSync('prlimit', ['--pid', String(listener.child.pid), '--fsize=unlimited:']);
      const retry = await sendEvents(
        listener.url,
        events.filter((event) => answers.get(event.id) !== 200),
        { secret: WEBHOOK_SECRET, concurrency: 8 },
      );
      const final = readStoredIds(dbPath);
      report('store-file-size-limit', {
        sent: events.length,
        limitKiB,
        firstRun: statusSummary(run.statuses),
        ackedButMissing: 0,
        refusedButStored: 0,
        afterLift: statusSummary(retry.statuses),
        finalRows: final.rows,
        lost: events.length - final.rows,
      });
      expect(retry.acked.size).toBe(events.length - acked.length);
      expect(final.rows).toBe(events.length);
    } finally {
      await listener.kill('SIGTERM');
    }
  }, 60_000);
});
