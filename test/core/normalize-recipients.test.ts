import { describe, expect, it } from 'vitest';
import { normalizeEvent, type WebhookFields } from '../../src/core/normalize-event.js';

// Payload shapes from other SMTP2Go integrations' test suites and docs (issue 12, round two).
const RECEIVED = new Date('2026-11-30T12:00:00.000Z');
const normalize = (fields: WebhookFields) => normalizeEvent(fields, RECEIVED);

describe('normalizeEvent: recipients, details and bounce kinds written by others', () => {
  it('round two #11: reads the recipient under `recipient` or `email` when there is no `rcpt`', () => {
    expect(normalize({ event: 'delivered', recipient: 'Bob@Example.ORG' }).recipient).toBe('bob@example.org');
    expect(normalize({ event: 'open', email: 'carol@example.net' }).recipient).toBe('carol@example.net');
    // `rcpt` is SMTP2Go's own key: it wins over the others.
    expect(
      normalize({ event: 'click', rcpt: 'a@x.example', recipient: 'b@x.example', email: 'c@x.example' })
        .recipient,
    ).toBe('a@x.example');
    // `email_id` is not `email`.
    expect(normalize({ event: 'open', email_id: 'E1' }).recipient).toBeNull();
    // A processed event's list under the same keys.
    expect(normalize({ event: 'processed', recipient: 'a@x.example' }).recipients).toEqual(['a@x.example']);
  });

  it('round two #12: keeps bounce and reject `reason` text in the detail', () => {
    expect(
      normalize({ event: 'bounce', rcpt: 'a@x.example', bounce: 'hard', reason: '550 5.1.1 unknown user' })
        .detail,
    ).toBe('550 5.1.1 unknown user');
    expect(
      normalize({ event: 'reject', rcpt: 'a@x.example', reason: 'Sender is on the suppression list' }).detail,
    ).toBe('Sender is on the suppression list');
    expect(
      normalize({
        event: 'bounce',
        bounce: 'soft',
        context: 'DATA',
        message: '452 Mailbox full',
        reason: 'mailbox full',
      }).detail,
    ).toBe('DATA: 452 Mailbox full: mailbox full');
    // The same text under two keys is said once.
    expect(
      normalize({ event: 'bounce', bounce: 'hard', message: '550 no such user', reason: '550 no such user' })
        .detail,
    ).toBe('550 no such user');
  });

  it('round two #13: splits processed recipients joined with `;` as well as `,`', () => {
    expect(
      normalize({ event: 'processed', recipients: 'a@x.example; B@y.example;c@z.example' }).recipients,
    ).toEqual(['a@x.example', 'b@y.example', 'c@z.example']);
    expect(
      normalize({ event: 'processed', recipients: ['a@x.example;b@y.example', 'c@z.example, a@x.example'] })
        .recipients,
    ).toEqual(['a@x.example', 'b@y.example', 'c@z.example']);
    // A quoted display name may hold either separator; it is not a split point.
    expect(
      normalize({ event: 'processed', recipients: '"Doe, John" <J@x.example>; "Roe; Jane" <jane@y.example>' })
        .recipients,
    ).toEqual(['j@x.example', 'jane@y.example']);
  });

  it.each([
    ['RCPT TO:<a@x.example>', '550 5.1.1 user unknown', 'hard'],
    ['DATA: 452 Mailbox full', null, 'soft'],
    [null, '421 4.7.0 try again later', 'soft'],
    [null, 'mailbox unavailable (5.2.1)', 'hard'],
    ['RCPT TO:<a@x.example>', 'connection timed out', 'unknown'],
    [null, null, 'unknown'],
  ])(
    'round two #14: a bounce without a hard/soft type is classified from its SMTP code (%s / %s → %s)',
    (context, message, expected) => {
      const fields: WebhookFields = { event: 'bounce', rcpt: 'a@x.example' };
      if (context !== null) fields.context = context;
      if (message !== null) fields.message = message;
      expect(normalize(fields).bounceType).toBe(expected);
    },
  );

  it('round two #14: a stated type wins over the code, and a code hidden in other numbers is not one', () => {
    expect(normalize({ event: 'bounce', bounce: 'soft', message: '550 5.1.1 user unknown' }).bounceType).toBe(
      'soft',
    );
    expect(normalize({ event: 'hard-bounced', message: '452 full' }).bounceType).toBe('hard');
    expect(normalize({ event: 'bounce', reason: 'queued as 4550A12, then 2026-11-30 lost' }).bounceType).toBe(
      'unknown',
    );
    expect(normalize({ event: 'bounce', reason: 'remote said 554 5.7.1 rejected' }).bounceType).toBe('hard');
    expect(normalize({ event: 'bounce', message: 'message refused: over 500 recipients' }).bounceType).toBe(
      'unknown',
    );
    expect(normalize({ event: 'bounce', message: 'smtp; 421 too busy' }).bounceType).toBe('soft');
    // Only bounces carry a bounce kind.
    expect(normalize({ event: 'reject', message: '550 no' }).bounceType).toBeNull();
  });

  it('round two #15: a recipient with a display name is its bare address, lowercased', () => {
    expect(normalize({ event: 'delivered', rcpt: 'Alice <ALICE@Example.ORG>' }).recipient).toBe(
      'alice@example.org',
    );
    expect(normalize({ event: 'open', rcpt: '"Smith, Alice" <alice@example.org>' }).recipient).toBe(
      'alice@example.org',
    );
    expect(normalize({ event: 'open', recipient: '<bob@example.org>' }).recipient).toBe('bob@example.org');
    expect(
      normalize({ event: 'processed', recipients: ['Alice <ALICE@Example.ORG>', 'bob@example.org'] })
        .recipients,
    ).toEqual(['alice@example.org', 'bob@example.org']);
  });
});
