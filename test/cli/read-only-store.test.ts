import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

// A mistyped --db used to be created on the spot, and `stats` then printed zeros from a brand-new store.
describe('issue 14: commands that only read refuse a store that does not exist', () => {
  const tempDir = useTempDir();

  const READERS: Array<{ name: string; argv: string[] }> = [
    { name: 'backup', argv: ['backup', join(tmpdir(), 'smtp2go-portal-never-written.db')] },
    { name: 'stats', argv: ['stats'] },
    { name: 'stats --reply', argv: ['stats', '--reply', '1'] },
    { name: 'stats --json', argv: ['--json', 'stats'] },
    { name: 'replies', argv: ['replies'] },
    { name: 'webhook replay --from-store', argv: ['webhook', 'replay', '--from-store', '--dry-run'] },
  ];

  for (const { name, argv } of READERS) {
    it(`${name}: exit 1 naming the path, and nothing is created`, async () => {
      const folder = join(tempDir(), 'no-such-folder');
      const db = join(folder, 'portal.db');
      const run = await runCliInProcess(['--db', db, ...argv]);
      expect(run.code).toBe(1);
      expect(run.stderr + run.stdout).toContain(`the database ${db} does not exist`);
      expect(run.stderr + run.stdout).toMatch(/--db|SMTP2GO_PORTAL_DB/);
      expect(existsSync(folder)).toBe(false);
    });
  }

  it('doctor: the database check fails naming the path, and nothing is created', async () => {
    const folder = join(tempDir(), 'no-such-folder');
    const db = join(folder, 'portal.db');
    const run = await runCliInProcess([
      '--db',
      db,
      '--json',
      'doctor',
      '--timeout',
      '300',
      '--listener-url',
      'http://127.0.0.1:9/healthz',
    ]);
    expect(run.code).toBe(1);
    const checks = (
      JSON.parse(run.stdout) as { checks: Array<{ name: string; status: string; message: string }> }
    ).checks;
    expect(checks.find((check) => check.name === 'database')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`the database ${db} does not exist`),
    });
    expect(existsSync(folder)).toBe(false);
  });

  it('a command that writes still creates the store (webhook trigger --demo)', async () => {
    const db = join(tempDir(), 'new', 'portal.db');
    const run = await runCliInProcess(['--db', db, 'webhook', 'trigger', 'processed', '--demo']);
    expect(run.code).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect((await runCliInProcess(['--db', db, 'stats', '--reply', '1'])).code).toBe(0);
  });
});
