// Sent replies for the listener benches: each with an SMTP2Go email id and two recipients (to and cc), as
// `send-test` leaves them, so webhook events for them link. Shared by webhook-throughput.mjs and tracking.mjs.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

/**
 * Inserts `replies` replies in one transaction and returns `[{ emailId, rcpt }]`; `onReply(reply, rcpt, now)`
 * runs inside the transaction for extra rows (tracking tokens).
 */
export async function seedSentReplies(store, replies, onReply = () => undefined) {
  const { createReply } = await dist('store/replies.js');
  const { recordSmtp2goEmailId } = await dist('store/reply-sends.js');
  const salt = randomBytes(4).toString('hex');
  const list = [];
  const now = new Date();
  store.transaction(() => {
    for (let i = 0; i < replies; i += 1) {
      const tracking = `bench-${salt}-${i}`;
      const rcpt = [`customer${i}@example.org`, `cc${i}@example.net`];
      const reply = createReply(
        store,
        {
          ticketId: 1000 + i,
          subject: `Re: ticket ${1000 + i}`,
          sender: 'help@example.com',
          trackingId: tracking,
          messageId: `<${tracking}@help.example.com>`,
          recipients: rcpt.map((email, n) => ({ email, displayName: null, role: n === 0 ? 'to' : 'cc' })),
        },
        now,
      );
      const emailId = `1w${salt}-${String(i).padStart(6, '0')}-BENCH`;
      recordSmtp2goEmailId(store, reply.id, emailId, now);
      list.push({ emailId, rcpt });
      onReply(reply, rcpt, now);
    }
  })();
  return list;
}
