import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModuleSettings } from '../../src/store/module-settings.js';
import { openStore } from '../../src/store/open-store.js';
import { BIN } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();
const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(args: string[]) {
  const dir = tempDir();
  const child = spawn(process.execPath, [BIN, '--db', join(dir, 'portal.db'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once('line', resolve),
  );
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstLine, exit, stderr: () => stderr, db: join(dir, 'portal.db') };
}

describe('dashboard command, built binary', () => {
  it('prints {"type":"ready","url"} with the token, serves the page behind it, and stops cleanly on SIGTERM', async () => {
    const run = start(['--json', 'dashboard', '--port', '0']);
    const ready = JSON.parse(await run.firstLine) as { type: string; url: string };
    expect(ready).toEqual({
      type: 'ready',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/),
    });
    const url = new URL(ready.url);
    expect((await fetch(new URL('/', url))).status).toBe(401);
    const exchange = await fetch(url, { redirect: 'manual' });
    expect(exchange.status).toBe(303);
    const cookie = (exchange.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const page = await fetch(new URL('/', url), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/static/app.js"></script>');
    const summary = await fetch(new URL('/api/summary', url), {
      headers: { authorization: `Bearer ${url.searchParams.get('token')}` },
    });
    expect(await summary.json()).toMatchObject({ version: 1, total: { replies: 0 } });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toBe('');
  });

  it('names a dashboard port in use; the listener does not stay up and stores no secret nobody saw', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = start(['webhook', 'serve', '--port', '0', '--dashboard', '--dashboard-port', String(port)]);
      expect(await run.exit).toBe(1);
      expect(run.stderr()).toMatch(
        new RegExp(`error: cannot serve the dashboard on 127\\.0\\.0\\.1:${port}: the port is in use`),
      );
      const store = openStore(run.db);
      expect(loadModuleSettings(store).webhookSecret).toBeUndefined();
      store.close();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('closes the dashboard again when the listener cannot start, so the process exits instead of serving a page alone', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = start(['webhook', 'serve', '--port', String(port), '--dashboard', '--dashboard-port', '0']);
      expect(await run.exit).toBe(1);
      expect(run.stderr()).toMatch(/error: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
