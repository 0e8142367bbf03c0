import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../src/core/normalize-event.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import {
  buildEvent,
  TRIGGER_EVENT_TYPES,
  type TriggerEventType,
  type TriggerTarget,
} from '../../src/operations/webhook-trigger/build-event.js';
import { encodeEvent } from '../../src/operations/webhook-trigger/encode-event.js';
import {
  derivedEmailId,
  emailIdFrom,
  webhookSendTime,
  webhookTime,
} from '../../src/operations/webhook-trigger/smtp2go-ids.js';

const NOW = new Date('2026-09-10T08:05:00.123Z');
const TARGET: TriggerTarget = {
  emailId: '1u0SwL-B9zBpi9ffUq-JAB2',
  messageId: '<q2T0yJ2Kx4hV9oN3cE1bWm8d@portal.example.com>',
  trackingId: 'q2T0yJ2Kx4hV9oN3cE1bWm8d',
  sender: 'Support Team <support@example.com>',
  subject: 'Re: [#42] Printer on fire',
  recipients: ['john@example.org', 'jane@example.net'],
  recipient: 'john@example.org',
  sentAt: new Date('2026-09-10T08:00:00.250Z'),
};

/** Counting bytes, so two builds differ (fresh ids) and a test run is repeatable. */
function counter(): (size: number) => Buffer {
  let n = 0;
  return (size) => Buffer.from(Array.from({ length: size }, () => (n += 7) % 256));
}

const build = (type: TriggerEventType, extra: { url?: string; bounce?: 'hard' | 'soft' } = {}) =>
  buildEvent({ type, target: TARGET, now: NOW, random: counter(), ...extra });

const fixtureKeys = (...names: string[]) => {
  const keys = new Set<string>();
  for (const name of names) {
    const text = readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8').trim();
    const fields = name.endsWith('.json')
      ? Object.keys(JSON.parse(text) as object)
      : [...new URLSearchParams(text).keys()];
    for (const key of fields) keys.add(key);
  }
  return keys;
};

describe('buildEvent: what SMTP2Go really sends', () => {
  // Every key we send for a type is one SMTP2Go was seen (or documented) to send for it, plus our echoed header.
  it.each([
    ['processed', ['processed.live.form', 'processed.live.json']],
    ['delivered', ['delivered.live.form', 'delivered.live.json']],
    ['open', ['open.docs.json']],
    ['bounce', ['bounce-hard.docs.form', 'bounce-hard.live.json', 'bounce-soft.constructed.json']],
  ] as const)('%s uses only keys seen in the fixtures', (type, fixtures) => {
    const known = fixtureKeys(...fixtures);
    const unknown = Object.keys(build(type)).filter(
      (key) => !known.has(key) && key !== 'X-Portal-Tracking-Id',
    );
    expect(unknown).toEqual([]);
  });

  it('common fields: event, time now (whole seconds, Z), sendtime with microseconds, ids, message-id, sender, tracking header', () => {
    const fields = build('delivered');
    expect(fields).toMatchObject({
      event: 'delivered',
      time: '2026-09-10T08:05:00Z',
      sendtime: '2026-09-10T08:00:00.250000+00:00',
      email_id: TARGET.emailId,
      'message-id': TARGET.messageId,
      sender: 'support@example.com',
      from: TARGET.sender,
      from_address: 'support@example.com',
      from_name: 'Support Team',
      subject: TARGET.subject,
      rcpt: 'john@example.org',
      'X-Portal-Tracking-Id': TARGET.trackingId,
    });
    expect(fields.id).toMatch(/^[0-9a-f]{32}$/);
    expect(fields.message).toMatch(/^250 2\.0\.0 Ok: queued as \w{13}$/);
  });

  it('processed lists recipients and has no rcpt; every other type has rcpt and no recipients', () => {
    for (const type of TRIGGER_EVENT_TYPES) {
      const fields = build(type);
      if (type === 'processed') {
        expect(fields.recipients).toEqual(TARGET.recipients);
        expect(fields).not.toHaveProperty('rcpt');
      } else {
        expect(fields.rcpt, type).toBe('john@example.org');
        expect(fields, type).not.toHaveProperty('recipients');
      }
    }
  });

  it('type-specific fields: open (user-agent, read-secs, client), click (url), bounce (kind, context, message, host)', () => {
    expect(build('open')).toMatchObject({
      'user-agent': expect.stringContaining('Mozilla/5.0'),
      'read-secs': expect.stringMatching(/^\d+$/),
      client: 'Apple Mail',
    });
    expect(build('click', { url: 'https://example.com/kb/7' })).toMatchObject({
      url: 'https://example.com/kb/7',
    });
    expect(build('bounce')).toMatchObject({
      bounce: 'hard',
      context: 'RCPT TO:<john@example.org>',
      host: 'mx.example.org [198.51.100.25]',
      message: expect.stringMatching(/^550 5\.1\.1 /),
    });
    expect(build('bounce', { bounce: 'soft' })).toMatchObject({
      bounce: 'soft',
      message: expect.stringMatching(/^452 /),
    });
  });

  it('a reply without a tracking id or sender leaves those keys out instead of inventing them', () => {
    const fields = buildEvent({
      type: 'spam',
      target: { ...TARGET, trackingId: null, sender: null, subject: null },
      now: NOW,
      random: counter(),
    });
    for (const key of ['X-Portal-Tracking-Id', 'sender', 'from', 'subject'])
      expect(fields).not.toHaveProperty(key);
  });

  it('two events get different notification ids', () => {
    const random = counter();
    const a = buildEvent({ type: 'open', target: TARGET, now: NOW, random });
    const b = buildEvent({ type: 'open', target: TARGET, now: NOW, random });
    expect(a.id).not.toBe(b.id);
  });
});

describe('encodeEvent and the listener reading it back', () => {
  it('form: recipients repeated, Message-Id and Subject also capitalised (as captured live)', () => {
    const { body, contentType } = encodeEvent(build('processed'), 'form');
    expect(contentType).toBe('application/x-www-form-urlencoded');
    const params = new URLSearchParams(body);
    expect(params.getAll('recipients')).toEqual(TARGET.recipients);
    expect(params.get('Message-Id')).toBe(TARGET.messageId);
    expect(params.get('Subject')).toBe(TARGET.subject);
  });

  it.each(['json', 'form'] as const)('%s: every type normalises to the intended event', (format) => {
    for (const type of TRIGGER_EVENT_TYPES) {
      const fields = build(
        type,
        type === 'click'
          ? { url: 'https://example.com/a?b=1&c=2' }
          : type === 'bounce'
            ? { bounce: 'soft' }
            : {},
      );
      const encoded = encodeEvent(fields, format);
      const parsed = parseWebhookBody(encoded.body, encoded.contentType, new Date('2030-01-01T00:00:00Z'));
      expect(parsed.errors).toEqual([]);
      const event = parsed.events[0]?.event;
      expect(event, type).toMatchObject({
        type,
        known: true,
        notificationId: fields.id,
        emailId: TARGET.emailId,
        trackingId: TARGET.trackingId,
        messageId: TARGET.messageId,
        occurredAt: '2026-09-10T08:05:00.000Z',
        timeSource: 'event',
        recipient: type === 'processed' ? null : 'john@example.org',
      });
      if (type === 'processed') expect(event?.recipients).toEqual(TARGET.recipients);
      if (type === 'click') expect(event?.url).toBe('https://example.com/a?b=1&c=2');
      if (type === 'bounce') expect(event?.bounceType).toBe('soft');
      if (type === 'open') expect(event?.userAgent).toContain('Mozilla/5.0');
    }
  });

  it('JSON keeps recipients an array, as SMTP2Go sends it', () => {
    const { body } = encodeEvent(build('processed'), 'json');
    expect((JSON.parse(body) as { recipients: unknown }).recipients).toEqual(TARGET.recipients);
    expect(normalizeEvent(JSON.parse(body) as Record<string, string[]>, NOW).recipients).toEqual(
      TARGET.recipients,
    );
  });
});

describe('SMTP2Go-shaped ids and times', () => {
  it('email ids look like 1u0SwL-B9zBpi9ffUq-JAB2; a derived one is stable per seed', () => {
    expect(emailIdFrom(Buffer.from('any bytes at all, long enough'))).toMatch(
      /^1[A-Za-z0-9]{5}-[A-Za-z0-9]{12}-[A-Za-z0-9]{4}$/,
    );
    expect(derivedEmailId('tracking-a')).toBe(derivedEmailId('tracking-a'));
    expect(derivedEmailId('tracking-a')).not.toBe(derivedEmailId('tracking-b'));
  });

  it('time has whole seconds and Z; sendtime has microseconds and +00:00', () => {
    expect(webhookTime(new Date('2026-03-24T08:23:19.999Z'))).toBe('2026-03-24T08:23:19Z');
    expect(webhookSendTime(new Date('2026-03-24T08:23:19.052Z'))).toBe('2026-03-24T08:23:19.052000+00:00');
  });
});
