import { describe, expect, it } from 'vitest';
import { parseActivityEvent } from '../../src/smtp2go/activity-api.js';
import { activityToWebhookFields } from '../../src/smtp2go/activity-events.js';

// Rows shaped like SMTP2Go's documented /activity/search answer (API reference v3.0.4).
const base = {
  from: 'rob@example.co.uk',
  recipient: 'jo@another_example.com',
  subaccount_name: 'Master account',
  email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
  subject: 'My Test Email',
  sender: 'rob@example.co.uk',
  host: '136.143.191.44',
  custom_headers: { 'X-Portal-Tracking-Id': 'trk-123' },
};

describe('activityToWebhookFields', () => {
  it.each([
    ['opened', { event: 'open' }],
    ['clicked', { event: 'click' }],
    ['hard-bounced', { event: 'bounce', bounce: 'hard' }],
    ['soft-bounced', { event: 'bounce', bounce: 'soft' }],
    ['rejected', { event: 'reject' }],
    ['unsubscribed', { event: 'unsubscribe' }],
    ['resubscribed', { event: 'resubscribe' }],
    ['spam', { event: 'spam' }],
    ['delivered', { event: 'delivered' }],
    ['Some-New-Event', { event: 'some-new-event' }],
  ])('%s → %j', (event, expected) => {
    const fields = activityToWebhookFields(
      parseActivityEvent({ ...base, event, date: '2022-11-12T07:44:58Z' }),
    );
    expect(fields).toMatchObject(expected);
    if (!('bounce' in expected)) expect(fields.bounce).toBeUndefined();
  });

  it('carries the webhook keys: time, email_id, rcpt, the tracking header, the SMTP reply as message', () => {
    const fields = activityToWebhookFields(
      parseActivityEvent({
        ...base,
        event: 'delivered',
        date: '2022-11-12T07:44:58Z',
        smtp_response: '250 Message received',
      }),
    );
    expect(fields).toEqual({
      event: 'delivered',
      time: '2022-11-12T07:44:58Z',
      email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
      rcpt: 'jo@another_example.com',
      sender: 'rob@example.co.uk',
      subject: 'My Test Email',
      host: '136.143.191.44',
      message: '250 Message received',
      'X-Portal-Tracking-Id': 'trk-123',
    });
  });

  it('a click keeps its URL (top level or in metadata); processed has recipients, not rcpt', () => {
    const click = activityToWebhookFields(
      parseActivityEvent({
        ...base,
        event: 'clicked',
        date: '2022-11-12T08:00:00Z',
        metadata: { url: 'https://example.com/a', user_agent: 'Mozilla/5.0' },
      }),
    );
    expect(click).toMatchObject({ url: 'https://example.com/a', 'user-agent': 'Mozilla/5.0' });
    const processed = activityToWebhookFields(
      parseActivityEvent({
        ...base,
        event: 'processed',
        date: '2022-11-12T07:44:50Z',
        recipients: ['jo@another_example.com', 'b@x.example'],
      }),
    );
    expect(processed.rcpt).toBeUndefined();
    expect(processed.recipients).toEqual(['jo@another_example.com', 'b@x.example']);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'Constructor'])(
    'round two #1: an activity event named %s stays that (unknown) event, not an Object.prototype member',
    (event) => {
      const fields = activityToWebhookFields(
        parseActivityEvent({ ...base, event, date: '2022-11-12T07:44:58Z' }),
      );
      expect(fields.event).toBe(event.toLowerCase());
      expect(fields.bounce).toBeUndefined();
    },
  );
});
