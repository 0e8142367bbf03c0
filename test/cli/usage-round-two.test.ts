import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTimeZone } from '../../src/core/time-zone.js';
import { openStore } from '../../src/store/open-store.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { recordSend } from '../operations/stats-stores.js';

const tempDir = useTempDir('smtp2go-usage-');

describe('round two #21: help, time zones and colour', () => {
  it.each([[[]], [['webhook']]])(
    'round two #21: %j prints the help alone on stderr and exits 2',
    async (argv) => {
      const run = await runCliInProcess(argv, { env: { CI: '1' } });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^Usage: smtp2go-portal /);
      expect(run.stderr).not.toMatch(/error|outputHelp/);
      const asked = await runCliInProcess([...argv, '--help'], { env: { CI: '1' } });
      expect(asked.code).toBe(0);
      expect(asked.stdout).toMatch(/^Usage: smtp2go-portal /);
      expect(asked.stdout).toBe(run.stderr);
    },
  );

  it('round two #21: with --json and no command, the usage error is also one JSON document on stdout', async () => {
    const run = await runCliInProcess(['--json'], { env: { CI: '1' } });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      version: 1,
      error: { code: 'usage', message: 'no command given', hint: 'run with --help for the commands' },
    });
  });

  it('round two #21: a TZ this system does not know falls back to UTC with one warning, and --json keeps time_zone', async () => {
    expect(resolveTimeZone('Nope/Zone')).toEqual({
      timeZone: 'UTC',
      warning: 'TZ "Nope/Zone" is not a time zone this system knows; times are shown in UTC',
    });
    expect(resolveTimeZone('Europe/Paris')).toEqual({ timeZone: 'Europe/Paris', warning: null });
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    const id = recordSend(db, { to: ['bob@example.com'], transport: 'api', emailId: '1uTz-0001' });
    db.close();
    const env = { CI: '1', TZ: 'Nope/Zone' };
    const human = await runCliInProcess(['--db', path, 'stats'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Times in UTC\.$/m);
    expect(human.stderr).toBe(
      'warning: TZ "Nope/Zone" is not a time zone this system knows; times are shown in UTC\n',
    );
    const json = await runCliInProcess(['--db', path, '--json', 'stats'], { env });
    expect((JSON.parse(json.stdout) as { time_zone: string }).time_zone).toBe('UTC');
    const reply = await runCliInProcess(['--db', path, 'stats', '--reply', String(id)], { env });
    expect(reply.stdout).toMatch(/^Times in UTC\.$/m);
    expect(reply.stderr).toMatch(/^warning: TZ "Nope\/Zone" is not a time zone/);
  });

  it('round two #21: configure --show draws its table without colour codes unless colour is on, and honours NO_COLOR', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const plain = await runCliInProcess(['--db', dbPath, 'configure', '--show'], { env: { CI: '1' } });
    expect(plain.stdout).toMatch(/┌/);
    expect(plain.stdout).not.toMatch(/\u001b|\\u001b/);
    const noColor = await runCliInProcess(['--db', dbPath, 'configure', '--show'], {
      env: { CI: '1', NO_COLOR: '1', FORCE_COLOR: '1' },
      tty: true,
    });
    expect(noColor.stdout).not.toMatch(/\u001b|\\u001b/);
    const forced = await runCliInProcess(['--db', dbPath, 'configure', '--show'], {
      env: { CI: '1', FORCE_COLOR: '1' },
      tty: true,
    });
    expect(forced.stdout).toMatch(/\u001b\[/);
  });
});
