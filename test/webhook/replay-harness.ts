import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createReply } from '../../src/store/replies.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import type { DeliveryClock } from '../../src/webhook/deliver.js';

export interface EventSpec {
  id?: string;
  event?: string;
  rcpt?: string;
  email_id?: string;
  time?: string;
  [key: string]: string | string[] | undefined;
}

let counter = 0;

/** A webhook-shaped event with a fresh notification id; fields as SMTP2Go spells them. */
export function makeEvent(spec: EventSpec = {}): Record<string, string | string[]> {
  counter += 1;
  const base: Record<string, string | string[] | undefined> = {
    id: counter.toString(16).padStart(32, '0'),
    event: 'delivered',
    rcpt: 'jo@example.com',
    email_id: '1vomg2-abc123',
    time: '2026-09-01T10:00:00Z',
    sender: 'help@desk.example',
    ...spec,
  };
  return Object.fromEntries(
    Object.entries(base).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined),
  );
}

export function formBody(event: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(event))
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  return params.toString();
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A store with one sent reply whose SMTP2Go email id is `emailId`. */
export function storeWithReply(
  dir: string,
  emailId = '1vomg2-abc123',
  name = 'portal.db',
): { store: Store; replyId: number } {
  const store = openStore(join(dir, name));
  return { store, replyId: addReplyTo(store, emailId) };
}

/** The reply storeWithReply stores, in a store already open (on either engine); returns its id. */
export function addReplyTo(store: Store, emailId = '1vomg2-abc123'): number {
  const reply = createReply(
    store,
    {
      ticketId: 7,
      subject: 'Re: printer',
      sender: 'help@desk.example',
      trackingId: `trk-${emailId}`,
      messageId: `<trk-${emailId}@desk.example>`,
      recipients: [{ email: 'jo@example.com', displayName: null, role: 'to' }],
    },
    new Date('2026-09-01T09:59:00Z'),
  );
  recordSmtp2goEmailId(store, reply.id, emailId, new Date('2026-09-01T09:59:01Z'));
  return reply.id;
}

/** A fake clock: sleeping moves time forward at once (to the latest wake-up asked for). */
export function fakeClock(startMs: number): DeliveryClock & { sleeps: number[] } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

export interface ScriptedServer {
  url: string;
  requests: Array<{ headers: IncomingMessage['headers']; body: string }>;
  maxInFlight: number;
}

/** A plain node:http target whose answers the test scripts (status per request number). */
export function useScriptedServers(): (
  answer: (
    index: number,
    request: { headers: IncomingMessage['headers']; body: string },
  ) => { status: number; body?: string; delayMs?: number; headers?: Record<string, string> },
) => Promise<ScriptedServer> {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  return async (answer) => {
    const state: ScriptedServer = { url: '', requests: [], maxInFlight: 0 };
    let inFlight = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        const index = state.requests.push(request) - 1;
        const reply = answer(index, request);
        setTimeout(() => {
          inFlight -= 1;
          res
            .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
            .end(
              reply.body ??
                JSON.stringify({ status: reply.status < 300 ? 'ok' : 'error', stored: 1, duplicates: 0 }),
            );
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    return state;
  };
}
