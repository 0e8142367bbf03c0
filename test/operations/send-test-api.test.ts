import { describe, expect, it } from 'vitest';
import { findReplyByTrackingId } from '../../src/store/replies.js';
import { API_KEY } from '../helpers/constants.js';
import { NOW, TRACKING_ID, useSendHarness } from './send-test-harness.js';

const setup = useSendHarness();
const MESSAGE_ID = `<${TRACKING_ID}@portal.example.com>`;

describe('runSendTest through the SMTP2Go API', () => {
  it('success: writes the reply before the request, sends the documented body, stores the email id', async () => {
    let rowAtRequest: unknown;
    const h = await setup({
      api: [{ status: 200, fixture: 'send-ok.json' }],
      onRequest: (_request, db) => (rowAtRequest = findReplyByTrackingId(db, TRACKING_ID)),
    });
    const { result, error } = await h.send({
      to: ['john@example.com, "Doe, Jane" <jane@example.com>', 'JOHN@example.com'],
      cc: ['cc@example.com'],
      bcc: ['hidden@example.com'],
      replyTo: 'support@example.com',
      subject: 'Re: your ticket',
      html: '<p>hi</p>',
      text: 'hi',
    });
    expect(error).toBeNull();
    expect(rowAtRequest).toMatchObject({
      transport: 'pending',
      rfc_message_id: MESSAGE_ID,
      smtp2go_email_id: null,
    });

    const [request] = h.api?.requests ?? [];
    expect(h.api?.requests).toHaveLength(1);
    expect(request?.path).toBe('/v3/email/send');
    expect(request?.headers['x-smtp2go-api-key']).toBe(API_KEY);
    expect(request?.body).toEqual({
      sender: 'Help Desk <help@example.com>',
      to: ['john@example.com', '"Doe, Jane" <jane@example.com>'],
      cc: ['cc@example.com'],
      bcc: ['hidden@example.com'],
      subject: 'Re: your ticket',
      html_body: '<p>hi</p>',
      text_body: 'hi',
      custom_headers: [
        { header: 'Message-ID', value: MESSAGE_ID },
        { header: 'X-Portal-Tracking-Id', value: TRACKING_ID },
        { header: 'Reply-To', value: 'support@example.com' },
      ],
    });
    expect(request?.rawBody).not.toContain(API_KEY);

    expect(result).toMatchObject({
      transport: 'api',
      outcome: 'sent',
      tracking_id: TRACKING_ID,
      message_id: MESSAGE_ID,
      smtp2go_email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
      fallback_reason: null,
      failed_recipients: [],
      attempts: [{ transport: 'api', ok: true, status: 200, error: null }],
    });
    const reply = h.reply(result.reply_id);
    expect(reply).toMatchObject({
      transport: 'api',
      send_outcome: 'sent',
      smtp2go_email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
      sent_at: NOW.toISOString(),
      last_error: null,
    });
    expect(h.recipients(result.reply_id)).toEqual([
      {
        email: 'john@example.com',
        role: 'to',
        send_status: 'sent',
        send_error: null,
        sent_at: NOW.toISOString(),
      },
      {
        email: 'jane@example.com',
        role: 'to',
        send_status: 'sent',
        send_error: null,
        sent_at: NOW.toISOString(),
      },
      {
        email: 'cc@example.com',
        role: 'cc',
        send_status: 'sent',
        send_error: null,
        sent_at: NOW.toISOString(),
      },
      {
        email: 'hidden@example.com',
        role: 'bcc',
        send_status: 'sent',
        send_error: null,
        sent_at: NOW.toISOString(),
      },
    ]);
    expect(h.attempts(result.reply_id)).toMatchObject([
      {
        attempt_no: 1,
        transport: 'api',
        ok: 1,
        outcome: 'sent',
        http_status: 200,
        email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
      },
    ]);
    expect(h.relay?.mails).toHaveLength(0);
  });

  it('links orphan webhook events right after the email id is stored, before any fallback', async () => {
    const partial = {
      data: {
        succeeded: 1,
        failed: 1,
        failures: ['bad@example.net: 550 unknown user'],
        email_id: '1uLink-0001',
      },
    };
    const h = await setup({ api: [{ status: 200, json: partial }] });
    const calls: Array<{ replyId: number; emailId: string | null; relayed: number }> = [];
    const { result } = await h.send(
      { to: ['john@example.com', 'bad@example.net'] },
      {
        linkOrphanEvents: (db, replyId) =>
          calls.push({
            replyId,
            emailId: (
              db.prepare('SELECT smtp2go_email_id AS id FROM ticket_replies WHERE id = ?').get(replyId) as {
                id: string | null;
              }
            ).id,
            relayed: h.relay?.mails.length ?? -1,
          }),
      },
    );
    expect(calls).toEqual([{ replyId: result.reply_id, emailId: '1uLink-0001', relayed: 0 }]);
    expect(h.relay?.mails).toHaveLength(1);
  });

  it('never takes request_id for the email id', async () => {
    const h = await setup({
      api: [
        {
          status: 200,
          json: { request_id: 'req-1', data: { succeeded: 1, failed: 0, failures: [], email_id: '' } },
        },
      ],
      relay: null,
    });
    const { result, error } = await h.send({});
    expect(error?.exitCode).toBe(1);
    expect(result.outcome).toBe('ambiguous');
    expect(result.smtp2go_email_id).toBeNull();
    expect(h.reply(result.reply_id).smtp2go_email_id).toBeNull();
  });

  it('429 with Retry-After waits that long, then succeeds', async () => {
    const h = await setup({
      api: [
        { status: 429, fixture: 'error-rate-limit.json', headers: { 'retry-after': '3' } },
        { status: 200, fixture: 'send-ok.json' },
      ],
    });
    const { result, error } = await h.send({ timeoutMs: 30_000 });
    expect(error).toBeNull();
    expect(h.clock.sleeps).toEqual([3_000]);
    expect(h.api?.requests).toHaveLength(2);
    expect(h.api?.requests[1]?.body).toEqual(h.api?.requests[0]?.body);
    expect(result.attempts.map((a) => [a.status, a.ok, a.outcome, a.error_class])).toEqual([
      [429, false, 'retry', 'rate_limited'],
      [200, true, 'sent', null],
    ]);
    expect(h.attempts(result.reply_id).map((a) => a.outcome)).toEqual(['retry', 'sent']);
  });

  it('429 without Retry-After backs off exponentially with jitter, then falls back to the relay', async () => {
    const h = await setup({ api: [{ status: 429, fixture: 'error-rate-limit.json' }] });
    const { result, error } = await h.send({ timeoutMs: 60_000 });
    expect(error).toBeNull();
    expect(h.api?.requests).toHaveLength(4);
    expect(h.clock.sleeps).toEqual([375, 750, 1_500]);
    expect(result).toMatchObject({ transport: 'smtp', outcome: 'sent' });
    expect(result.fallback_reason).toMatch(/^rate_limited: SMTP2Go answered HTTP 429/);
    expect(h.relay?.mails).toHaveLength(1);
  });

  it('500 then success: one retry, delivered by the API', async () => {
    const h = await setup({
      api: [
        { status: 500, json: { data: { error: 'internal' } } },
        { status: 200, fixture: 'send-ok.json' },
      ],
    });
    const { result, error } = await h.send({});
    expect(error).toBeNull();
    expect(result.transport).toBe('api');
    expect(result.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(h.relay?.mails).toHaveLength(0);
  });

  it('400 validation: never retried; the relay delivers and the reason is kept', async () => {
    const h = await setup({
      api: [
        { status: 400, fixture: 'error-validation.json' },
        { status: 200, fixture: 'send-ok.json' },
      ],
    });
    const { result, error } = await h.send({});
    expect(error).toBeNull();
    expect(h.api?.requests).toHaveLength(1);
    expect(h.clock.sleeps).toEqual([]);
    expect(result).toMatchObject({
      transport: 'smtp',
      attempts: [
        { transport: 'api', ok: false, status: 400, error_class: 'validation' },
        { transport: 'smtp', ok: true },
      ],
    });
    expect(result.fallback_reason).toContain('NON_VALIDATING_IN_PAYLOAD');
    expect(h.reply(result.reply_id)).toMatchObject({
      transport: 'smtp',
      send_outcome: 'sent',
      fallback_reason: result.fallback_reason,
      last_error: null,
    });
  });

  it.each([401, 403])(
    '%i: falls back; with --no-fallback fails with exit 1 and nothing relayed',
    async (status) => {
      const h = await setup({ api: [{ status, fixture: 'error-permission.json' }] });
      const fallback = await h.send({});
      expect(fallback.result).toMatchObject({
        transport: 'smtp',
        outcome: 'sent',
        attempts: [
          { status, error_class: 'auth' },
          { transport: 'smtp', ok: true },
        ],
      });
      const strict = await h.send({ fallback: false });
      expect(strict.error?.exitCode).toBe(1);
      expect(strict.result).toMatchObject({
        transport: null,
        outcome: 'failed',
        failed_recipients: ['john@example.com'],
      });
      expect(h.relay?.mails).toHaveLength(1);
      expect(h.reply(strict.result.reply_id)).toMatchObject({ transport: 'failed', send_outcome: 'failed' });
      expect(h.reply(strict.result.reply_id).last_error).toMatch(/^api: auth: SMTP2Go answered HTTP 40[13]/);
      expect(h.dump()).not.toContain(API_KEY);
    },
  );
});
