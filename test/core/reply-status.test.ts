import { describe, expect, it } from 'vitest';
import {
  recipientStatus,
  REPLY_STATUSES,
  summarizeReplyStatus,
  topStatus,
  type StatusColumns,
} from '../../src/core/reply-status.js';

const T = '2026-11-24T10:00:00.000Z';
const LATER = '2026-11-24T11:00:00.000Z';

const blank: StatusColumns = {
  sent_at: null,
  processed_at: null,
  delivered_at: null,
  opened_at: null,
  clicked_at: null,
  bounced_at: null,
  spam_at: null,
  rejected_at: null,
  unsubscribed_at: null,
  resubscribed_at: null,
  send_status: null,
};
const row = (fields: Partial<StatusColumns>): StatusColumns => ({ ...blank, ...fields });

describe('recipientStatus', () => {
  it.each<[string, Partial<StatusColumns>]>([
    ['pending', {}],
    ['pending', { send_status: 'ambiguous' }],
    ['failed', { send_status: 'failed' }],
    ['sent', { send_status: 'sent' }],
    ['sent', { sent_at: T }],
    ['processed', { sent_at: T, processed_at: T }],
    ['delivered', { sent_at: T, processed_at: T, delivered_at: T }],
    ['opened', { delivered_at: T, opened_at: T }],
    ['clicked', { delivered_at: T, opened_at: T, clicked_at: T }],
    ['unsubscribed', { delivered_at: T, opened_at: T, clicked_at: T, unsubscribed_at: T }],
    ['rejected', { sent_at: T, rejected_at: T, processed_at: T }],
    ['spam', { delivered_at: T, opened_at: T, spam_at: T, unsubscribed_at: T }],
    ['bounced', { delivered_at: T, bounced_at: T, spam_at: T, rejected_at: T, send_status: 'sent' }],
    // A later resubscribe undoes the unsubscribe; an earlier one does not.
    ['clicked', { clicked_at: T, unsubscribed_at: T, resubscribed_at: LATER }],
    ['unsubscribed', { clicked_at: T, unsubscribed_at: LATER, resubscribed_at: T }],
    // Events win over a failed send record (SMTP2Go saw the mail after all).
    ['delivered', { send_status: 'failed', delivered_at: T }],
  ])('%s for %j', (expected, fields) => {
    expect(recipientStatus(row(fields))).toBe(expected);
  });
});

describe('topStatus', () => {
  it('follows the priority order bounced … pending', () => {
    for (let i = 0; i < REPLY_STATUSES.length; i++) {
      const tail = REPLY_STATUSES.slice(i);
      expect(topStatus([...tail].reverse())).toBe(REPLY_STATUSES[i]);
    }
    expect(topStatus([])).toBe('pending');
  });
});

describe('summarizeReplyStatus', () => {
  const reply = row({ sent_at: T });

  it('uses the reply columns when there are no recipient rows', () => {
    expect(summarizeReplyStatus(row({ delivered_at: T }), [])).toEqual({
      status: 'delivered',
      mixed: false,
      text: 'delivered',
    });
  });

  it('one recipient: the plain status', () => {
    expect(summarizeReplyStatus(reply, [row({ opened_at: T })])).toEqual({
      status: 'opened',
      mixed: false,
      text: 'opened',
    });
  });

  it('recipients in the same state say so', () => {
    expect(summarizeReplyStatus(reply, [row({ delivered_at: T }), row({ delivered_at: T })]).text).toBe(
      'delivered (all 2)',
    );
  });

  it('mixed recipients: the top status plus "delivered to 2 of 3, bounced 1"', () => {
    const summary = summarizeReplyStatus(reply, [
      row({ delivered_at: T }),
      row({ delivered_at: T }),
      row({ bounced_at: T }),
    ]);
    expect(summary).toEqual({ status: 'bounced', mixed: true, text: 'delivered to 2 of 3, bounced 1' });
  });

  it('opens and clicks count as delivered, and are named', () => {
    const summary = summarizeReplyStatus(reply, [
      row({ clicked_at: T, opened_at: T }),
      row({ opened_at: T }),
      row({ delivered_at: T }),
      row({ send_status: 'failed' }),
    ]);
    expect(summary).toEqual({
      status: 'clicked',
      mixed: true,
      text: 'delivered to 3 of 4, opened by 2, clicked by 1, failed 1',
    });
  });

  it('names recipients still in flight', () => {
    expect(
      summarizeReplyStatus(reply, [row({ delivered_at: T }), row({ processed_at: T }), row({})]).text,
    ).toBe('delivered to 1 of 3, processed 1, pending 1');
  });
});
