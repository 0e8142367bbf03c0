import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlausibleOutcome } from '../../src/store/plausible-forwards.js';
import {
  createPlausibleForwarder,
  type PlausibleForwarderOptions,
  type PlausibleHit,
  type PlausibleTimers,
} from '../../src/webhook/plausible-forwarder.js';
import { startRecordingServer, type ReceivedRequest } from '../smtp2go/recording-server.js';

const HIT: PlausibleHit = {
  kind: 'open',
  classification: 'human',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0',
  ip: '203.0.113.7',
};

/** Plausible played by a local server: `answer` decides each response, by its 0-based index. */
async function fakePlausible(answer: (index: number, res: ServerResponse) => void) {
  const received: ReceivedRequest[] = [];
  const server = await startRecordingServer((request, res) => {
    received.push(request);
    answer(received.length - 1, res);
  });
  return { ...server, received };
}

const accepted = (res: ServerResponse, headers: Record<string, string> = {}) => {
  res.writeHead(202, { 'content-type': 'application/json', ...headers });
  res.end('{}');
};

/** Timers that record each delay asked for and fire at once, so the backoff is checked without waiting. */
function recordingTimers(): PlausibleTimers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    setTimeout: (callback, ms) => (delays.push(ms), setTimeout(callback, 0)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

function forwarderFor(plausibleUrl: string, overrides: Partial<PlausibleForwarderOptions> = {}) {
  const outcomes: Array<[PlausibleOutcome, string | null]> = [];
  let settle: (() => void) | null = null;
  const forwarder = createPlausibleForwarder({
    plausibleUrl,
    domain: 'portal.example.com',
    portalUrl: 'https://portal.example.com/portal',
    timeoutMs: 200,
    baseDelayMs: 1,
    maxAttempts: 3,
    ...overrides,
    onOutcome: (outcome, reason) => {
      outcomes.push([outcome, reason]);
      settle?.();
    },
  });
  const outcome = (n = 1) =>
    new Promise<void>((resolve) => {
      settle = () => outcomes.length >= n && resolve();
      settle();
    });
  return { forwarder, outcomes, outcome };
}

async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Plausible forwarding (issue 15)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('posts a counted hit to /api/event with the client user agent and address, and nothing that names the mail', async () => {
    const plausible = await fakePlausible((_, res) => accepted(res));
    cleanups.push(plausible.close);
    const { forwarder, outcomes, outcome } = forwarderFor(`${plausible.origin}/`);
    cleanups.push(() => forwarder.close());
    forwarder.enqueue({ ...HIT, kind: 'click' });
    await outcome();
    expect(outcomes).toEqual([['forwarded', null]]);
    const [request] = plausible.received;
    expect(request).toMatchObject({ method: 'POST', path: '/api/event' });
    expect(request?.headers).toMatchObject({
      'user-agent': HIT.userAgent,
      'x-forwarded-for': '203.0.113.7',
      'content-type': 'application/json',
    });
    expect(request?.body).toEqual({
      name: 'Email Click',
      url: 'https://portal.example.com/portal/email/click',
      domain: 'portal.example.com',
      props: { classification: 'human', kind: 'click' },
    });
  });

  it('Plausible down (connection refused): retried with exponential backoff, then counted failed', async () => {
    const timers = recordingTimers();
    const { forwarder, outcomes, outcome } = forwarderFor(`http://127.0.0.1:${await refusedPort()}`, {
      timers,
      baseDelayMs: 100,
      maxAttempts: 4,
    });
    cleanups.push(() => forwarder.close());
    forwarder.enqueue(HIT);
    await outcome();
    expect(timers.delays).toEqual([100, 200, 400]);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.[0]).toBe('failed');
    expect(outcomes[0]?.[1]).toMatch(/unreachable.*ECONNREFUSED|unreachable/);
  });

  it('Plausible slow (hangs past the timeout): the attempt is cut, retried, then counted failed', async () => {
    const plausible = await fakePlausible(() => undefined);
    cleanups.push(plausible.close);
    const { forwarder, outcomes, outcome } = forwarderFor(plausible.origin, {
      timeoutMs: 100,
      maxAttempts: 2,
    });
    cleanups.push(() => forwarder.close());
    const started = Date.now();
    forwarder.enqueue(HIT);
    await outcome();
    expect(plausible.received).toHaveLength(2);
    expect(outcomes[0]?.[0]).toBe('failed');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('Plausible answering 5xx then 202: forwarded once it accepts', async () => {
    const plausible = await fakePlausible((index, res) =>
      index < 2 ? res.writeHead(index === 0 ? 503 : 500).end() : accepted(res),
    );
    cleanups.push(plausible.close);
    const { forwarder, outcomes, outcome } = forwarderFor(plausible.origin, { maxAttempts: 3 });
    cleanups.push(() => forwarder.close());
    forwarder.enqueue(HIT);
    await outcome();
    expect(outcomes).toEqual([['forwarded', null]]);
    expect(plausible.received).toHaveLength(3);
  });

  it('a refusal a retry cannot change (400) fails at once', async () => {
    const plausible = await fakePlausible((_, res) => res.writeHead(400).end('{"error":"domain not found"}'));
    cleanups.push(plausible.close);
    const { forwarder, outcomes, outcome } = forwarderFor(plausible.origin);
    cleanups.push(() => forwarder.close());
    forwarder.enqueue(HIT);
    await outcome();
    expect(outcomes).toEqual([['failed', 'Plausible answered 400']]);
    expect(plausible.received).toHaveLength(1);
  });

  it('Plausible dropping a hit as a bot (202 with x-plausible-dropped: 1) is counted dropped, not forwarded', async () => {
    const plausible = await fakePlausible((index, res) =>
      accepted(res, index === 0 ? { 'x-plausible-dropped': '1' } : {}),
    );
    cleanups.push(plausible.close);
    const { forwarder, outcomes, outcome } = forwarderFor(plausible.origin);
    cleanups.push(() => forwarder.close());
    forwarder.enqueue(HIT);
    await outcome();
    forwarder.enqueue(HIT);
    await outcome(2);
    expect(outcomes.map(([o]) => o)).toEqual(['dropped', 'forwarded']);
  });

  it('the queue is bounded: past the cap the oldest waiting hit is given up and counted failed', async () => {
    const plausible = await fakePlausible(() => undefined);
    cleanups.push(plausible.close);
    const { forwarder, outcomes } = forwarderFor(plausible.origin, {
      concurrency: 1,
      maxQueue: 3,
      timeoutMs: 5_000,
    });
    for (let i = 0; i < 10; i += 1) forwarder.enqueue(HIT);
    // One in flight, three waiting: six pushed out at once.
    expect(outcomes.map(([o, reason]) => `${o}: ${reason}`)).toEqual(
      Array(6).fill('failed: the forwarding queue is full'),
    );
    expect(forwarder.pending()).toBe(4);
    await forwarder.close(50);
    expect(outcomes).toHaveLength(10);
    expect(forwarder.pending()).toBe(0);
  });
});
