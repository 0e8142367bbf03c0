import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRecordingServer, type ReceivedRequest } from './recording-server.js';

export type { ReceivedRequest };

/** One scripted answer: a status with a JSON body (a fixture name or an object), or `hang` (never answer). */
export type Reply =
  | { status: number; fixture?: string; json?: unknown; text?: string; headers?: Record<string, string> }
  | 'hang'
  | 'destroy';

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8')) as unknown;
}

export interface FakeSmtp2go {
  url: string;
  requests: ReceivedRequest[];
  close: () => Promise<void>;
}

/**
 * A local stand-in for SMTP2Go's API that speaks its wire format: it records every request and answers
 * from a script (the last entry repeats). `hang` reads the whole body and then never answers.
 */
export async function startFakeSmtp2go(
  script: Reply[],
  onRequest?: (request: ReceivedRequest) => void,
): Promise<FakeSmtp2go> {
  const requests: ReceivedRequest[] = [];
  const server = await startRecordingServer((received, res) => {
    requests.push(received);
    onRequest?.(received);
    answer(res, script[Math.min(requests.length - 1, script.length - 1)] ?? { status: 500 });
  });
  return { url: `${server.origin}/v3`, requests, close: server.close };
}

function answer(res: ServerResponse, reply: Reply): void {
  if (reply === 'hang') return;
  if (reply === 'destroy') {
    res.socket?.destroy();
    return;
  }
  const body =
    reply.text ?? JSON.stringify(reply.fixture === undefined ? (reply.json ?? {}) : fixture(reply.fixture));
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(body);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v3`;
}

/** A clock whose sleep returns at once and moves time forward, so backoff is checked without waiting. */
export function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
}
