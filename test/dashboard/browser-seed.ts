// Stores for the browser tests, built through the send path's store functions and the listener's own ingest
// (see test/operations/stats-stores.ts): two weeks of replies so the charts have days to draw, the reply the
// live test posts to, and a reply whose every field carries markup.
import type { Store } from '../../src/store/open-store.js';
import { recordSendAttempt } from '../../src/store/send-attempts.js';
import { fromFixture, post, recordSend } from '../operations/stats-stores.js';

export const LIVE_EMAIL_ID = '1uLive-0001';
export const LIVE_RECIPIENT = 'live@example.com';
const HOSTILE_EMAIL_ID = 'hostile-email-0001';
const HOSTILE_RECIPIENT = '"<img src=x onerror=window.__pwned=1>"@evil.test';

const DOMAINS = ['gmail.test', 'outlook.test', 'example.org', 'proton.test'];
const BOUNCES = [
  '550 5.1.1 The email account that you tried to reach does not exist',
  '552 5.2.2 Mailbox full',
  '550 5.7.1 Message rejected as spam',
];
const MIN = 60_000;

/** 14 days of replies (2 to 5 a day), delivered, opened, clicked or bounced by a fixed pattern. */
export function seedHistory(store: Store, now: Date): void {
  let n = 0;
  for (let day = 14; day >= 1; day -= 1) {
    for (let k = 0; k < 2 + (day % 4); k += 1) {
      n += 1;
      const sentAt = new Date(now.getTime() - day * 86_400_000 + k * 37 * MIN);
      const to = `customer${n}@${DOMAINS[n % DOMAINS.length]}`;
      const emailId = `1uSeed-${String(n).padStart(4, '0')}`;
      recordSend(store, {
        to: [to],
        transport: n % 9 === 0 ? 'smtp' : 'api',
        emailId,
        ticketId: 2000 + n,
        sentAt,
        subject: `Re: ticket ${2000 + n}`,
        ...(n % 9 === 0 ? { fallbackReason: 'api unreachable' } : {}),
      });
      const at = (minutes: number) => new Date(sentAt.getTime() + minutes * MIN).toISOString();
      const event = (fixture: string, fields: Record<string, unknown>, id: string) =>
        post(
          store,
          fromFixture(fixture, { email_id: emailId, rcpt: to, id: `${emailId}-${id}`, ...fields }),
          new Date(fields.time as string),
        );
      event('processed.live.json', { recipients: [to], time: at(0.1) }, 'p');
      if (n % 7 === 3) {
        event('bounce-hard.live.json', { time: at(1 + (n % 3)), message: BOUNCES[n % BOUNCES.length] }, 'b');
        continue;
      }
      event('delivered.live.json', { time: at(0.2 + (n % 5) * 0.3) }, 'd');
      if (n % 3 !== 0) event('open.docs.json', { time: at(20 + (n % 11) * 25) }, 'o');
      if (n % 4 === 1)
        event(
          'open.docs.json',
          { event: 'click', url: 'https://help.example.com/kb/42', time: at(40 + (n % 11) * 25) },
          'c',
        );
    }
  }
  const live = recordSend(store, {
    to: [LIVE_RECIPIENT],
    cc: ['manager@example.org'],
    transport: 'api',
    emailId: LIVE_EMAIL_ID,
    ticketId: 1042,
    subject: 'Re: your printer is on fire',
    sentAt: new Date(now.getTime() - 5 * MIN),
  });
  const sent = new Date(now.getTime() - 5 * MIN);
  recordSendAttempt(store, {
    replyId: live,
    transport: 'api',
    ok: false,
    outcome: 'retry',
    httpStatus: 503,
    errorClass: 'server_error',
    error: 'SMTP2Go answered HTTP 503: service unavailable',
    emailId: null,
    ms: 121,
    startedAt: sent,
  });
  recordSendAttempt(store, {
    replyId: live,
    transport: 'api',
    ok: true,
    outcome: 'sent',
    httpStatus: 200,
    errorClass: null,
    error: null,
    emailId: LIVE_EMAIL_ID,
    ms: 388,
    startedAt: new Date(sent.getTime() + 600),
  });
  const at = (ms: number) => new Date(sent.getTime() + ms);
  post(
    store,
    fromFixture('processed.live.json', {
      email_id: LIVE_EMAIL_ID,
      recipients: [LIVE_RECIPIENT, 'manager@example.org'],
      id: 'live-p',
      time: at(2000).toISOString(),
    }),
    at(2100),
  );
  post(
    store,
    fromFixture('delivered.live.json', {
      email_id: LIVE_EMAIL_ID,
      rcpt: 'manager@example.org',
      id: 'live-d1',
      time: at(4000).toISOString(),
    }),
    at(4100),
  );
}

/** A reply whose subject and recipient are markup; the test posts its hostile events to it. */
export function seedHostileReply(store: Store, now: Date): number {
  return recordSend(store, {
    to: [HOSTILE_RECIPIENT],
    transport: 'api',
    emailId: HOSTILE_EMAIL_ID,
    ticketId: 666,
    sentAt: new Date(now.getTime() - 2 * MIN),
    subject: '<script>window.__pwned=7</script>Re: <b onmouseover=window.__pwned=8>hello</b>',
  });
}
