import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { runBackup } from '../../src/operations/backup.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { after, post, recordSend } from './stats-stores.js';

describe('issue 14: backup', () => {
  const tempDir = useTempDir();

  function storeWithEvents(dir: string): { dbPath: string; store: Store } {
    const dbPath = join(dir, 'portal.db');
    const store = openStore(dbPath);
    recordSend(store, { to: ['ann@example.org'], transport: 'api', emailId: '1uBackup-01' });
    for (let i = 0; i < 50; i++)
      post(store, {
        id: i.toString(16).padStart(32, '0'),
        event: 'open',
        email_id: '1uBackup-01',
        rcpt: 'ann@example.org',
        time: after(i * 1000),
      });
    return { dbPath, store };
  }

  it('writes a 0600, self-contained, integrity-checked copy holding every event, and leaves no temporary file', async () => {
    const dir = tempDir();
    const { dbPath, store } = storeWithEvents(dir);
    const file = join(dir, 'copy.db');
    const result = await runBackup({ file, force: false }, { dbPath, openStore: async () => store });
    store.close();
    expect(result).toMatchObject({
      file,
      source: dbPath,
      replaced: false,
      events: 50,
      replies: 1,
      bytes: statSync(file).size,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(
      ['copy.db', 'portal.db', 'portal.db-shm', 'portal.db-wal']
        .filter((name) => existsSync(join(dir, name)))
        .sort(),
    );
    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('SELECT count(*) FROM email_tracking_events').pluck().get()).toBe(50);
    copy.close();
  });

  it('refuses an existing file (exit 2) unless --force, and never the store itself', async () => {
    const dir = tempDir();
    const { dbPath, store } = storeWithEvents(dir);
    const file = join(dir, 'existing.db');
    writeFileSync(file, 'not a backup');
    const deps = { dbPath, openStore: async () => store };
    await expect(runBackup({ file, force: false }, deps)).rejects.toThrow(UsageError);
    await expect(runBackup({ file, force: false }, deps)).rejects.toThrow(/already exists/);
    expect((await runBackup({ file, force: true }, deps)).replaced).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const self of [dbPath, `${dbPath}-wal`])
      await expect(runBackup({ file: self, force: true }, deps)).rejects.toThrow(/onto itself/);
    await expect(runBackup({ file: join(dir, 'missing', 'x.db'), force: false }, deps)).rejects.toThrow(
      /folder .* does not exist/,
    );
    mkdirSync(join(dir, 'folder.db'));
    await expect(runBackup({ file: join(dir, 'folder.db'), force: true }, deps)).rejects.toThrow(
      /is a folder/,
    );
    expect(store.prepare('SELECT count(*) FROM email_tracking_events').pluck().get()).toBe(50);
    store.close();
  });
});
