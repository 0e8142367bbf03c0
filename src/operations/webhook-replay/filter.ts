import { UsageError } from '../../core/errors.js';
import { canonicalEventType } from '../../core/tracking-event.js';
import type { TrackingEvent } from '../../core/tracking-event.js';
import { eventEmailId } from '../../store/correlate-event.js';

/** The same narrowing for both sources; `--from-store` does most of it in SQL (see store-source.ts). */
export interface ReplayFilter {
  replyId?: number;
  /** Normalised types (`open`, not `opened`). */
  types?: string[];
  since?: Date;
  /** Exclusive. */
  until?: Date;
  /** A lowercased address, or `@domain`. */
  recipient?: string;
  emailId?: string;
}

/** `--type opened,click --type hard-bounced` → `['open', 'click', 'bounce']`, spelled as the store spells them. */
export function parseTypeFilter(values: string[]): string[] {
  const names = values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (names.length === 0)
    throw new UsageError(
      '--type needs at least one event type',
      'for example --type bounce or --type open,click',
    );
  const types = names.map((name) => canonicalEventType(name).type);
  return [...new Set(types)];
}

/** An address or `@domain`, lowercased; anything else is a usage error. */
export function parseRecipientFilter(value: string): string {
  const text = value.trim().toLowerCase();
  if (/^@[^@\s]+\.[^@\s]+$/.test(text) || /^[^@\s]+@[^@\s]+$/.test(text)) return text;
  throw new UsageError(
    `--recipient "${value}" is neither an address nor @domain`,
    'for example --recipient jo@example.com or --recipient @example.com',
  );
}

export function recipientMatches(
  wanted: string,
  recipient: string | null,
  recipients: readonly string[] = [],
): boolean {
  const candidates = recipient === null ? recipients : [recipient];
  return candidates.some((address) => {
    const lower = address.toLowerCase();
    return wanted.startsWith('@') ? lower.endsWith(wanted) : lower === wanted;
  });
}

/**
 * Whether one parsed event passes the filter. `replyOf` resolves an event to its reply the way the
 * listener links it (email id, tracking id, Message-ID), so `--reply` means the same for a file as for the store.
 */
export function eventMatches(
  event: TrackingEvent,
  filter: ReplayFilter,
  replyOf: (event: TrackingEvent) => number | undefined,
): boolean {
  if (filter.types !== undefined && !filter.types.includes(event.type)) return false;
  if (filter.since !== undefined && event.occurredAt < filter.since.toISOString()) return false;
  if (filter.until !== undefined && event.occurredAt >= filter.until.toISOString()) return false;
  if (filter.emailId !== undefined && eventEmailId(event) !== filter.emailId) return false;
  if (
    filter.recipient !== undefined &&
    !recipientMatches(filter.recipient, event.recipient, event.recipients)
  )
    return false;
  if (filter.replyId !== undefined && replyOf(event) !== filter.replyId) return false;
  return true;
}
