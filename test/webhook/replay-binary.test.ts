import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, SECRET, useListeners } from './listener-harness.js';
import { makeEvent, storeWithReply, writeFile } from './replay-harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const tempDir = useTempDir();
const listener = useListeners();

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('webhook replay through the built binary', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'commands', 'webhook', 'replay.js'))) throw new Error('dist/ is missing webhook replay: run `npm run build`');
  });

  it('applies a file locally, then replays the store to a listener and exits at once', async () => {
    const dir = tempDir();
    storeWithReply(dir).store.close();
    const db = join(dir, 'portal.db');
    const env = { PATH: process.env.PATH ?? '', HOME: dir, CI: '1', SMTP2GO_WEBHOOK_SECRET: SECRET };
    const events = [makeEvent({ event: 'delivered' }), makeEvent({ event: 'open' }), makeEvent({ event: 'click', url: 'https://x.example/' })];
    const file = writeFile(dir, 'e.ndjson', events.map((event) => JSON.stringify(event)).join('\n'));
    const local = await run(['--db', db, 'webhook', 'replay', '--file', file, '--json'], env);
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout).summary).toMatchObject({ sent: 3, ok: 3 });
    const target = await listener(tempDir(), { now: () => new Date() });
    const sent = await run(['--db', db, 'webhook', 'replay', '--from-store', '--to', target.server.url], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('sent 3, ok 3, duplicate 0, failed 0');
    expect(sent.ms).toBeLessThan(5_000);
    expect(count(target.store)).toBe(3);
    expect(sent.stdout + sent.stderr).not.toContain(SECRET);
  });
});
