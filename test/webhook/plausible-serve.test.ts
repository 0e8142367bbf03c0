import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runStatsSummary } from '../../src/operations/stats-summary.js';
import { runReplyStats } from '../../src/operations/stats.js';
import { runWebhookServe } from '../../src/operations/webhook-serve.js';
import { readPlausibleForwards } from '../../src/store/plausible-forwards.js';
import { useSendHarness } from '../operations/send-test-harness.js';
import { startRecordingServer, type ReceivedRequest } from '../smtp2go/recording-server.js';
import { COMMIT_THREAD } from './listener-harness.js';

const HTML = '<html><body><p>Hi <a href="https://docs.example.com/a">docs</a></p></body></html>';
const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const urlsIn = (html: string) =>
  [...html.matchAll(/"(http:\/\/127\.0\.0\.1:\d+\/portal\/t\/[oc]\/[A-Za-z0-9_-]{24}(?:\.gif)?)"/g)].map(
    (m) => m[1] as string,
  );

async function eventually(done: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('webhook serve: first-party hits forwarded to Plausible (issue 15)', () => {
  const setup = useSendHarness();

  async function servedWith(answer: (index: number, res: ServerResponse) => void) {
    const received: ReceivedRequest[] = [];
    const plausible = await startRecordingServer((request, res) => {
      received.push(request);
      answer(received.length - 1, res);
    });
    const h = await setup({ api: null, settings: { firstPartyTracking: 'relay', enabled: false } });
    const served = await runWebhookServe(
      { host: '127.0.0.1', port: 0, path: '/api/webhooks/smtp2go/events', insecure: false },
      {
        store: h.db,
        now: () => new Date(),
        burstWindowMs: 100,
        ...COMMIT_THREAD,
        env: {
          PORTAL_URL: 'https://portal.example.com/portal',
          SMTP2GO_WEBHOOK_SECRET: 'secret-0123456789abcdef',
          PORTAL_PLAUSIBLE_URL: plausible.origin,
          PORTAL_PLAUSIBLE_DOMAIN: 'portal.example.com',
        },
        plausible: { forwarder: { timeoutMs: 300, maxAttempts: 1 }, flushMs: 20 },
      },
    );
    h.settings.portalUrl = `${new URL(served.url).origin}/portal`;
    const { result } = await h.send({ to: ['john@example.com'], html: HTML });
    const [link, pixel] = urlsIn(h.relay?.mails[0]?.parsed.html as string);
    return { h, served, plausible, received, result, link: link as string, pixel: pixel as string };
  }

  it('counted hits are posted without tokens or addresses, machine hits are not, and the outcomes land in stats', async () => {
    const { h, served, plausible, received, link, pixel } = await servedWith((index, res) =>
      res.writeHead(202, index === 1 ? { 'x-plausible-dropped': '1' } : {}).end('{}'),
    );
    try {
      await fetch(pixel, { headers: { 'user-agent': THUNDERBIRD, 'x-forwarded-for': '198.51.100.1' } });
      await fetch(pixel, { headers: { 'user-agent': 'python-requests/2.31.0' } }); // a scanner: stored, not forwarded
      await fetch(link, { redirect: 'manual', headers: { 'user-agent': CHROME } });
      await eventually(() => received.length === 2);
      await served.close();
      expect(received.map((r) => r.body)).toEqual([
        {
          name: 'Email Open',
          url: 'https://portal.example.com/portal/email/open',
          domain: 'portal.example.com',
          props: { classification: 'human', kind: 'open' },
        },
        {
          name: 'Email Click',
          url: 'https://portal.example.com/portal/email/click',
          domain: 'portal.example.com',
          props: { classification: 'human', kind: 'click' },
        },
      ]);
      // Without --trust-proxy the client address is the socket's, as in the stored event.
      expect(received.map((r) => [r.headers['user-agent'], r.headers['x-forwarded-for']])).toEqual([
        [THUNDERBIRD, '127.0.0.1'],
        [CHROME, '127.0.0.1'],
      ]);
      const sent = received.map((r) => r.rawBody).join('\n');
      for (const secret of [
        'john@example.com',
        pixel.split('/').pop()!.replace('.gif', ''),
        link.split('/').pop()!,
        'docs.example.com',
      ])
        expect(sent).not.toContain(secret);
      expect(readPlausibleForwards(h.db)).toMatchObject({ forwarded: 1, dropped: 1, failed: 0 });
      const summary = runStatsSummary(
        { since: null, until: null, by: 'none', timeZone: 'UTC' },
        { store: h.db },
      );
      expect(summary.plausible).toMatchObject({ forwarded: 1, dropped: 1, failed: 0 });
    } finally {
      await served.close();
      await plausible.close();
    }
  });

  it('a pixel is answered at once while Plausible hangs; the open is stored and the forward counted failed', async () => {
    const { h, served, plausible, received, result, pixel } = await servedWith(() => undefined);
    try {
      const started = performance.now();
      const answer = await fetch(pixel, { headers: { 'user-agent': THUNDERBIRD } });
      expect(answer.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(250);
      await eventually(() => received.length === 1);
      expect(received).toHaveLength(1);
      await eventually(() => readPlausibleForwards(h.db).failed === 1);
      expect(readPlausibleForwards(h.db)).toMatchObject({ forwarded: 0, dropped: 0, failed: 1 });
      expect(runReplyStats({ replyId: result.reply_id }, { store: h.db }).document).toMatchObject({
        open_count: 1,
      });
    } finally {
      await served.close();
      await plausible.close();
    }
  });
});
