import { createLookupTable } from './lookup-table.js';

/**
 * The normalised form of one SMTP2Go webhook event: what the listener, `webhook replay`,
 * `webhook trigger` and `reconcile` all hand to the store (src/store/ingest-events.ts).
 */
export const KNOWN_EVENT_TYPES = [
  'processed',
  'delivered',
  'open',
  'click',
  'bounce',
  'spam',
  'reject',
  'unsubscribe',
  'resubscribe',
] as const;

/** 'unknown': a bounce that said neither hard nor soft and carried no SMTP code to tell. */
export type BounceType = 'hard' | 'soft' | 'unknown';

export interface TrackingEvent {
  /** Normalised type (`open` for `opened`, `bounce` for `hard-bounced`...); an unknown type is kept lowercased as received. */
  type: string;
  /** The event name exactly as SMTP2Go sent it. */
  rawType: string;
  known: boolean;
  /** SMTP2Go's per-notification `id` (32 hex); repeated on retries, so it is the best dedupe key. */
  notificationId: string | null;
  /** SMTP2Go's `email_id`, the same as the send response's `data.email_id`. */
  emailId: string | null;
  /** Our `X-Portal-Tracking-Id` header echoed back as a field, when the webhook is set to send it. */
  trackingId: string | null;
  /** `message-id` as sent, angle brackets kept. */
  messageId: string | null;
  /** `rcpt` (else `recipient` or `email`) as a bare address, lowercased; null when absent (never guessed). */
  recipient: string | null;
  /** `recipients` of a `processed` event, lowercased. */
  recipients: string[];
  url: string | null;
  userAgent: string | null;
  ip: string | null;
  bounceType: BounceType | null;
  /** Remote server reply, context and reason, for bounces and rejects. */
  detail: string | null;
  /** Event time, ISO-8601 UTC from Date#toISOString(). */
  occurredAt: string;
  /** 'received' when the payload had no usable `time` and the receipt time stands in. */
  timeSource: 'event' | 'received';
  /** The event's own fields as received (keys as sent), for the stored payload. */
  fields: Record<string, string | string[]>;
  /** First-party hits only (the portal's pixel and redirect): who made the request (core/classify-hit.ts). */
  classification?: HitClassification;
}

export type HitClassification = 'human' | 'apple_proxy' | 'image_proxy' | 'scanner';

/** One event plus the bytes it came in, so `webhook replay --from-store` can resend it unchanged. */
export interface IncomingEvent {
  event: TrackingEvent;
  rawBody: string;
  contentType: string;
  /** Overrides the batch's source: the listener commits its own pixel and click hits as `first_party`. */
  source?: EventSource;
}

export type EventSource = 'webhook' | 'replay' | 'trigger' | 'reconcile' | 'first_party';

// Every spelling seen in SMTP2Go webhooks, its activity log and other receivers (SMTP2GO.md).
const TYPE_ALIASES = createLookupTable<{ type: string; bounce?: BounceType }>({
  processed: { type: 'processed' },
  delivered: { type: 'delivered' },
  delivery: { type: 'delivered' },
  open: { type: 'open' },
  opened: { type: 'open' },
  click: { type: 'click' },
  clicked: { type: 'click' },
  bounce: { type: 'bounce' },
  bounced: { type: 'bounce' },
  'hard-bounced': { type: 'bounce', bounce: 'hard' },
  hard_bounced: { type: 'bounce', bounce: 'hard' },
  hardbounce: { type: 'bounce', bounce: 'hard' },
  'soft-bounced': { type: 'bounce', bounce: 'soft' },
  soft_bounced: { type: 'bounce', bounce: 'soft' },
  softbounce: { type: 'bounce', bounce: 'soft' },
  spam: { type: 'spam' },
  spam_complaint: { type: 'spam' },
  'spam-complaint': { type: 'spam' },
  complaint: { type: 'spam' },
  reject: { type: 'reject' },
  rejected: { type: 'reject' },
  unsubscribe: { type: 'unsubscribe' },
  unsubscribed: { type: 'unsubscribe' },
  resubscribe: { type: 'resubscribe' },
  resubscribed: { type: 'resubscribe' },
});

/** An event name in any spelling SMTP2Go or a receiver uses (`opened`, `hard-bounced`), as the store keeps it. */
export function canonicalEventType(name: string): { type: string; bounce?: BounceType } {
  const lower = name.trim().toLowerCase();
  return TYPE_ALIASES[lower] ?? { type: lower };
}
