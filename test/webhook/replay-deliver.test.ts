import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { backoffMs as deliveryBackoffMs } from '../../src/smtp2go/retry.js';
import { createDeliveryClient, DEFAULT_DELIVERY_RETRY } from '../../src/webhook/deliver.js';
import { createPacer, createSlots } from '../../src/webhook/deliver-limits.js';
import { verifyWebhookRequest } from '../../src/webhook/verify.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, NOW, useListeners } from './listener-harness.js';
import { fakeClock, formBody, makeEvent, useScriptedServers } from './replay-harness.js';

const tempDir = useTempDir();
const listener = useListeners();
const scripted = useScriptedServers();
const JSON_TYPE = 'application/json';

describe('delivery to a real listener', () => {
  it.each(['hmac', 'bearer'] as const)('signs with %s and the listener stores the event', async (sign) => {
    const { server, store, records } = await listener(tempDir());
    const client = createDeliveryClient(
      { url: server.url, sign, secret: WEBHOOK_SECRET },
      { clock: fakeClock(NOW.getTime()) },
    );
    const body = JSON.stringify(makeEvent({ event: 'open' }));
    const first = await client.deliver({ rawBody: body, contentType: JSON_TYPE });
    const again = await client.deliver({ rawBody: body, contentType: JSON_TYPE });
    await client.close();
    expect(first).toMatchObject({
      ok: true,
      status: 200,
      attempts: 1,
      duplicate: false,
      error: null,
      body: null,
    });
    expect(again).toMatchObject({ ok: true, status: 200, duplicate: true });
    expect(records.map((record) => record.auth)).toEqual(
      sign === 'hmac' ? ['hmac-timestamped', 'hmac-timestamped'] : ['bearer', 'bearer'],
    );
    expect(count(store)).toBe(1);
    expect(
      (store.prepare('SELECT raw_body FROM email_tracking_events').get() as { raw_body: string }).raw_body,
    ).toBe(body);
  });

  it('sends a form body with its own content type, byte for byte', async () => {
    const { server, store } = await listener(tempDir());
    const body = formBody(makeEvent({ event: 'click', url: 'https://x.example/a?b=c' }));
    const client = createDeliveryClient(
      { url: server.url, sign: 'hmac', secret: WEBHOOK_SECRET },
      { clock: fakeClock(NOW.getTime()) },
    );
    expect(
      (await client.deliver({ rawBody: body, contentType: 'application/x-www-form-urlencoded' })).ok,
    ).toBe(true);
    await client.close();
    expect(store.prepare('SELECT raw_body, content_type FROM email_tracking_events').get()).toEqual({
      raw_body: body,
      content_type: 'application/x-www-form-urlencoded',
    });
  });

  it('a wrong secret is a final 401, not retried, with the answer trimmed', async () => {
    const { server } = await listener(tempDir());
    const client = createDeliveryClient(
      { url: server.url, sign: 'hmac', secret: 'not-the-secret' },
      { clock: fakeClock(NOW.getTime()) },
    );
    const result = await client.deliver({ rawBody: JSON.stringify(makeEvent()), contentType: JSON_TYPE });
    await client.close();
    expect(result).toMatchObject({ ok: false, status: 401, attempts: 1, error: 'HTTP 401' });
    expect(result.body).toContain('unauthorized');
    expect(JSON.stringify(result)).not.toContain('not-the-secret');
  });

  it('sign none sends neither header', async () => {
    const target = await scripted(() => ({ status: 200 }));
    const client = createDeliveryClient({ url: target.url, sign: 'none', secret: null });
    await client.deliver({ rawBody: '{}', contentType: JSON_TYPE });
    await client.close();
    expect(target.requests[0]?.headers.authorization).toBeUndefined();
    expect(target.requests[0]?.headers['x-smtp2go-signature']).toBeUndefined();
  });
});

describe('retries', () => {
  it('a target that fails twice then succeeds is retried, with backoff from the injected clock', async () => {
    const target = await scripted((index) => ({ status: index < 2 ? 503 : 200 }));
    const clock = fakeClock(NOW.getTime());
    const attempts: Array<number | null> = [];
    const client = createDeliveryClient(
      { url: target.url, sign: 'hmac', secret: WEBHOOK_SECRET },
      { clock, onAttempt: (attempt) => attempts.push(attempt.status) },
    );
    const result = await client.deliver({ rawBody: '{"event":"open"}', contentType: JSON_TYPE });
    await client.close();
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 3 });
    expect(attempts).toEqual([503, 503, 200]);
    expect(clock.sleeps).toEqual([
      deliveryBackoffMs(1, DEFAULT_DELIVERY_RETRY, () => 0.5),
      deliveryBackoffMs(2, DEFAULT_DELIVERY_RETRY, () => 0.5),
    ]);
    // Every attempt is signed afresh and verifies against the exact body.
    for (const request of target.requests) {
      const verdict = verifyWebhookRequest(request.headers, Buffer.from(request.body), {
        secrets: [WEBHOOK_SECRET],
        nowSeconds: Math.floor(clock.now() / 1000),
      });
      expect(verdict.ok).toBe(true);
    }
  });

  it('a target that always fails gives up after maxAttempts with the trimmed answer', async () => {
    const target = await scripted(() => ({ status: 500, body: `oops ${'x'.repeat(1000)}` }));
    const client = createDeliveryClient(
      { url: target.url, sign: 'none', secret: null },
      { clock: fakeClock(0), retry: { maxAttempts: 3 } },
    );
    const result = await client.deliver({ rawBody: '{}', contentType: JSON_TYPE });
    await client.close();
    expect(result).toMatchObject({ ok: false, status: 500, attempts: 3, error: 'HTTP 500' });
    expect(result.body?.length).toBeLessThanOrEqual(301);
    expect(target.requests).toHaveLength(3);
  });

  it('429 is retried; 400 is not', async () => {
    const limited = await scripted((index) => ({ status: index === 0 ? 429 : 200 }));
    const refused = await scripted(() => ({ status: 400 }));
    const a = createDeliveryClient({ url: limited.url, sign: 'none', secret: null }, { clock: fakeClock(0) });
    const b = createDeliveryClient({ url: refused.url, sign: 'none', secret: null }, { clock: fakeClock(0) });
    expect((await a.deliver({ rawBody: '{}', contentType: JSON_TYPE })).attempts).toBe(2);
    expect((await b.deliver({ rawBody: '{}', contentType: JSON_TYPE })).attempts).toBe(1);
    await a.close();
    await b.close();
  });

  it("waits at least the listener's Retry-After", async () => {
    const target = await scripted((index) => ({
      status: index === 0 ? 429 : 200,
      headers: { 'retry-after': '7' },
    }));
    const clock = fakeClock(0);
    const client = createDeliveryClient({ url: target.url, sign: 'none', secret: null }, { clock });
    expect((await client.deliver({ rawBody: '{}', contentType: JSON_TYPE })).ok).toBe(true);
    await client.close();
    expect(clock.sleeps).toEqual([7000]);
  });

  it('connection refused is retried, then reported without a status', async () => {
    const port = await freePort();
    const client = createDeliveryClient(
      { url: `http://127.0.0.1:${port}/hook`, sign: 'none', secret: null },
      { clock: fakeClock(0), retry: { maxAttempts: 2 } },
    );
    const result = await client.deliver({ rawBody: '{}', contentType: JSON_TYPE });
    await client.close();
    expect(result).toMatchObject({ ok: false, status: null, attempts: 2 });
    expect(result.error).toMatch(/connection refused|ECONNREFUSED/);
  });
});

describe('limits', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    const target = await scripted(() => ({ status: 200, delayMs: 20 }));
    const client = createDeliveryClient({ url: target.url, sign: 'none', secret: null }, { concurrency: 3 });
    await Promise.all(
      Array.from({ length: 12 }, () => client.deliver({ rawBody: '{}', contentType: JSON_TYPE })),
    );
    await client.close();
    expect(target.requests).toHaveLength(12);
    expect(target.maxInFlight).toBeLessThanOrEqual(3);
    expect(target.maxInFlight).toBeGreaterThan(1);
  });

  it('the pacer grants at most `rate` starts in any second (counted on the injected clock)', async () => {
    const clock = fakeClock(1_000_000);
    const pacer = createPacer(10, clock);
    const granted = await Promise.all(Array.from({ length: 55 }, () => pacer.acquire()));
    for (const start of granted)
      expect(granted.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(10);
    expect(Math.max(...granted) - Math.min(...granted)).toBe(5400);
    expect(clock.now() - 1_000_000).toBeGreaterThanOrEqual(5400);
  });

  it('the rate limit holds through the delivery client, retries included', async () => {
    const target = await scripted((index) => ({ status: index % 5 === 0 ? 503 : 200 }));
    const clock = fakeClock(2_000_000_000_000);
    const starts: number[] = [];
    const client = createDeliveryClient(
      { url: target.url, sign: 'none', secret: null },
      {
        clock: { ...clock, random: () => 0 },
        concurrency: 4,
        ratePerSecond: 20,
        retry: { baseDelayMs: 1 },
        onAttempt: () => starts.push(clock.now()),
      },
    );
    await Promise.all(
      Array.from({ length: 40 }, () => client.deliver({ rawBody: '{}', contentType: JSON_TYPE })),
    );
    await client.close();
    const attempts = target.requests.length;
    expect(attempts).toBeGreaterThan(40);
    // N paced starts at 20/s need at least (N - 1) × 50 ms of (fake) time.
    expect(clock.now() - 2_000_000_000_000).toBeGreaterThanOrEqual((attempts - 1) * 50);
  });

  it('slots serve waiters in order', async () => {
    const slots = createSlots(1);
    const order: number[] = [];
    await slots.acquire();
    const waiters = [1, 2, 3].map((n) => slots.acquire().then(() => (order.push(n), slots.release())));
    slots.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
  });

  it('refuses a URL with credentials and hmac without a secret', () => {
    expect(() => createDeliveryClient({ url: 'http://u:p@127.0.0.1/x', sign: 'none', secret: null })).toThrow(
      /credentials/,
    );
    expect(() => createDeliveryClient({ url: 'http://127.0.0.1/x', sign: 'hmac', secret: null })).toThrow(
      /secret/,
    );
    expect(() => createDeliveryClient({ url: 'ftp://127.0.0.1/x', sign: 'none', secret: null })).toThrow(
      /http/,
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
