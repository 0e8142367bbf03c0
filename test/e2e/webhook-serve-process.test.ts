import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/webhook/sign.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { spawnListener, type ListenerProcess } from '../reliability/listener-process.js';
import { rawRequest } from '../webhook/raw-http.js';

const tempDir = useTempDir();
const event = (i: number) =>
  JSON.stringify({
    id: i.toString(16).padStart(32, '0'),
    event: 'delivered',
    email_id: `proc-${i}`,
    rcpt: `u${i}@example.com`,
    time: '2026-09-10T08:00:00Z',
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, body: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-smtp2go-signature': signWebhookBody(body, WEBHOOK_SECRET, Date.now() / 1000),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(20);
}

/** TCP ports a process listens on, from /proc (Linux): its socket inodes matched against /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // The fd closed while we looked.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9] ?? ''))
        ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

describe('webhook serve as a process: output streams and signals (built binary)', () => {
  beforeAll(assertBuilt);
  let listener: ListenerProcess | undefined;
  const start = async () =>
    (listener = await spawnListener({
      dbPath: join(tempDir(), 'portal.db'),
      env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET },
    }));
  const stop = async () => {
    await listener?.kill('SIGKILL');
    listener = undefined;
  };

  it('round two #7: when its stdout reader goes away (serve --json | head -1) it keeps serving, says so once on stderr, and exits 0 on SIGTERM', async () => {
    const { child, url, stderr, exited, kill } = await start();
    try {
      // What `head -1` does once it has the ready line.
      child.stdout!.destroy();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push(await post(url, event(i)));
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(child.exitCode).toBeNull();
      await until(() => stderr().includes('stdout'));
      expect(
        stderr()
          .split('\n')
          .filter((line) => line.includes('stdout')),
      ).toHaveLength(1);
      expect(await kill('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      await stop();
    }
  });

  it('round two #8: SIGHUP finishes the request in flight and exits 0, like SIGTERM; a second SIGHUP does not cut it short', async () => {
    const { child, url, exited } = await start();
    try {
      const body = event(1);
      const request = rawRequest(
        url,
        [
          'Content-Type: application/json',
          `Content-Length: ${body.length}`,
          `X-Smtp2go-Signature: ${signWebhookBody(body, WEBHOOK_SECRET, Date.now() / 1000)}`,
        ],
        body.slice(0, 10),
      );
      await sleep(100);
      child.kill('SIGHUP');
      await sleep(150);
      child.kill('SIGHUP');
      await sleep(150);
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
      request.write(body.slice(10));
      expect((await request.answer).status).toBe(200);
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      await stop();
    }
  });

  it('round two #8: SIGUSR1 opens no inspector port; the listener keeps serving', async () => {
    const { child, url, stderr } = await start();
    try {
      const before = listeningPorts(child.pid!);
      expect(before).toHaveLength(1);
      child.kill('SIGUSR1');
      await sleep(500);
      expect(child.exitCode).toBeNull();
      expect(listeningPorts(child.pid!)).toEqual(before);
      expect(stderr()).not.toMatch(/Debugger listening|Starting inspector/);
      expect(stderr()).toMatch(/SIGUSR1 ignored/);
      expect(await post(url, event(1))).toBe(200);
    } finally {
      await stop();
    }
  });
});
