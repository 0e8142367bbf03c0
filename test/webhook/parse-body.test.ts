import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WebhookHttpError } from '../../src/webhook/errors.js';
import { parseFormFields, parseWebhookBody } from '../../src/webhook/parse-body.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8');
const receivedAt = new Date('2026-09-10T09:00:00Z');
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

function refusal(run: () => unknown): number {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookHttpError) return error.status;
    throw error;
  }
  throw new Error('expected a WebhookHttpError');
}

describe('parseWebhookBody', () => {
  it('parses one JSON object and keeps its bytes unchanged', () => {
    const body = fixture('delivered.live.json');
    const { events, errors } = parseWebhookBody(body, 'application/json; charset=utf-8', receivedAt);
    expect(errors).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ rawBody: body, contentType: JSON_TYPE });
    expect(events[0]?.event).toMatchObject({
      type: 'delivered',
      emailId: '1vomg2-abc123',
      recipient: 'user@example.com',
    });
  });

  it('parses a JSON array and {"events": [...]}, each event carrying its own JSON', () => {
    const a = JSON.parse(fixture('processed.live.json')) as Record<string, unknown>;
    const b = JSON.parse(fixture('delivered.live.json')) as Record<string, unknown>;
    for (const body of [JSON.stringify([a, b]), JSON.stringify({ events: [a, b] })]) {
      const { events, errors } = parseWebhookBody(body, JSON_TYPE, receivedAt);
      expect(errors).toEqual([]);
      expect(events.map((item) => item.event.type)).toEqual(['processed', 'delivered']);
      expect(events.map((item) => JSON.parse(item.rawBody))).toEqual([a, b]);
      expect(events[0]?.event.recipients).toEqual(['user@example.com', 'user2@example.com']);
    }
  });

  it('parses a form body with both key spellings and keeps the original body', () => {
    const body = fixture('delivered.live.form');
    const { events } = parseWebhookBody(body, FORM_TYPE, receivedAt);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ rawBody: body, contentType: FORM_TYPE });
    expect(events[0]?.event).toMatchObject({
      type: 'delivered',
      notificationId: '6dfa7d3b4514c1f5f0e916bc0cc0395c',
      recipient: 'alexis.pujo@pm.me',
      occurredAt: '2026-03-24T08:23:19.000Z',
    });
  });

  it('turns repeated form keys into arrays (recipients once or several times)', () => {
    expect(parseFormFields('event=processed&recipients=a%40x.org')).toEqual({
      event: 'processed',
      recipients: 'a@x.org',
    });
    expect(
      parseFormFields('recipients=a%40x.org&event=processed&recipients=b%40x.org&recipients=c%40x.org'),
    ).toEqual({
      event: 'processed',
      recipients: ['a@x.org', 'b@x.org', 'c@x.org'],
    });
    const { events } = parseWebhookBody(
      'event=processed&recipients=A%40x.org&recipients=b%40x.org',
      FORM_TYPE,
      receivedAt,
    );
    expect(events[0]?.event.recipients).toEqual(['a@x.org', 'b@x.org']);
  });

  it('flattens JSON numbers and nested values to strings and drops nulls', () => {
    const body = JSON.stringify({
      event: 'open',
      time: 1789027500,
      rcpt: null,
      'read-secs': 15,
      extra: { a: 1 },
    });
    const { events } = parseWebhookBody(body, JSON_TYPE, receivedAt);
    expect(events[0]?.event.fields).toEqual({
      event: 'open',
      time: '1789027500',
      'read-secs': '15',
      extra: '{"a":1}',
    });
    expect(events[0]?.event.recipient).toBeNull();
  });

  it('reports an event without a type as an error, not an event', () => {
    const { events, errors } = parseWebhookBody(
      JSON.stringify([{ event: 'open' }, { rcpt: 'x@y.org' }]),
      JSON_TYPE,
      receivedAt,
    );
    expect(events).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^event 2: /);
  });

  it.each([
    ['text/plain', 'event=open', 415],
    ['', 'event=open', 415],
    ['application/xml', '<event/>', 415],
    [JSON_TYPE, '{"event":', 400],
    [JSON_TYPE, '"open"', 400],
    [JSON_TYPE, '[]', 400],
    [JSON_TYPE, '[1, 2]', 400],
    [JSON_TYPE, '{"events": [null]}', 400],
    [FORM_TYPE, '', 400],
    [FORM_TYPE, '&&', 400],
  ])('%s %j → %i', (type, body, status) => {
    expect(refusal(() => parseWebhookBody(body, type, receivedAt))).toBe(status);
  });
});
