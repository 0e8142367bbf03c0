import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { generateEvents, sendEvents } from '../reliability/load-generator.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt, BIN } from '../helpers/run-binary.js';
import { spawnListener } from '../reliability/listener-process.js';
import { report } from '../reliability/store-probe.js';

function runBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', CI: '1' }, timeout: 15_000 },
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

describe('issue 14: backup while the built listener takes a 2,000-event load', () => {
  const tempDir = useTempDir();
  beforeAll(assertBuilt);

  it('the copy opens, passes the integrity check and holds every event acknowledged before the backup started', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'portal.db');
    const file = join(dir, 'backup.db');
    const listener = await spawnListener({ dbPath, env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    const events = generateEvents(2_000, { seed: 14 });
    const acked: string[] = [];
    let backup: Promise<{ code: number; stdout: string; stderr: string }> | null = null;
    let ackedAtStart = 0;
    let ackedAtEnd = 0;
    let startedAt = 0;
    try {
      const load = await sendEvents(listener.url, events, {
        secret: WEBHOOK_SECRET,
        concurrency: 8,
        onAnswer: (event, status) => {
          if (status === 200) acked.push(event.id);
          if (backup === null && acked.length >= 400) {
            ackedAtStart = acked.length;
            startedAt = performance.now();
            backup = runBin(['--db', dbPath, '--json', 'backup', file]).then((run) => {
              ackedAtEnd = acked.length;
              return run;
            });
          }
        },
      });
      expect(load.acked.size).toBe(2_000);
      const run = await (backup as unknown as Promise<{ code: number; stdout: string; stderr: string }>);
      const wallMs = performance.now() - startedAt;
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as {
        events: number;
        integrity: string;
        copy_ms: number;
        verify_ms: number;
        bytes: number;
      };
      report('backup-under-load', {
        ackedAtStart,
        ackedAtEnd,
        copied: doc.events,
        bytes: doc.bytes,
        copyMs: doc.copy_ms,
        verifyMs: doc.verify_ms,
        wallMs: Math.round(wallMs),
        loadMs: Math.round(load.elapsedMs),
      });
      // The listener kept acknowledging while the backup ran: the copy was taken under load, not after it.
      expect(ackedAtEnd).toBeGreaterThan(ackedAtStart);
      expect(ackedAtEnd).toBeLessThan(2_000);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const copy = new Database(file, { readonly: true, fileMustExist: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        const stored = new Set(
          copy.prepare('SELECT notification_id FROM email_tracking_events').pluck().all() as string[],
        );
        expect(stored.size).toBe(doc.events);
        expect(acked.slice(0, ackedAtStart).filter((id) => !stored.has(id))).toEqual([]);
        expect(doc.events).toBeGreaterThanOrEqual(ackedAtStart);
      } finally {
        copy.close();
      }
    } finally {
      expect((await listener.kill('SIGTERM')).code).toBe(0);
    }
  }, 30_000);
});
