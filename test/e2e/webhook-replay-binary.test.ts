import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, SECRET, useListeners } from '../webhook/listener-harness.js';
import { makeEvent, storeWithReply, writeFile } from '../webhook/replay-harness.js';

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

/** The binary with `input` written to a real pipe on its standard input. */
function runPiped(args: string[], env: NodeJS.ProcessEnv, input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('webhook replay through the built binary', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'commands', 'webhook', 'replay', 'index.js'))) throw new Error('dist/ is missing webhook replay: run `npm run build`');
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
    const sent = await run(['--db', db, 'webhook', 'replay', '--from-store', '--listener', target.server.url], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('sent 3, ok 3, duplicate 0, failed 0');
    expect(sent.ms).toBeLessThan(5_000);
    expect(count(target.store)).toBe(3);
    expect(sent.stdout + sent.stderr).not.toContain(SECRET);
  });

  it('--file - replays what is piped in (form lines here) to a listener', async () => {
    const dir = tempDir();
    const env = { PATH: process.env.PATH ?? '', HOME: dir, CI: '1', SMTP2GO_WEBHOOK_SECRET: SECRET };
    const target = await listener(tempDir(), { now: () => new Date() });
    const events = [makeEvent({ event: 'delivered' }), makeEvent({ event: 'open' })];
    const lines = events.map((event) => new URLSearchParams(event as Record<string, string>).toString()).join('\n');
    const run = await runPiped(['--db', join(dir, 'portal.db'), 'webhook', 'replay', '--file', '-', '--listener', target.server.url], env, `${lines}\n`);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('sent 2, ok 2, duplicate 0, failed 0');
    expect(count(target.store)).toBe(2);
  });
});
