import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleSettings } from '../../src/store/module-settings.js';
import { openStore } from '../../src/store/open-store.js';
import { signWebhookBody } from '../../src/webhook/sign.js';
import { assertBuilt, binaryEnv, spawnBinary, type BinaryProcess } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';

interface Listener {
  child: BinaryProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line that matches. */
  nextLine(match: (line: string) => boolean): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: BinaryProcess[] = [];

function startListener(dbPath: string, args: string[], home: string): Listener {
  const child = spawnBinary(['--db', dbPath, ...args], { env: binaryEnv(home) });
  running.push(child);
  const lines: string[] = [];
  const waiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.splice(0)) waiter.match(line) ? waiter.resolve(line) : waiters.push(waiter);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    stderr: () => stderr,
    exit,
    nextLine: (match) => {
      const seen = lines.find(match);
      return seen !== undefined
        ? Promise.resolve(seen)
        : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

function post(url: string, body: string, headers: Record<string, string>, agent?: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', agent: agent ?? false, headers: { 'content-type': 'application/json', ...headers } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const eventBody = (i: number) =>
  JSON.stringify({
    id: i.toString(16).padStart(32, '0'),
    event: 'delivered',
    email_id: 'crash-1',
    rcpt: `u${i}@example.com`,
    time: '2026-09-10T08:00:00Z',
  });
const signed = (body: string, secret: string) => ({
  'x-smtp2go-signature': signWebhookBody(body, secret, Date.now() / 1000),
});

describe('webhook serve through the built binary', () => {
  const tempDir = useTempDir();
  beforeAll(assertBuilt);
  afterEach(() => {
    for (const child of running.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('generates a secret once, logs NDJSON per request, exits 0 on SIGTERM with everything stored', async () => {
    const dir = tempDir();
    const db = join(dir, 'portal.db');
    const first = startListener(db, ['--json', 'webhook', 'serve', '--port', '0'], dir);
    const ready = JSON.parse(await first.nextLine((line) => line.includes('"ready"'))) as {
      url: string;
      generated_webhook_secret: string;
    };
    expect(first.lines[0]).toContain('"type":"ready"');
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/smtp2go\/events$/);
    const secret = ready.generated_webhook_secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const body = eventBody(1);
    expect(await post(ready.url, body, signed(body, secret))).toBe(200);
    expect(await post(ready.url, body, { authorization: 'Bearer wrong' })).toBe(401);
    const logged = await first.nextLine((line) => line.includes('"status":401'));
    expect(JSON.parse(first.lines[1]!)).toMatchObject({
      type: 'event',
      status: 200,
      event: 'delivered',
      recipient: 'u1@example.com',
      duplicate: false,
      reply_id: null,
    });
    expect(JSON.parse(logged)).toMatchObject({ type: 'event', status: 401, event: null });
    first.child.kill('SIGTERM');
    expect(await first.exit).toEqual({ code: 0, signal: null });
    expect(first.stderr()).not.toContain(secret);
    expect(first.stderr()).not.toContain(body);

    const second = startListener(db, ['--json', 'webhook', 'serve', '--port', '0'], dir);
    const again = JSON.parse(await second.nextLine((line) => line.includes('"ready"'))) as Record<
      string,
      unknown
    >;
    expect(again).not.toHaveProperty('generated_webhook_secret');
    second.child.kill('SIGINT');
    expect({ ...(await second.exit), stderr: second.stderr() }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    const store = openStore(db);
    expect(loadModuleSettings(store).webhookSecret).toBe(secret);
    expect(store.prepare('SELECT COUNT(*) AS n FROM email_tracking_events').get()).toEqual({ n: 1 });
    store.close();
  });

  it('issue 14: repeated 401s from one address are logged once, then counted (the count comes at shutdown)', async () => {
    const dir = tempDir();
    const listener = startListener(join(dir, 'portal.db'), ['webhook', 'serve', '--port', '0'], dir);
    const url = /Listening on (\S+)/.exec(
      await listener.nextLine((line) => line.startsWith('Listening on')),
    )?.[1] as string;
    for (let i = 0; i < 5; i += 1)
      expect(await post(url, eventBody(i), { authorization: 'Bearer wrong' })).toBe(401);
    listener.child.kill('SIGTERM');
    expect((await listener.exit).code).toBe(0);
    // A warning longer than the 80 columns of a pipe wraps with a two-space indent.
    const warnings = listener
      .stderr()
      .replace(/\n {2}/g, ' ')
      .split('\n')
      .filter((line) => line.includes('401'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^warning: 401 from 127\.0\.0\.1: .+ \(repeats from this address are counted once a minute\)$/,
      ),
      expect.stringMatching(/^warning: 401 from 127\.0\.0\.1: 4 more since \d\d:\d\d:\d\d \(last: .+\)$/),
    ]);
    expect(listener.lines.filter((line) => / 401 /.test(line))).toEqual([]);
  });

  it('round two #1: a signed form field named toString (or any Object.prototype name) is stored, and the listener keeps serving', async () => {
    const dir = tempDir();
    const db = join(dir, 'portal.db');
    const listener = startListener(db, ['--json', 'webhook', 'serve', '--port', '0'], dir);
    const ready = JSON.parse(await listener.nextLine((line) => line.includes('"ready"'))) as {
      url: string;
      generated_webhook_secret: string;
    };
    const names = [
      'toString',
      'valueOf',
      'constructor',
      'hasOwnProperty',
      'isPrototypeOf',
      '__defineGetter__',
      '__proto__',
    ];
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const statuses: number[] = [];
    for (const [i, name] of names.entries()) {
      const body = `event=open&id=${i.toString(16).padStart(32, '0')}&rcpt=u${i}%40example.com&${name}=x`;
      statuses.push(
        await post(ready.url, body, { ...form, ...signed(body, ready.generated_webhook_secret) }),
      );
    }
    const bearer = `event=constructor&id=${'f'.repeat(32)}&rcpt=b%40example.com&toString=x`;
    statuses.push(
      await post(ready.url, bearer, { ...form, authorization: `Bearer ${ready.generated_webhook_secret}` }),
    );
    expect(statuses).toEqual(names.map(() => 200).concat(200));
    listener.child.kill('SIGTERM');
    expect({ ...(await listener.exit), stderr: listener.stderr() }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    const store = openStore(db);
    expect(store.prepare('SELECT COUNT(*) AS n FROM email_tracking_events').get()).toEqual({
      n: names.length + 1,
    });
    store.close();
  });

  it('--insecure says so loudly; a second signal exits at once while a request hangs', async () => {
    const dir = tempDir();
    const listener = startListener(
      join(dir, 'portal.db'),
      ['webhook', 'serve', '--port', '0', '--insecure'],
      dir,
    );
    const url = (await listener.nextLine((line) => line.startsWith('Listening on'))).replace(
      'Listening on ',
      '',
    );
    expect(listener.stderr()).toMatch(/INSECURE MODE/);
    expect(await post(url, '{"event":"open","rcpt":"a@b.org"}', {})).toBe(200);
    await listener.nextLine((line) => / 200 open/.test(line));
    // A body that never finishes keeps the graceful close waiting.
    const hanging = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': '100' },
    });
    hanging.on('error', () => undefined);
    hanging.write('{');
    await new Promise((resolve) => setTimeout(resolve, 100));
    listener.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(listener.child.exitCode).toBeNull();
    listener.child.kill('SIGINT');
    expect((await listener.exit).code).toBe(130);
  });

  it('crash test: after kill -9 mid-load, every event that got a 2xx is in the store', async () => {
    const dir = tempDir();
    const db = join(dir, 'portal.db');
    const listener = startListener(db, ['--json', 'webhook', 'serve', '--port', '0'], dir);
    const ready = JSON.parse(await listener.nextLine((line) => line.includes('"ready"'))) as {
      url: string;
      generated_webhook_secret: string;
    };
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const acknowledged: number[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < 5000) {
        const i = next++;
        const body = eventBody(i);
        try {
          if ((await post(ready.url, body, signed(body, ready.generated_webhook_secret), agent)) === 200)
            acknowledged.push(i);
        } catch {
          return;
        }
        if (acknowledged.length >= 300 && !killed) {
          killed = true;
          listener.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    agent.destroy();
    expect((await listener.exit).signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    const store = openStore(db);
    const stored = new Set(
      (
        store.prepare('SELECT notification_id FROM email_tracking_events').all() as Array<{
          notification_id: string;
        }>
      ).map((row) => row.notification_id),
    );
    store.close();
    const missing = acknowledged.filter((i) => !stored.has(i.toString(16).padStart(32, '0')));
    expect(missing).toEqual([]);
    expect(stored.size).toBeLessThan(5000);
  });
});
