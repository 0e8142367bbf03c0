import { afterEach, describe, expect, it } from 'vitest';
import {
  createSmtpRelay,
  relayErrorClass,
  type RelayConfig,
  type RelayMessage,
} from '../../src/mail/smtp-relay.js';
import { startFakeRelay, type FakeRelay } from './fake-relay.js';

let relay: FakeRelay | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

const message: RelayMessage = {
  from: { address: 'help@example.com', name: 'Help Desk' },
  to: [{ address: 'john@example.com', name: 'Doe, John' }],
  cc: [{ address: 'cc@example.com', name: '' }],
  envelopeTo: ['john@example.com', 'cc@example.com', 'hidden@example.com'],
  replyTo: { address: 'support@example.com', name: '' },
  subject: 'Re: ticket #42 – ünïcode',
  html: '<p>Hello <b>John</b></p>',
  text: 'Hello John',
  messageId: '<abc_DEF-123@portal.example.com>',
  headers: { 'X-Portal-Tracking-Id': 'abc_DEF-123' },
};

function config(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return {
    host: relay?.host ?? '127.0.0.1',
    port: relay?.port ?? 0,
    secure: false,
    user: null,
    password: null,
    timeoutMs: 5_000,
    ...overrides,
  };
}

describe('createSmtpRelay', () => {
  it('sends without AUTH: same Message-ID and tracking header, To/Cc headers, Bcc only in the envelope', async () => {
    relay = await startFakeRelay();
    const transport = createSmtpRelay(config());
    const result = await transport.send(message);
    transport.close();
    expect(result.accepted).toEqual(['john@example.com', 'cc@example.com', 'hidden@example.com']);
    expect(result.rejected).toEqual([]);
    const [mail] = relay.mails;
    expect(mail?.from).toBe('help@example.com');
    expect(mail?.to).toEqual(['john@example.com', 'cc@example.com', 'hidden@example.com']);
    expect(mail?.parsed.messageId).toBe('<abc_DEF-123@portal.example.com>');
    expect(mail?.parsed.headers.get('x-portal-tracking-id')).toBe('abc_DEF-123');
    expect(mail?.parsed.subject).toBe(message.subject);
    expect(mail?.parsed.html).toContain('<p>Hello <b>John</b></p>');
    expect(mail?.parsed.text?.trim()).toBe('Hello John');
    expect(mail?.parsed.headers.get('to')).toMatchObject({
      value: [{ address: 'john@example.com', name: 'Doe, John' }],
    });
    expect(mail?.parsed.headers.get('cc')).toMatchObject({ value: [{ address: 'cc@example.com' }] });
    expect(mail?.parsed.headers.get('reply-to')).toMatchObject({
      value: [{ address: 'support@example.com' }],
    });
    expect(mail?.parsed.headers.has('bcc')).toBe(false);
    expect(mail?.raw).not.toContain('hidden@example.com');
    expect(mail?.secure).toBe(false);
  });

  it('authenticates with the configured credentials over STARTTLS', async () => {
    relay = await startFakeRelay({ auth: { user: 'relay-user', pass: 's3cret-pass' }, starttls: true });
    // As a relay off loopback: STARTTLS is then required (relayTlsRule).
    const transport = createSmtpRelay(
      config({
        user: 'relay-user',
        password: 's3cret-pass',
        loopback: false,
        tls: { rejectUnauthorized: false },
      }),
    );
    await transport.send(message);
    transport.close();
    expect(relay.authAttempts).toEqual([{ user: 'relay-user', ok: true }]);
    expect(relay.mails[0]?.secure).toBe(true);
    expect(relay.mails[0]?.user).toBe('relay-user');
  });

  it('refuses the self-signed certificate unless a test turns the check off', async () => {
    relay = await startFakeRelay({ starttls: true });
    const transport = createSmtpRelay(config());
    const error = await transport.send(message).catch((e: unknown) => e);
    transport.close();
    expect(relayErrorClass(error)).toMatch(/smtp_(tls|connection)/);
    expect(relay.mails).toHaveLength(0);
  });

  it('a wrong password is smtp_auth and never echoes the password', async () => {
    relay = await startFakeRelay({ auth: { user: 'relay-user', pass: 'right' } });
    const transport = createSmtpRelay(config({ user: 'relay-user', password: 'wrong-Pa55' }));
    const error = await transport.send(message).catch((e: unknown) => e);
    transport.close();
    expect(relayErrorClass(error)).toBe('smtp_auth');
    expect(String((error as Error).message)).not.toContain('wrong-Pa55');
  });

  it('reports a rejected recipient and delivers to the rest', async () => {
    relay = await startFakeRelay({ rejectRecipients: ['cc@example.com'] });
    const transport = createSmtpRelay(config());
    const result = await transport.send(message);
    transport.close();
    expect(result.rejected).toEqual(['cc@example.com']);
    expect(result.rejectedReasons['cc@example.com']).toMatch(/550/);
    expect(relay.mails[0]?.to).toEqual(['john@example.com', 'hidden@example.com']);
  });

  it('all recipients rejected is an smtp_recipients error', async () => {
    relay = await startFakeRelay({ rejectRecipients: ['x@example.com'] });
    const transport = createSmtpRelay(config());
    const error = await transport
      .send({ ...message, envelopeTo: ['x@example.com'] })
      .catch((e: unknown) => e);
    transport.close();
    expect(relayErrorClass(error)).toBe('smtp_recipients');
  });
});
