import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations.js';
import { migrate, openStore, schemaVersion } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('openStore', () => {
  const tempDir = useTempDir();

  it('creates the folder and a 0600 file with the latest schema', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'portal.db');
    const db = openStore(path);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    db.prepare("INSERT INTO integration_modules (slug, created_at, updated_at) VALUES ('x', 'a', 'b')").run();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('creates missing folders 0700', () => {
    const path = join(tempDir(), 'a', 'b', 'portal.db');
    openStore(path).close();
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(join(path, '..', '..')).mode & 0o777).toBe(0o700);
  });

  // Node 20's mkdirSync(recursive) never returns for this path; ours must fail at once.
  it.runIf(existsSync('/proc/self'))('fails with a store error for a folder the kernel cannot create', () => {
    expect(() => openStore('/proc/nope/portal.db')).toThrow(StoreError);
  });

  it('re-running migrations is a no-op and keeps data', () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    db.prepare(
      "INSERT INTO integration_modules (slug, created_at, updated_at) VALUES ('smtp2go', 'a', 'b')",
    ).run();
    migrate(db);
    db.close();
    const again = openStore(path);
    expect(again.prepare('SELECT count(*) AS n FROM integration_modules').get()).toEqual({ n: 1 });
    again.close();
  });

  it('applies a migration in one transaction: a failing one leaves the version unchanged', () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    const broken = {
      version: LATEST_SCHEMA_VERSION + 1,
      up: (d: typeof db) => {
        d.exec('CREATE TABLE half (x)');
        d.exec('SELECT * FROM missing_table');
      },
    };
    expect(() => migrate(db, [{ version: 1, up: () => undefined }, broken])).toThrow();
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database from a newer version with a clear error', () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => openStore(path)).toThrow(StoreError);
    expect(() => openStore(path)).toThrow(/newer than this smtp2go-portal knows/);
  });

  it('issue 14: mustExist (commands that only read) refuses a missing store and creates neither folder nor file', () => {
    const dir = join(tempDir(), 'typo');
    const path = join(dir, 'portal.db');
    expect(() => openStore(path, { mustExist: true })).toThrow(StoreError);
    expect(() => openStore(path, { mustExist: true })).toThrow(`the database ${path} does not exist`);
    expect(existsSync(dir)).toBe(false);
    openStore(path).close();
    const db = openStore(path, { mustExist: true });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('reports a corrupt file as a store error, not a crash', () => {
    const path = join(tempDir(), 'portal.db');
    writeFileSync(path, 'this is not sqlite at all, just text that is long enough to be a header'.repeat(20));
    expect(() => openStore(path)).toThrow(StoreError);
  });
});
