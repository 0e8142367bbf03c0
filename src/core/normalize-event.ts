import type { BounceType, TrackingEvent } from './tracking-event.js';
import { canonicalEventType, KNOWN_EVENT_TYPES } from './tracking-event.js';
import { parseEventTime } from './event-time.js';

export type WebhookFields = Record<string, string | string[]>;

/** An event the listener cannot store at all (no type): a 400 for that event, never a guess. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

const KNOWN = new Set<string>(KNOWN_EVENT_TYPES);

/** Where an event's type may be (canonical keys, first wins); a JSON body must give it as a string. */
export const EVENT_TYPE_KEYS = ['event', 'event-type', 'type'] as const;

/** `Message-Id`, `message_id` and `MESSAGE-ID` are one key: SMTP2Go's form bodies carry several spellings. */
export function canonicalKey(key: string): string {
  return key.trim().toLowerCase().replace(/_/g, '-');
}

/**
 * Case- and separator-insensitive access to webhook fields; the first non-empty spelling wins. The keys
 * asked for must already be canonical (lowercase, `-` not `_`, as canonicalKey gives): they are literals,
 * so they are not canonicalised again on every lookup of every event.
 */
export function createFieldReader(fields: WebhookFields): { text: (...keys: string[]) => string | null; list: (...keys: string[]) => string[] } {
  const byKey = new Map<string, string[]>();
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const canonical = canonicalKey(key);
    let values = byKey.get(canonical);
    if (values === undefined) byKey.set(canonical, (values = []));
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') values.push(item);
  }
  // Hot path (a dozen lookups per event): plain loops, no intermediate arrays.
  const list = (...keys: string[]): string[] => {
    for (const key of keys) {
      const values = byKey.get(key);
      if (values === undefined) continue;
      const found: string[] = [];
      for (const value of values) {
        const trimmed = value.trim();
        if (trimmed !== '') found.push(trimmed);
      }
      if (found.length > 0) return found;
    }
    return [];
  };
  const text = (...keys: string[]): string | null => {
    for (const key of keys) {
      const values = byKey.get(key);
      if (values === undefined) continue;
      for (const value of values) {
        const trimmed = value.trim();
        if (trimmed !== '') return trimmed;
      }
    }
    return null;
  };
  return { list, text };
}

/**
 * One SMTP2Go webhook event (fields as parsed from JSON or a form body) in the shape the store keeps.
 * Reads the real keys (`rcpt`, `time`, `user-agent`), never invented ones, and never guesses a recipient.
 */
export function normalizeEvent(fields: WebhookFields, receivedAt: Date): TrackingEvent {
  const read = createFieldReader(fields);
  const rawType = read.text(...EVENT_TYPE_KEYS);
  if (rawType === null) throw new InvalidEventError('event has no "event" field');
  const alias = canonicalEventType(rawType);
  const type = alias.type;
  const time = parseEventTime(read.text('time', 'timestamp', 'date'));
  const recipients = type === 'processed' ? splitRecipients(read.list('recipients', 'rcpt')) : [];
  return {
    type,
    rawType,
    known: KNOWN.has(type),
    notificationId: read.text('id', 'notification-id', 'event-id'),
    emailId: read.text('email-id'),
    trackingId: read.text('x-portal-tracking-id', 'portal-tracking-id', 'tracking-id'),
    messageId: read.text('message-id'),
    recipient: type === 'processed' ? null : (read.text('rcpt')?.toLowerCase() ?? null),
    recipients,
    url: read.text('url', 'click-url', 'link'),
    userAgent: read.text('user-agent'),
    ip: read.text('srchost', 'ip'),
    bounceType: type === 'bounce' ? bounceType(alias.bounce ?? read.text('bounce', 'bounce-type')) : null,
    detail: detail(read.text('context'), read.text('message')),
    occurredAt: (time ?? receivedAt).toISOString(),
    timeSource: time === null ? 'received' : 'event',
    fields,
  };
}

function bounceType(value: string | null): BounceType | null {
  const lower = value?.toLowerCase() ?? '';
  if (lower.startsWith('hard')) return 'hard';
  if (lower.startsWith('soft')) return 'soft';
  return null;
}

/** `recipients` is an array in JSON and one string (or repeated keys) in form bodies; some senders join with commas. */
function splitRecipients(values: string[]): string[] {
  const all = values.flatMap((value) => value.split(',')).map((value) => value.trim().toLowerCase()).filter((value) => value !== '');
  return [...new Set(all)];
}

function detail(context: string | null, message: string | null): string | null {
  if (context === null) return message;
  if (message === null || message === context) return context;
  // `context: Unavailable` on a delivered event says nothing; the server's reply does.
  return /^unavailable$/i.test(context) ? message : `${context}: ${message}`;
}
