import type { IncomingEvent, TrackingEvent } from '../../core/tracking-event.js';
import { eventEmailId } from '../../store/correlate-event.js';
import { isWebhookHttpError } from '../../webhook/errors.js';
import { parseWebhookBody } from '../../webhook/parse-body.js';
import { eventMatches, recipientMatches, type ReplayFilter } from './filter.js';
import type { SourceItem } from './source.js';

/** One event ready to go: the bytes to send and what to report about it. */
export interface PreparedEvent {
  position: number;
  type: string;
  recipient: string | null;
  emailId: string | null;
  occurredAt: string | null;
  rawBody: string;
  contentType: string;
  /** The parsed event, for a local replay; null when a stored row is sent as is without parsing. */
  incoming: IncomingEvent | null;
}

export type Prepared = { kind: 'events'; events: PreparedEvent[] } | { kind: 'malformed'; message: string };

export interface PrepareContext {
  filter: ReplayFilter;
  /** A local replay needs the parsed events; a delivery of stored rows does not. */
  needParsed: boolean;
  receivedAt: () => Date;
  replyOf: (event: TrackingEvent) => number | undefined;
}

/**
 * Turns one record into the events to replay. File records always go through the listener's own parser
 * (what it would refuse is malformed here too) and are filtered per event; stored rows were filtered in
 * SQL and are parsed only when needed (local replay, or `--recipient` on a row without a single recipient).
 */
export function prepareRecord(
  record: Extract<SourceItem, { kind: 'record' }>,
  ctx: PrepareContext,
): Prepared {
  const stored = record.stored;
  const recipientUnknown = stored !== null && stored.recipient === null && ctx.filter.recipient !== undefined;
  if (stored !== null && !ctx.needParsed && !recipientUnknown) {
    const event: PreparedEvent = {
      position: record.position,
      type: stored.eventType,
      recipient: stored.recipient,
      emailId: stored.emailId,
      occurredAt: stored.occurredAt,
      rawBody: record.rawBody,
      contentType: record.contentType,
      incoming: null,
    };
    return { kind: 'events', events: [event] };
  }
  let incoming: IncomingEvent[];
  try {
    const parsed = parseWebhookBody(record.rawBody, record.contentType, ctx.receivedAt());
    // The listener refuses the whole body when any event in it is unusable; so does a replay.
    if (parsed.errors.length > 0) return { kind: 'malformed', message: parsed.errors.join('; ') };
    incoming = parsed.events;
  } catch (error) {
    if (isWebhookHttpError(error)) return { kind: 'malformed', message: error.message };
    throw error;
  }
  const keep =
    stored !== null
      ? (item: IncomingEvent) =>
          ctx.filter.recipient === undefined ||
          recipientMatches(ctx.filter.recipient, item.event.recipient, item.event.recipients)
      : (item: IncomingEvent) => eventMatches(item.event, ctx.filter, ctx.replyOf);
  const events = incoming.filter(keep).map((item): PreparedEvent => ({
    position: record.position,
    type: item.event.type,
    recipient:
      item.event.recipient ?? (item.event.recipients.length > 0 ? item.event.recipients.join(',') : null),
    emailId: eventEmailId(item.event),
    occurredAt: item.event.occurredAt,
    // A stored row goes out byte for byte; a file record as the listener would have stored it.
    rawBody: stored !== null && incoming.length === 1 ? record.rawBody : item.rawBody,
    contentType: stored !== null && incoming.length === 1 ? record.contentType : item.contentType,
    incoming: item,
  }));
  return { kind: 'events', events };
}
