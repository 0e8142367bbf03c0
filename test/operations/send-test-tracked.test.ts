import { describe, expect, it } from 'vitest';
import { findTrackingToken } from '../../src/store/tracking-tokens.js';
import { NOW, useSendHarness } from './send-test-harness.js';

const HTML =
  '<html><body><p>Hello <a href="https://docs.example.com/a?x=1&amp;y=2">docs</a> <a href="mailto:help@example.com">mail</a></p></body></html>';
const PORTAL = 'https://portal.example.com/app';
const tokenIn = (html: string, route: 'o' | 'c') =>
  [...html.matchAll(new RegExp(`${PORTAL}/t/${route}/([A-Za-z0-9_-]{24})`, 'g'))].map((m) => m[1] as string);

describe('send-test: first-party tracked relay copies (issue 15)', () => {
  const setup = useSendHarness();

  it('each To and Cc recipient gets its own tracked copy; Bcc shares one untracked copy and is in no header', async () => {
    const h = await setup({ api: null, settings: { firstPartyTracking: 'relay', enabled: false } });
    const { result, error } = await h.send({
      to: ['"Doe, John" <john@example.com>'],
      cc: ['cc@example.com'],
      bcc: ['hidden@example.com', 'also@example.com'],
      html: HTML,
      text: 'Hello',
    });
    expect(error).toBeNull();
    expect(result).toMatchObject({
      transport: 'smtp',
      outcome: 'sent',
      tracker: 'first_party',
      delivered_to: ['john@example.com', 'cc@example.com', 'hidden@example.com', 'also@example.com'],
    });
    const mails = h.relay?.mails ?? [];
    expect(mails.map((m) => m.to)).toEqual([
      ['john@example.com'],
      ['cc@example.com'],
      ['hidden@example.com', 'also@example.com'],
    ]);
    for (const mail of mails) {
      expect(mail.parsed.messageId).toBe(mails[0]?.parsed.messageId);
      expect(mail.parsed.headers.get('to')).toMatchObject({
        value: [{ address: 'john@example.com', name: 'Doe, John' }],
      });
      expect(mail.parsed.headers.get('cc')).toMatchObject({ value: [{ address: 'cc@example.com' }] });
      expect(mail.parsed.headers.has('bcc')).toBe(false);
      expect(mail.raw.split('\r\n\r\n')[0]).not.toMatch(/hidden@|also@/);
      expect(mail.parsed.text?.trim()).toBe('Hello');
    }
    const [john, cc, bcc] = mails.map((m) => m.parsed.html as string);
    expect(bcc).toBe(HTML);
    for (const [html, recipient] of [
      [john, 'john@example.com'],
      [cc, 'cc@example.com'],
    ] as const) {
      const [open] = tokenIn(html ?? '', 'o');
      const [click] = tokenIn(html ?? '', 'c');
      expect(findTrackingToken(h.db, open ?? '')).toMatchObject({
        reply_id: result.reply_id,
        recipient,
        kind: 'open',
        url: null,
        expires_at: new Date(NOW.getTime() + 180 * 86_400_000).toISOString(),
      });
      expect(findTrackingToken(h.db, click ?? '')).toMatchObject({
        recipient,
        kind: 'click',
        url: 'https://docs.example.com/a?x=1&y=2',
      });
      // Outside the rewritten href and the pixel, the author's HTML byte for byte; nothing about the recipient in the URLs.
      expect(
        html
          ?.replace(`${PORTAL}/t/c/${click}`, 'https://docs.example.com/a?x=1&amp;y=2')
          .replace(/<img src="[^"]+" width="1" height="1" alt="" style="border:0;width:1px;height:1px">/, ''),
      ).toBe(HTML);
      expect(html).not.toContain(recipient);
    }
    expect(tokenIn(john ?? '', 'c')).not.toEqual(tokenIn(cc ?? '', 'c'));
    const trackers = h.db.prepare('SELECT email, tracker FROM reply_recipients ORDER BY id').all();
    expect(trackers).toEqual([
      { email: 'john@example.com', tracker: 'first_party' },
      { email: 'cc@example.com', tracker: 'first_party' },
      { email: 'hidden@example.com', tracker: 'none' },
      { email: 'also@example.com', tracker: 'none' },
    ]);
    expect(h.reply(result.reply_id)).toMatchObject({ tracker: 'first_party' });
  });

  it('one recipient refused does not stop the others; outcomes are per recipient', async () => {
    const h = await setup({
      api: null,
      relay: { rejectRecipients: ['cc@example.com'] },
      settings: { firstPartyTracking: 'relay', enabled: false },
    });
    const { result } = await h.send({
      to: ['john@example.com'],
      cc: ['cc@example.com', 'third@example.com'],
      html: HTML,
    });
    expect(result).toMatchObject({
      outcome: 'partial',
      delivered_to: ['john@example.com', 'third@example.com'],
      failed_recipients: ['cc@example.com'],
    });
    expect(h.relay?.mails.map((m) => m.to)).toEqual([['john@example.com'], ['third@example.com']]);
    expect(h.recipients(result.reply_id).map((r) => [r.email, r.send_status])).toEqual([
      ['john@example.com', 'sent'],
      ['cc@example.com', 'failed'],
      ['third@example.com', 'sent'],
    ]);
  });

  it('off, the switches, a relay at SMTP2Go and API mail are not rewritten', async () => {
    const cases = [
      { settings: { firstPartyTracking: 'off' as const, enabled: false }, tracker: 'none' },
      {
        settings: { firstPartyTracking: 'relay' as const, enabled: false, trackingEnabled: false },
        tracker: 'none',
      },
      {
        settings: { firstPartyTracking: 'relay' as const, enabled: false },
        deps: { isSmtp2goRelay: () => true },
        tracker: 'smtp2go',
      },
    ];
    for (const c of cases) {
      const h = await setup({ api: null, settings: c.settings });
      const { result } = await h.send({ html: HTML }, c.deps ?? {});
      expect(result.tracker).toBe(c.tracker);
      expect((h.relay?.mails[0]?.parsed.html as string).trimEnd()).toBe(HTML);
      expect(h.db.prepare('SELECT COUNT(*) AS n FROM tracking_tokens').get()).toEqual({ n: 0 });
    }
    const api = await setup({
      api: [{ status: 200, fixture: 'send-ok.json' }],
      settings: { firstPartyTracking: 'relay' },
    });
    const { result } = await api.send({ html: HTML });
    expect(result).toMatchObject({ transport: 'api', tracker: 'smtp2go' });
    expect(api.api?.requests[0]?.body['html_body']).toBe(HTML);
    expect(api.db.prepare('SELECT COUNT(*) AS n FROM tracking_tokens').get()).toEqual({ n: 0 });
  });

  it('opens off: links tracked, no pixel; clicks off: a pixel, links as written', async () => {
    const noOpens = await setup({
      api: null,
      settings: { firstPartyTracking: 'relay', enabled: false, trackOpens: false },
    });
    await noOpens.send({ html: HTML });
    const a = noOpens.relay?.mails[0]?.parsed.html as string;
    expect([tokenIn(a, 'o').length, tokenIn(a, 'c').length]).toEqual([0, 1]);
    const noClicks = await setup({
      api: null,
      settings: { firstPartyTracking: 'relay', enabled: false, trackClicks: false },
    });
    await noClicks.send({ html: HTML });
    const b = noClicks.relay?.mails[0]?.parsed.html as string;
    expect([tokenIn(b, 'o').length, tokenIn(b, 'c').length]).toEqual([1, 0]);
    expect(b).toContain('href="https://docs.example.com/a?x=1&amp;y=2"');
  });
});
