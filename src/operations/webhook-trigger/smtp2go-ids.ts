import { createHash } from 'node:crypto';

/** Random bytes; injected so tests get the same event twice. */
export type RandomBytes = (size: number) => Buffer;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alphanumeric(bytes: Buffer, length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += ALPHABET[(bytes[i % bytes.length] ?? 0) % ALPHABET.length];
  return text;
}

/** A per-notification `id`: 32 lowercase hex, fresh for every event (SMTP2Go repeats it only on retries). */
export function notificationId(random: RandomBytes): string {
  return random(16).toString('hex');
}

/** An id shaped like SMTP2Go's `email_id` (`1u0SwL-B9zBpi9ffUq-JAB2`: 6, 12 and 4 letters or digits). */
export function emailIdFrom(bytes: Buffer): string {
  const text = alphanumeric(bytes, 21);
  return `1${text.slice(0, 5)}-${text.slice(5, 17)}-${text.slice(17, 21)}`;
}

/**
 * The email id for a reply SMTP2Go never gave one (relay-only, still pending, a demo): derived from the
 * reply's tracking id, so every event triggered for that reply names the same email, as SMTP2Go's would.
 */
export function derivedEmailId(seed: string): string {
  return emailIdFrom(createHash('sha256').update(seed).digest());
}

/** SMTP2Go's own Message-ID for an email (seen in live form bodies), used when the reply has none. */
export function smtpcorpMessageId(emailId: string): string {
  return `<E${emailId}@message-id.smtpcorp.com>`;
}

/** A Postfix-style queue id for `250 2.0.0 Ok: queued as …` replies. */
export function queueId(random: RandomBytes): string {
  return alphanumeric(random(13), 13);
}

/** `2026-03-24T08:23:19Z`: SMTP2Go's `time` has whole seconds. */
export function webhookTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2026-03-24T08:23:19.052765+00:00`: SMTP2Go's `sendtime` has microseconds and an offset. */
export function webhookSendTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}
