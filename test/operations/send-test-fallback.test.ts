import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { API_KEY, SMTP_PASSWORD } from '../helpers/constants.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import { TRACKING_ID, useSendHarness } from './send-test-harness.js';

const setup = useSendHarness();
const MESSAGE_ID = `<${TRACKING_ID}@portal.example.com>`;

describe('runSendTest fallback to the SMTP relay', () => {
  it('200 with failed: 1 is a refusal: the relay sends the same message, Bcc only in the envelope', async () => {
    const h = await setup({ api: [{ status: 200, fixture: 'send-failed-200.json' }] });
    const { result, error } = await h.send({
      to: ['"Doe, John" <john@example.com>'],
      cc: ['cc@example.com'],
      bcc: ['hidden@example.com'],
      subject: 'Test subject',
      html: '<p>Hello</p>',
      text: 'Hello',
    });
    expect(error).toBeNull();
    expect(result).toMatchObject({ transport: 'smtp', outcome: 'sent', smtp2go_email_id: null });
    expect(result.fallback_reason).toMatch(
      /^rejected: SMTP2Go refused the email \(HTTP 200, failed: 1\): .*Verification failed/,
    );
    const [mail] = h.relay?.mails ?? [];
    expect(mail?.from).toBe('help@example.com');
    expect(mail?.to).toEqual(['john@example.com', 'cc@example.com', 'hidden@example.com']);
    expect(mail?.parsed.messageId).toBe(MESSAGE_ID);
    expect(mail?.parsed.headers.get('x-portal-tracking-id')).toBe(TRACKING_ID);
    expect(mail?.parsed.subject).toBe('Test subject');
    expect(mail?.parsed.html).toContain('<p>Hello</p>');
    expect(mail?.parsed.text?.trim()).toBe('Hello');
    expect(mail?.parsed.headers.get('to')).toMatchObject({
      value: [{ address: 'john@example.com', name: 'Doe, John' }],
    });
    expect(mail?.parsed.headers.has('bcc')).toBe(false);
    expect(mail?.raw).not.toContain('hidden@example.com');
    expect(h.reply(result.reply_id)).toMatchObject({
      transport: 'smtp',
      send_outcome: 'sent',
      smtp2go_email_id: null,
    });
    expect(
      h.attempts(result.reply_id).map((a) => [a.transport, a.outcome, a.http_status, a.error_class]),
    ).toEqual([
      ['api', 'failed', 200, 'rejected'],
      ['smtp', 'sent', null, null],
    ]);
  });

  it('partial success: never resends accepted recipients; relays only the refused one', async () => {
    const partial = {
      request_id: 'r',
      data: {
        succeeded: 1,
        failed: 1,
        failures: ['bad@example.net: 550 mailbox unavailable'],
        email_id: '1uPart-0001',
      },
    };
    const h = await setup({ api: [{ status: 200, json: partial }] });
    const { result, error } = await h.send({ to: ['john@example.com', 'bad@example.net'] });
    expect(error).toBeNull();
    expect(result).toMatchObject({
      transport: 'api',
      outcome: 'sent',
      smtp2go_email_id: '1uPart-0001',
      delivered_to: ['john@example.com', 'bad@example.net'],
    });
    expect(result.fallback_reason).toContain('partial: SMTP2Go accepted 1 and refused 1');
    expect(h.relay?.mails).toHaveLength(1);
    expect(h.relay?.mails[0]?.to).toEqual(['bad@example.net']);
    expect(h.relay?.mails[0]?.parsed.headers.get('to')).toMatchObject({
      value: [{ address: 'john@example.com' }, { address: 'bad@example.net' }],
    });
    expect(h.reply(result.reply_id)).toMatchObject({
      transport: 'api+smtp',
      send_outcome: 'sent',
      smtp2go_email_id: '1uPart-0001',
    });
    expect(h.recipients(result.reply_id).map((r) => [r.email, r.send_status])).toEqual([
      ['john@example.com', 'sent'],
      ['bad@example.net', 'sent'],
    ]);
  });

  it('partial success that does not say who failed: nothing resent, exit 1', async () => {
    const partial = {
      data: { succeeded: 1, failed: 1, failures: ['550 mailbox unavailable'], email_id: '1uPart-0002' },
    };
    const h = await setup({ api: [{ status: 200, json: partial }] });
    const { result, error } = await h.send({ to: ['john@example.com', 'bad@example.net'] });
    expect(error?.exitCode).toBe(1);
    expect(error?.message).toMatch(/without saying which/);
    expect(h.relay?.mails).toHaveLength(0);
    expect(h.reply(result.reply_id)).toMatchObject({ smtp2go_email_id: '1uPart-0002', transport: 'api' });
  });

  it('ambiguous (body accepted, never answered): recorded, not resent, exit 1', async () => {
    const h = await setup({ api: ['hang'] });
    const { result, error } = await h.send({ timeoutMs: 500 });
    expect(h.api?.requests).toHaveLength(1);
    expect(h.api?.requests[0]?.body.subject).toBeDefined();
    expect(error?.exitCode).toBe(1);
    expect(error?.message).toMatch(/may have accepted.*not resending/);
    expect(error?.hint).toContain('--fallback-on-timeout');
    expect(result).toMatchObject({
      transport: null,
      outcome: 'ambiguous',
      ambiguous_recipients: ['john@example.com'],
      attempts: [{ transport: 'api', outcome: 'ambiguous', error_class: 'timeout' }],
    });
    expect(h.relay?.mails).toHaveLength(0);
    expect(h.reply(result.reply_id)).toMatchObject({ send_outcome: 'ambiguous', transport: 'api' });
    expect(h.recipients(result.reply_id)[0]?.send_status).toBe('ambiguous');
  });

  it.each([
    ['the --fallback-on-timeout option', { fallbackOnTimeout: true }, {}],
    ['the stored setting', {}, { fallbackOnTimeout: true }],
  ])('ambiguous with %s: relays, and says a duplicate is possible', async (_label, options, settings) => {
    const h = await setup({ api: ['hang'], settings });
    const { result, error } = await h.send({ timeoutMs: 500, ...options });
    expect(error).toBeNull();
    expect(result.transport).toBe('smtp');
    expect(result.fallback_reason).toMatch(/^ambiguous: timeout.*fallback-on-timeout/);
    expect(h.relay?.mails).toHaveLength(1);
  });

  it('connection refused: certain, relayed', async () => {
    const h = await setup({ settings: { apiUrl: await closedPortUrl() } });
    const { result, error } = await h.send({});
    expect(error).toBeNull();
    expect(result).toMatchObject({
      transport: 'smtp',
      attempts: [
        { transport: 'api', outcome: 'failed', error_class: 'connection_refused' },
        { transport: 'smtp', ok: true },
      ],
    });
  });

  it('a new user with no API key sends through the relay', async () => {
    const h = await setup({
      settings: { enabled: false, apiKey: null, sender: null, smtpFrom: 'relay@example.com' },
    });
    const { result, error } = await h.send({});
    expect(error).toBeNull();
    expect(result).toMatchObject({
      transport: 'smtp',
      fallback_reason: 'the SMTP2Go module is disabled',
      attempts: [{ transport: 'smtp', ok: true }],
    });
    expect(h.relay?.mails[0]?.from).toBe('relay@example.com');
  });

  it('issue 14: the API enabled without a sender and a relay with a From: the relay sends, the API is not tried', async () => {
    const h = await setup({
      api: [{ status: 200, fixture: 'send-ok.json' }],
      settings: { sender: null, smtpFrom: 'relay@example.com' },
    });
    const { result, error } = await h.send({});
    expect(error).toBeNull();
    expect(result).toMatchObject({
      transport: 'smtp',
      fallback_reason: 'no sender is configured for the API',
      attempts: [{ transport: 'smtp', ok: true }],
    });
    expect(h.api?.requests).toHaveLength(0);
    expect(h.relay?.mails[0]?.from).toBe('relay@example.com');
  });

  it('--transport smtp goes straight to the relay, with AUTH over STARTTLS', async () => {
    const h = await setup({
      api: [{ status: 200, fixture: 'send-ok.json' }],
      relay: { auth: { user: 'relay-user', pass: SMTP_PASSWORD }, starttls: true },
      settings: { smtpUser: 'relay-user', smtpPassword: SMTP_PASSWORD },
    });
    const { result, error } = await h.send({ transport: 'smtp' });
    expect(error).toBeNull();
    expect(h.api?.requests).toHaveLength(0);
    expect(result).toMatchObject({ transport: 'smtp', fallback_reason: null });
    expect(h.relay?.mails[0]).toMatchObject({ secure: true, user: 'relay-user' });
    expect(h.dump()).not.toContain(SMTP_PASSWORD);
  });

  it('both transports failing: exit 1, both reasons stored as the last error', async () => {
    const h = await setup({
      api: [{ status: 401, fixture: 'error-permission.json' }],
      relay: { rejectRecipients: ['john@example.com'] },
    });
    const { result, error } = await h.send({});
    expect(error?.exitCode).toBe(1);
    expect(error?.message).toContain('not delivered to john@example.com');
    expect(result).toMatchObject({
      transport: null,
      outcome: 'failed',
      failed_recipients: ['john@example.com'],
    });
    const lastError = h.reply(result.reply_id).last_error ?? '';
    expect(lastError).toMatch(/^api: auth: SMTP2Go answered HTTP 401.* \| smtp: smtp_recipients: /);
    expect(h.reply(result.reply_id)).toMatchObject({
      transport: 'failed',
      send_outcome: 'failed',
      sent_at: null,
    });
  });

  it('an invalid address is exit 2 before anything is written or sent', async () => {
    const h = await setup({ api: [{ status: 200, fixture: 'send-ok.json' }] });
    await expect(h.send({ to: ['john@example.com', 'not an address'] })).rejects.toBeInstanceOf(UsageError);
    await expect(
      h.send({ to: ['john@example.com'], subject: 'x\r\nBcc: evil@example.com' }),
    ).rejects.toBeInstanceOf(UsageError);
    expect(h.api?.requests).toHaveLength(0);
    expect(h.db.prepare('SELECT COUNT(*) AS n FROM ticket_replies').get()).toEqual({ n: 0 });
  });

  it('--transport api without a key, or no route at all, is a configuration error (exit 2)', async () => {
    const h = await setup({ relay: null, settings: { apiKey: null } });
    await expect(h.send({ transport: 'api' })).rejects.toBeInstanceOf(ConfigError);
    await expect(h.send({})).rejects.toThrow(/no SMTP relay is configured/);
    expect(h.db.prepare('SELECT COUNT(*) AS n FROM ticket_replies').get()).toEqual({ n: 0 });
  });

  it('--reply attaches the send to that reply id and ticket', async () => {
    const h = await setup({ api: [{ status: 200, fixture: 'send-ok.json' }] });
    const { result } = await h.send({ replyId: 77, ticketId: 12 });
    expect(result.reply_id).toBe(77);
    expect(h.reply(77)).toMatchObject({
      ticket_id: 12,
      email_tracking_id: TRACKING_ID,
      smtp2go_email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
    });
  });

  it('the API key appears nowhere: results, errors, stored rows', async () => {
    const outputs: string[] = [];
    for (const api of [
      [{ status: 401, fixture: 'error-permission.json' }],
      ['hang'],
      [{ status: 500, text: `oops ${API_KEY}` }],
    ] as const) {
      const h = await setup({ api: [...api], relay: { rejectRecipients: ['john@example.com'] } });
      const { result, error } = await h.send({ timeoutMs: 500 });
      outputs.push(JSON.stringify(result), error?.message ?? '', error?.hint ?? '', h.dump());
    }
    expect(outputs.join('\n')).not.toContain(API_KEY);
    expect(outputs.join('\n')).toContain('***');
  });
});
