import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { generateEvents, sendEvents, statusSummary, type GeneratedEvent } from './load-generator.js';
import { spawnListener, type ListenerProcess } from './listener-process.js';
import { readStoredIds, report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
const isRoot = process.getuid?.() === 0;
const cleanups: Array<() => void> = [];
beforeAll(assertBuilt);
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // best effort: a failed unmount must not hide the test's own result
    }
  }
});

/** Sends, then checks the rule that matters: every 200 is on disk and nothing answered 503 is. */
async function sendAndCheck(listener: ListenerProcess, dbPath: string, events: GeneratedEvent[]) {
  const answers = new Map<string, number | null>();
  const run = await sendEvents(listener.url, events, {
    secret: WEBHOOK_SECRET,
    concurrency: 8,
    onAnswer: (event, status) => answers.set(event.id, status),
  });
  const onDisk = readStoredIds(dbPath);
  const ids = (status: number) => [...answers].filter(([, s]) => s === status).map(([id]) => id);
  return {
    run,
    ackedMissing: ids(200).filter((id) => onDisk.counts.get(id) !== 1).length,
    refusedStored: ids(503).filter((id) => onDisk.counts.has(id)).length,
  };
}

// These need root: a tmpfs of our own size, and the immutable flag (the only read-only a root process respects).
describe.skipIf(!SLOW || !isRoot)('store trouble on the disk itself (root only: tmpfs, chattr +i)', () => {
  it('a full disk (64 MiB tmpfs filled up): 503 while full, stores again once space is freed', async () => {
    const mount = join(tempDir(), 'small-disk');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]);
    cleanups.push(() => execFileSync('umount', ['-l', mount]));
    const dbPath = join(mount, 'portal.db');
    openStore(dbPath).close();
    const listener = await spawnListener({ dbPath, env });
    cleanups.push(() => listener.child.kill('SIGKILL'));
    const events = generateEvents(900, { seed: 21 });

    const before = await sendAndCheck(listener, dbPath, events.slice(0, 300));
    expect(before.run.acked.size).toBe(300);
    const filler = join(mount, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(1024 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    const full = await sendAndCheck(listener, dbPath, events.slice(300, 600));
    expect(full.ackedMissing).toBe(0);
    expect(full.refusedStored).toBe(0);
    expect(full.run.statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(listener.child.exitCode).toBeNull();

    rmSync(filler);
    const unacked = events.slice(300).filter((event) => !full.run.acked.has(event.id));
    const after = await sendAndCheck(listener, dbPath, unacked);
    const final = readStoredIds(dbPath);
    await listener.kill('SIGTERM');
    report('store-disk-full', {
      sent: events.length,
      whileFull: statusSummary(full.run.statuses),
      ackedButMissing: full.ackedMissing,
      refusedButStored: full.refusedStored,
      afterFreeing: statusSummary(after.run.statuses),
      finalRows: final.rows,
      lost: events.length - final.rows,
    });
    expect(after.run.acked.size).toBe(unacked.length);
    expect(final.rows).toBe(events.length);
  });

  it('a read-only store (chattr +i on the database and its WAL): 503 while read-only, stores again after', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    openStore(dbPath).close();
    const listener = await spawnListener({ dbPath, env });
    cleanups.push(() => listener.child.kill('SIGKILL'));
    const events = generateEvents(300, { seed: 22 });
    const before = await sendAndCheck(listener, dbPath, events.slice(0, 100));
    expect(before.run.acked.size).toBe(100);

    const files = [dbPath, `${dbPath}-wal`].filter((file) => existsSync(file));
    execFileSync('chattr', ['+i', ...files]);
    let readOnly;
    try {
      readOnly = await sendAndCheck(listener, dbPath, events.slice(100, 200));
    } finally {
      execFileSync('chattr', ['-i', ...files]);
    }
    expect(readOnly.ackedMissing).toBe(0);
    expect(readOnly.refusedStored).toBe(0);
    expect(readOnly.run.acked.size).toBe(0);
    expect(listener.child.exitCode).toBeNull();

    const after = await sendAndCheck(listener, dbPath, events.slice(100));
    const final = readStoredIds(dbPath);
    await listener.kill('SIGTERM');
    report('store-read-only', {
      sent: events.length,
      whileReadOnly: statusSummary(readOnly.run.statuses),
      ackedButMissing: readOnly.ackedMissing,
      refusedButStored: readOnly.refusedStored,
      afterwards: statusSummary(after.run.statuses),
      finalRows: final.rows,
      lost: events.length - final.rows,
    });
    expect(after.run.acked.size).toBe(200);
    expect(final.rows).toBe(events.length);
  });
});
