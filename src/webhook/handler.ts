import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingEvent } from '../core/tracking-event.js';
import type { IngestResult } from '../store/ingest-events.js';
import { decodeBody } from './body-charset.js';
import { isWebhookHttpError } from './errors.js';
import { StoreUnavailableError } from './commit/commit-batch.js';
import { parseWebhookBody } from './parse-body.js';
import { screenWebhookHeaders, verifySignedBody, type PendingSignature } from './verify.js';

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  contentType: string;
  receivedAt: Date;
}

/** What one request did, for the log line: never the payload, never a secret. */
export interface EventSummary {
  type: string;
  replyId: number | null;
  recipient: string | null;
  duplicate: boolean;
  /** Its notification id belonged to a different stored event (see IngestedEvent.conflict). */
  conflict: boolean;
}

export interface HandledWebhook {
  status: number;
  body: Record<string, unknown>;
  events: EventSummary[];
  /** Why the request was refused; safe to log. */
  error: string | null;
  /** Authentication method that let the request in ('bearer', 'basic', 'hmac', 'hmac-timestamped', 'insecure'). */
  method: string | null;
}

export interface WebhookHandlerOptions {
  secrets: string[];
  insecure?: boolean;
  toleranceSeconds?: number;
  commit: (incoming: IncomingEvent[], receivedAt: Date) => Promise<IngestResult>;
}

/** A request its headers let through, or one whose signature over the body is still to check. */
export type Screened = { method: string } | { pending: PendingSignature };

export interface WebhookHandler {
  /**
   * What the headers alone decide, before any of the body is read: a 401 (answer it), the method that
   * let the request in, or the signature left to check over the body.
   */
  screen(headers: IncomingHttpHeaders, receivedAt: Date): HandledWebhook | Screened;
  /** The rest, once the body is read: the signature if `screen` left one (fail closed), parse, commit, answer. */
  handle(request: WebhookRequest, screened: Screened): Promise<HandledWebhook>;
}

/**
 * The listener's decision for one POST. The HTTP adapter owns routing, limits and timeouts; this owns the
 * statuses SMTP2Go acts on: 2xx only after the commit, 5xx when storing failed (it retries), 4xx otherwise.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const verifyOptions = (receivedAt: Date) => ({
    secrets: options.secrets,
    insecure: options.insecure === true,
    nowSeconds: Math.floor(receivedAt.getTime() / 1000),
    ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
  });
  return {
    // verifyWebhook* fail closed by themselves: an exception inside is a rejection, never a pass.
    screen(headers, receivedAt) {
      const verdict = screenWebhookHeaders(headers, verifyOptions(receivedAt));
      if (!('ok' in verdict)) return { pending: verdict };
      return verdict.ok ? { method: verdict.method } : refuse(401, verdict.reason, null);
    },
    async handle(request, screened) {
      if ('method' in screened) return parseAndCommit(request, screened.method, options.commit);
      const verdict = verifySignedBody(screened.pending, request.rawBody);
      if (!verdict.ok) return refuse(401, verdict.reason, null);
      return parseAndCommit(request, verdict.method, options.commit);
    },
  };
}

async function parseAndCommit(
  request: WebhookRequest,
  method: string,
  commit: WebhookHandlerOptions['commit'],
): Promise<HandledWebhook> {
  let incoming: IncomingEvent[];
  try {
    const body = decodeBody(request.rawBody, request.headers['content-type']);
    const parsed = parseWebhookBody(body.text, request.contentType, request.receivedAt, body.encoding);
    if (parsed.errors.length > 0) return refuse(400, parsed.errors.join('; '), method);
    incoming = parsed.events;
  } catch (error) {
    if (isWebhookHttpError(error)) return refuse(error.status, error.message, method);
    throw error;
  }
  try {
    const result = await commit(incoming, request.receivedAt);
    return {
      status: 200,
      body: {
        status: 'ok',
        stored: result.stored,
        duplicates: result.duplicates,
        unlinked: result.unlinked,
        conflicts: result.conflicts,
      },
      events: result.results.map(({ type, replyId, recipient, duplicate, conflict }) => ({
        type,
        replyId,
        recipient,
        duplicate,
        conflict,
      })),
      error: null,
      method,
    };
  } catch (error) {
    const failedEvents = incoming.map(({ event }) => ({
      type: event.type,
      replyId: null,
      recipient: event.recipient,
      duplicate: false,
      conflict: false,
    }));
    const status = error instanceof StoreUnavailableError ? 503 : 500;
    const message = error instanceof Error ? error.message : String(error);
    return {
      status,
      body: {
        status: 'error',
        error: status === 503 ? 'storage unavailable, retry later' : 'internal error, retry later',
      },
      events: failedEvents,
      error: message,
      method,
    };
  }
}

function refuse(status: number, error: string, method: string | null): HandledWebhook {
  // The client learns only that it is unauthorised; the reason goes to the log.
  const answer = status === 401 ? 'unauthorized' : error;
  return { status, body: { status: 'error', error: answer }, events: [], error, method };
}
