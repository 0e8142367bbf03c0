import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir('smtp2go-mode-');
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('round two #18: the store is made private before secrets go in', () => {
  it('round two #18: configure --generate-webhook-secret on an existing 0644 store leaves it (and -wal/-shm) 0600, with one warning', async () => {
    const dbPath = join(tempDir(), 'pre.db');
    closeSync(openSync(dbPath, 'w'));
    chmodSync(dbPath, 0o644);
    const run = await runCliInProcess(['--db', dbPath, 'configure', '--generate-webhook-secret'], {
      env: { CI: '1' },
    });
    expect(run.code).toBe(0);
    // SQLite removes -wal and -shm when the last connection closes; those still there are private too.
    expect(mode(dbPath)).toBe('600');
    for (const file of [`${dbPath}-wal`, `${dbPath}-shm`])
      if (existsSync(file)) expect(mode(file), file).toBe('600');
    const warnings = run.stderr.split('\n').filter((line) => line.includes('readable by other users'));
    expect(warnings).toEqual([
      `warning: ${dbPath}, ${dbPath}-wal, ${dbPath}-shm were readable by other users (mode 644) and hold secrets: now 0600`,
    ]);
  });

  it('round two #18: a store that is already private is left alone and nothing is said', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const run = await runCliInProcess(['--db', dbPath, 'configure', '--generate-webhook-secret'], {
      env: { CI: '1' },
    });
    expect(run.code).toBe(0);
    expect(mode(dbPath)).toBe('600');
    expect(run.stderr).not.toMatch(/readable/);
  });
});
