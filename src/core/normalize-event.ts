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
function createFieldReader(fields: WebhookFields): {
  text: (...keys: string[]) => string | null;
  list: (...keys: string[]) => string[];
} {
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
 * Reads the real keys (`rcpt`, `time`, `user-agent`) first, and never guesses a recipient. Other
 * integrations send the recipient as `recipient` or `email`: read as a fallback, so the event keeps it.
 */
export function normalizeEvent(fields: WebhookFields, receivedAt: Date): TrackingEvent {
  const read = createFieldReader(fields);
  const rawType = read.text(...EVENT_TYPE_KEYS);
  if (rawType === null) throw new InvalidEventError('event has no "event" field');
  const alias = canonicalEventType(rawType);
  const type = alias.type;
  const time = parseEventTime(read.text('time', 'timestamp', 'date'));
  const recipients =
    type === 'processed' ? splitRecipients(read.list('recipients', 'rcpt', 'recipient', 'email')) : [];
  const context = read.text('context');
  const message = read.text('message');
  const reason = read.text('reason');
  return {
    type,
    rawType,
    known: KNOWN.has(type),
    notificationId: read.text('id', 'notification-id', 'event-id'),
    emailId: read.text('email-id'),
    trackingId: read.text('x-portal-tracking-id', 'portal-tracking-id', 'tracking-id'),
    messageId: read.text('message-id'),
    recipient: type === 'processed' ? null : mailboxAddress(read.text('rcpt', 'recipient', 'email') ?? ''),
    recipients,
    url: read.text('url', 'click-url', 'link'),
    userAgent: read.text('user-agent'),
    ip: read.text('srchost', 'ip'),
    bounceType:
      type === 'bounce'
        ? bounceType(alias.bounce ?? read.text('bounce', 'bounce-type'), [message, reason, context])
        : null,
    detail: detail(context, message, reason),
    occurredAt: (time ?? receivedAt).toISOString(),
    timeSource: time === null ? 'received' : 'event',
    fields,
  };
}

// A reply code where a server's reply starts (`550 …`, `DATA: 452 …`, `smtp; 550-…`), or an enhanced
// status code (`5.1.1`) anywhere. A bare number mid-sentence ("over 500 recipients") is not one.
const SMTP_CODE = /(?:^|[:;])\s*([45])\d\d(?![\w.])|(?:^|[^\w.])([45])\.\d{1,3}\.\d{1,3}(?![\w.])/;

/**
 * `bounce: hard|soft` when SMTP2Go says so; otherwise the remote server's SMTP code decides (5xx is
 * permanent, 4xx temporary), message first as the server's own words; without one it stays `unknown`.
 */
function bounceType(stated: string | null, texts: Array<string | null>): BounceType {
  const lower = stated?.toLowerCase() ?? '';
  if (lower.startsWith('hard')) return 'hard';
  if (lower.startsWith('soft')) return 'soft';
  for (const text of texts) {
    const code = text === null ? null : SMTP_CODE.exec(text);
    if (code) return (code[1] ?? code[2]) === '5' ? 'hard' : 'soft';
  }
  return 'unknown';
}

/**
 * `recipients` is an array in JSON and one string (or repeated keys) in form bodies; some senders join
 * with commas, others with semicolons. A separator inside a quoted display name or `<…>` is not one.
 */
function splitRecipients(values: string[]): string[] {
  const all: string[] = [];
  for (const value of values) {
    for (const part of /["<]/.test(value) ? splitMailboxes(value) : value.split(/[,;]/)) {
      const address = mailboxAddress(part);
      if (address !== null) all.push(address);
    }
  }
  return [...new Set(all)];
}

function splitMailboxes(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let angled = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '<') angled = true;
    else if (char === '>') angled = false;
    else if (!angled && (char === ',' || char === ';')) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/** `Alice <ALICE@Example.ORG>` and `<alice@example.org>` are `alice@example.org`, as the reply's recipient rows hold it. */
function mailboxAddress(value: string): string | null {
  const angled = /<([^<>]*)>\s*$/.exec(value);
  const address = (angled === null ? value : angled[1]!).trim().toLowerCase();
  return address === '' ? null : address;
}

/** The remote server's words, however the sender named them: `context`, `message`, and `reason` (bounces and rejects). */
function detail(context: string | null, message: string | null, reason: string | null): string | null {
  // `context: Unavailable` on a delivered event says nothing; the server's reply does.
  const parts = [
    context !== null && /^unavailable$/i.test(context) && (message ?? reason) !== null ? null : context,
    message,
    reason,
  ];
  const said = parts.filter((part, i): part is string => part !== null && parts.indexOf(part) === i);
  return said.length === 0 ? null : said.join(': ');
}
