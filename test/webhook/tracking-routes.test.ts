import { describe, expect, it } from 'vitest';
import { runReplyStats } from '../../src/operations/stats.js';
import { runWebhookServe } from '../../src/operations/webhook-serve.js';
import { useSendHarness } from '../operations/send-test-harness.js';
import { COMMIT_THREAD } from './listener-harness.js';

const HTML =
  '<html><body><p>Hi <a href="https://docs.example.com/a?x=1&amp;y=2">docs</a> <a href="https://status.example.com/">status</a></p></body></html>';
const UA = {
  thunderbird: 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0',
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  appleMpp: 'Mozilla/5.0',
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  python: 'python-requests/2.31.0',
};
const urlsIn = (html: string) =>
  [...html.matchAll(/"(http:\/\/127\.0\.0\.1:\d+\/portal\/t\/[oc]\/[A-Za-z0-9_-]{24}(?:\.gif)?)"/g)].map(
    (m) => m[1] as string,
  );

async function eventually<T>(read: () => T, done: (value: T) => boolean, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('webhook serve: first-party pixel and click redirect (issue 15)', () => {
  const setup = useSendHarness();

  async function sentAndServed(send: Record<string, unknown> = {}, serve: { trustProxy?: boolean } = {}) {
    const h = await setup({ api: null, settings: { firstPartyTracking: 'relay', enabled: false } });
    const served = await runWebhookServe(
      { host: '127.0.0.1', port: 0, path: '/api/webhooks/smtp2go/events', insecure: false, ...serve },
      {
        store: h.db,
        env: {
          PORTAL_URL: 'http://placeholder.invalid/portal',
          SMTP2GO_WEBHOOK_SECRET: 'secret-0123456789abcdef',
        },
        now: () => new Date(),
        burstWindowMs: 150,
        ...COMMIT_THREAD,
      },
    );
    const origin = new URL(served.url).origin;
    h.settings.portalUrl = `${origin}/portal`;
    const { result } = await h.send({
      to: ['john@example.com'],
      cc: ['cc@example.com'],
      bcc: ['hidden@example.com'],
      html: HTML,
      ...send,
    });
    const copies = (h.relay?.mails ?? []).map((m) => urlsIn(m.parsed.html as string));
    const stats = () => runReplyStats({ replyId: result.reply_id }, { store: h.db }).document;
    return { h, served, origin, result, copies, stats, close: () => served.close() };
  }

  it('the pixel and a link of each copy, fetched from the listener, land on the right recipient with source first_party', async () => {
    const { served, copies, stats, result } = await sentAndServed();
    try {
      expect(copies.map((c) => c.length)).toEqual([3, 3, 0]); // two links and a pixel per To/Cc copy; Bcc untracked
      const [johnLink1, , johnPixel] = copies[0] as string[];
      const [, ccLink2] = copies[1] as string[];
      const pixel = await fetch(johnPixel as string, { headers: { 'user-agent': UA.thunderbird } });
      expect(pixel.status).toBe(200);
      expect(pixel.headers.get('content-type')).toBe('image/gif');
      expect(pixel.headers.get('cache-control')).toBe('no-store, private');
      expect(
        Buffer.from(await pixel.arrayBuffer())
          .subarray(0, 6)
          .toString(),
      ).toBe('GIF89a');
      const click = await fetch(ccLink2 as string, {
        redirect: 'manual',
        headers: { 'user-agent': UA.chrome },
      });
      expect(click.status).toBe(302);
      expect(click.headers.get('location')).toBe('https://status.example.com/');
      const first = await fetch(johnLink1 as string, {
        redirect: 'manual',
        headers: { 'user-agent': UA.chrome },
      });
      expect(first.headers.get('location')).toBe('https://docs.example.com/a?x=1&y=2');
      const doc = await eventually(stats, (d) => d.events.length === 3);
      expect(doc).toMatchObject({
        reply_id: result.reply_id,
        tracker: 'first_party',
        open_count: 2,
        click_count: 2,
        machine_open_count: 0,
        machine_click_count: 0,
      });
      const [john, cc, hidden] = doc.recipients;
      expect(john).toMatchObject({
        email: 'john@example.com',
        tracker: 'first_party',
        open_count: 1,
        click_count: 1,
      });
      expect(john?.human_opened_at).not.toBeNull();
      // A click with images blocked is also an open.
      expect(cc).toMatchObject({ email: 'cc@example.com', open_count: 1, click_count: 1 });
      expect(cc?.opened_at).toBe(cc?.clicked_at);
      expect(hidden).toMatchObject({
        email: 'hidden@example.com',
        tracker: 'none',
        open_count: 0,
        click_count: 0,
      });
      for (const event of doc.events)
        expect(event).toMatchObject({ source: 'first_party', classification: 'human', ip: '127.0.0.1' });
      expect(doc.events.map((e) => [e.type, e.recipient, e.url])).toEqual(
        expect.arrayContaining([
          ['open', 'john@example.com', null],
          ['click', 'cc@example.com', 'https://status.example.com/'],
          ['click', 'john@example.com', 'https://docs.example.com/a?x=1&y=2'],
        ]),
      );
    } finally {
      await served.close();
    }
  });

  it('unknown, malformed and expired tokens: the pixel always 200, a click 404 or its stored link, nothing recorded', async () => {
    const { h, origin, copies, stats, served } = await sentAndServed();
    try {
      const [link, , pixel] = copies[0] as string[];
      const unknown = 'A'.repeat(24);
      for (const path of [`o/${unknown}.gif`, 'o/short.gif', `o/${'x'.repeat(500)}.gif`]) {
        const response = await fetch(`${origin}/portal/t/${path}`);
        expect([response.status, response.headers.get('content-type')]).toEqual([200, 'image/gif']);
      }
      for (const path of [
        `c/${unknown}`,
        'c/short',
        'c/..%2F..%2Fetc',
        `c/${(pixel as string).split('/').pop()?.replace('.gif', '')}`,
        `c/${unknown}?url=https://evil.example/`,
      ]) {
        const response = await fetch(`${origin}/portal/t/${path}`, { redirect: 'manual' });
        expect(response.status).toBe(404);
        expect(response.headers.get('location')).toBeNull();
        expect(await response.text()).toContain('Link not found');
      }
      h.db.prepare(`UPDATE tracking_tokens SET expires_at = '2000-01-01T00:00:00.000Z'`).run();
      const expired = await fetch(link as string, { redirect: 'manual' });
      expect([expired.status, expired.headers.get('location')]).toEqual([
        302,
        'https://docs.example.com/a?x=1&y=2',
      ]);
      expect((await fetch(pixel as string)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stats().events).toEqual([]);
    } finally {
      await served.close();
    }
  });

  it('machines are kept apart: HEAD, a scanner agent, Apple MPP, a Gmail proxy open, and a burst of links', async () => {
    const { copies, stats, served } = await sentAndServed();
    try {
      const [johnLink1, johnLink2, johnPixel] = copies[0] as string[];
      const [ccLink1, , ccPixel] = copies[1] as string[];
      await fetch(johnPixel as string, { headers: { 'user-agent': UA.appleMpp } });
      await fetch(ccPixel as string, { headers: { 'user-agent': UA.gmailProxy } });
      await fetch(ccLink1 as string, {
        method: 'HEAD',
        redirect: 'manual',
        headers: { 'user-agent': UA.chrome },
      });
      await fetch(ccLink1 as string, { redirect: 'manual', headers: { 'user-agent': UA.python } });
      await fetch(johnLink1 as string, { redirect: 'manual', headers: { 'user-agent': UA.chrome } });
      await fetch(johnLink2 as string, { redirect: 'manual', headers: { 'user-agent': UA.chrome } });
      const doc = await eventually(stats, (d) => d.events.length === 6);
      const by = (recipient: string, type: string) =>
        doc.events
          .filter((e) => e.recipient === recipient && e.type === type)
          .map((e) => e.classification)
          .sort();
      expect(by('john@example.com', 'open')).toEqual(['apple_proxy']);
      expect(by('cc@example.com', 'open')).toEqual(['image_proxy']);
      expect(by('cc@example.com', 'click')).toEqual(['scanner', 'scanner']);
      expect(by('john@example.com', 'click')).toEqual(['scanner', 'scanner']); // two links within the window
      expect(doc).toMatchObject({
        open_count: 1,
        click_count: 0,
        machine_open_count: 1,
        machine_click_count: 4,
      });
      expect(doc.recipients[0]).toMatchObject({
        human_opened_at: null,
        machine_open_count: 1,
        machine_click_count: 2,
        open_count: 0,
      });
      expect(doc.recipients[0]?.opened_at).not.toBeNull();
      expect(doc.recipients[1]).toMatchObject({ open_count: 1, click_count: 0, machine_click_count: 2 });
    } finally {
      await served.close();
    }
  });

  it('X-Forwarded-For is the client address only behind --trust-proxy', async () => {
    for (const trustProxy of [false, true]) {
      const { copies, stats, served } = await sentAndServed({}, { trustProxy });
      try {
        await fetch((copies[0] as string[])[2] as string, {
          headers: { 'user-agent': UA.thunderbird, 'x-forwarded-for': '198.51.100.7, 203.0.113.9' },
        });
        const doc = await eventually(stats, (d) => d.events.length === 1);
        expect(doc.events[0]?.ip).toBe(trustProxy ? '203.0.113.9' : '127.0.0.1');
      } finally {
        await served.close();
      }
    }
  });
});
