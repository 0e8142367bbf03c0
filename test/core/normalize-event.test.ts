import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, normalizeEvent, type WebhookFields } from '../../src/core/normalize-event.js';
import { parseEventTime } from '../../src/core/event-time.js';

const RECEIVED = new Date('2026-11-30T12:00:00.000Z');
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as WebhookFields;
function form(name: string): WebhookFields {
  const fields: WebhookFields = {};
  for (const [key, value] of new URLSearchParams(fixture(name).trim())) {
    const previous = fields[key];
    fields[key] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return fields;
}

describe('normalizeEvent on captured payloads', () => {
  it('reads the live form delivered event with its duplicate key spellings', () => {
    const event = normalizeEvent(form('delivered.live.form'), RECEIVED);
    expect(event).toMatchObject({
      type: 'delivered',
      rawType: 'delivered',
      known: true,
      notificationId: '6dfa7d3b4514c1f5f0e916bc0cc0395c',
      emailId: '1w4x2g-FnQW0hPru7M-NRRC',
      messageId: '<E1w4x2g-FnQW0hPru7M-NRRC@message-id.smtpcorp.com>',
      recipient: 'alexis.pujo@pm.me',
      recipients: [],
      occurredAt: '2026-03-24T08:23:19.000Z',
      timeSource: 'event',
      detail: '250 2.0.0 Ok: 2780 bytes queued as 4fg32Y2xRcz3T',
      ip: null,
    });
  });

  it('takes processed recipients from the JSON array and the form string, never as rcpt', () => {
    expect(normalizeEvent(json('processed.live.json'), RECEIVED)).toMatchObject({
      type: 'processed',
      recipient: null,
      recipients: ['user@example.com', 'user2@example.com'],
    });
    expect(normalizeEvent(form('processed.live.form'), RECEIVED)).toMatchObject({
      recipient: null,
      recipients: ['alexis.pujo@pm.me'],
      occurredAt: '2026-03-24T08:23:14.000Z',
    });
  });

  it('reads bounces with type and detail from context and message', () => {
    expect(normalizeEvent(form('bounce-hard.docs.form'), RECEIVED)).toMatchObject({
      type: 'bounce',
      bounceType: 'hard',
      recipient: 'nobody@example.org',
      detail:
        'RCPT TO:<nobody@example.org>: 550 5.1.1 The email account that you tried to reach does not exist',
    });
    expect(normalizeEvent(json('bounce-soft.constructed.json'), RECEIVED)).toMatchObject({
      bounceType: 'soft',
      detail: 'DATA: 452 Mailbox full',
      emailId: null,
    });
    expect(normalizeEvent(json('bounce-hard.live.json'), RECEIVED)).toMatchObject({
      bounceType: 'hard',
      emailId: 'bounce-456',
    });
  });

  it('reads the documented open event with its user agent', () => {
    expect(normalizeEvent(json('open.docs.json'), RECEIVED)).toMatchObject({
      type: 'open',
      recipient: 'bob@example.org',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
      ip: '192.0.2.44',
    });
  });
});

describe('normalizeEvent spellings', () => {
  it.each([
    ['opened', 'open', null],
    ['OPEN', 'open', null],
    ['clicked', 'click', null],
    ['hard-bounced', 'bounce', 'hard'],
    ['soft-bounced', 'bounce', 'soft'],
    ['bounced', 'bounce', 'unknown'],
    ['rejected', 'reject', null],
    ['spam_complaint', 'spam', null],
    ['unsubscribed', 'unsubscribe', null],
    ['delivery', 'delivered', null],
    ['resubscribed', 'resubscribe', null],
  ])('%s is %s', (raw, type, bounce) => {
    const event = normalizeEvent({ event: raw, rcpt: 'A@X.example' }, RECEIVED);
    expect(event).toMatchObject({ type, rawType: raw, known: true, recipient: 'a@x.example' });
    if (type === 'bounce') expect(event.bounceType).toBe(bounce);
  });

  it('keeps an unknown type lowercased, marked unknown', () => {
    expect(normalizeEvent({ event: 'Deferred', rcpt: 'a@x.example' }, RECEIVED)).toMatchObject({
      type: 'deferred',
      rawType: 'Deferred',
      known: false,
    });
  });

  it('rejects an event without a type', () => {
    expect(() => normalizeEvent({ rcpt: 'a@x.example' }, RECEIVED)).toThrow(InvalidEventError);
    expect(() => normalizeEvent({ event: '  ' }, RECEIVED)).toThrow(InvalidEventError);
  });

  it('looks keys up case-insensitively with - and _ alike', () => {
    const event = normalizeEvent(
      {
        EVENT: 'click',
        Email_Id: 'e1',
        Message_ID: '<m@x>',
        CLICK_URL: 'https://x.example/a',
        User_Agent: 'UA',
        'x-portal-tracking-id': 't1',
      },
      RECEIVED,
    );
    expect(event).toMatchObject({
      type: 'click',
      emailId: 'e1',
      messageId: '<m@x>',
      url: 'https://x.example/a',
      userAgent: 'UA',
      trackingId: 't1',
    });
  });

  it('accepts url, click_url and link for clicks', () => {
    for (const key of ['url', 'click_url', 'link'])
      expect(normalizeEvent({ event: 'click', [key]: 'https://a.example/' }, RECEIVED).url).toBe(
        'https://a.example/',
      );
  });

  it('never uses sendtime as the event time, and says when the receipt time stands in', () => {
    const event = normalizeEvent({ event: 'open', sendtime: '2026-01-01T00:00:00Z' }, RECEIVED);
    expect(event).toMatchObject({ occurredAt: RECEIVED.toISOString(), timeSource: 'received' });
  });
});

describe('parseEventTime', () => {
  it.each([
    ['2026-03-24T08:23:19Z', '2026-03-24T08:23:19.000Z'],
    ['2026-03-24T10:23:19+02:00', '2026-03-24T08:23:19.000Z'],
    ['2026-03-24T03:23:19-0500', '2026-03-24T08:23:19.000Z'],
    ['2026-03-24 08:23:19.052765+00:00', '2026-03-24T08:23:19.052Z'],
    ['2026-03-24T08:23:19', '2026-03-24T08:23:19.000Z'],
    ['1774340599', '2026-03-24T08:23:19.000Z'],
    ['1774340599123', '2026-03-24T08:23:19.123Z'],
  ])('%s', (input, expected) => {
    expect(parseEventTime(input)?.toISOString()).toBe(expected);
  });

  it.each(['yesterday', '', '12', '2026-13-45T99:00:00Z', '99999999999999999'])(
    '%s is not a time',
    (input) => {
      expect(parseEventTime(input)).toBeNull();
    },
  );
});
