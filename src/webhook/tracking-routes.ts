import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { BURST_WINDOW_MS, classifyBurst, classifyHit } from '../core/classify-hit.js';
import type { HitClassification, IncomingEvent, TrackingEvent } from '../core/tracking-event.js';
import type { Store } from '../store/open-store.js';
import { findTrackingHit, TOKEN_PATTERN, type TrackingHitRow } from '../store/tracking-tokens.js';

// A transparent 1x1 GIF (43 bytes).
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NOT_FOUND = Buffer.from(
  '<!doctype html><meta charset="utf-8"><title>Link not found</title><p>This link is not valid. If you copied it from an email, check that it is complete.</p>\n',
);

export interface TrackingRoutesOptions {
  store: Store;
  /** The path of PORTAL_URL followed by `/t/` (operations/send-test-tracked-relay.ts builds the URLs). */
  prefix: string;
  /** Take the client address from X-Forwarded-For (`webhook serve --trust-proxy`); otherwise the socket's. */
  trustProxy: boolean;
  now: () => Date;
  /** The listener's group commit: hits are stored through the same ingest as SMTP2Go's events. */
  submit: (incoming: IncomingEvent[], receivedAt: Date) => Promise<unknown>;
  /** How long a click waits for more clicks of the same copy before it is classified (the burst rule). */
  burstWindowMs?: number;
  /** Hits waiting for a commit at most; more are answered but not recorded, so a flood cannot grow memory. */
  maxPending?: number;
  /** Each hit once classified (a click after its burst window), with the client's user agent and address. */
  onHit?: (hit: {
    kind: 'open' | 'click';
    classification: HitClassification;
    recorded: boolean;
    userAgent: string | null;
    ip: string | null;
  }) => void;
}

export interface TrackingRoutes {
  /** Answers a request under the prefix; false when the path is not a tracking route. */
  handle(request: IncomingMessage, response: ServerResponse, pathname: string): boolean;
  /** Records the clicks still waiting for the burst window, then resolves once they are committed. */
  close(): Promise<void>;
  counts: { recorded: number; dropped: number };
}

interface HeldClick {
  token: string;
  at: number;
  event: TrackingEvent;
}

/**
 * The pixel and the click redirect (issue 15). Both answer at once: the pixel never waits for the store
 * (a lost pixel hit in a crash is acceptable; a lost webhook never is), and the redirect reads its target
 * only from the store. Clicks are held for the burst window, so a scanner that walks every link of a copy
 * is classified as one, first click included.
 */
export function createTrackingRoutes(options: TrackingRoutesOptions): TrackingRoutes {
  const windowMs = options.burstWindowMs ?? BURST_WINDOW_MS;
  const maxPending = options.maxPending ?? 1024;
  const held = new Map<string, { clicks: HeldClick[]; timer: NodeJS.Timeout }>();
  const inFlight = new Set<Promise<unknown>>();
  const counts = { recorded: 0, dropped: 0 };

  function record(event: TrackingEvent, receivedAt: Date): void {
    const recorded = inFlight.size < maxPending;
    options.onHit?.({
      kind: event.type as 'open' | 'click',
      classification: event.classification ?? 'human',
      recorded,
      userAgent: event.userAgent,
      ip: event.ip,
    });
    if (!recorded) {
      counts.dropped += 1;
      return;
    }
    counts.recorded += 1;
    const rawBody = JSON.stringify(event.fields);
    const pending = options
      .submit([{ event, rawBody, contentType: 'application/json', source: 'first_party' }], receivedAt)
      .catch(() => undefined);
    inFlight.add(pending);
    void pending.finally(() => inFlight.delete(pending));
  }

  function release(key: string): void {
    const group = held.get(key);
    if (group === undefined) return;
    held.delete(key);
    clearTimeout(group.timer);
    const burst = classifyBurst(group.clicks, windowMs);
    group.clicks.forEach((click, index) => {
      const event =
        burst[index] === true
          ? {
              ...click.event,
              classification: 'scanner' as const,
              fields: { ...click.event.fields, classification: 'scanner', reason: 'burst' },
            }
          : click.event;
      record(event, new Date(click.at));
    });
  }

  function holdClick(row: TrackingHitRow, event: TrackingEvent, at: number): void {
    const key = `${row.reply_id}\u0000${row.recipient}`;
    let group = held.get(key);
    if (group === undefined) {
      // Past the cap, a copy's click is not held: memory stays flat under a flood, at the cost of the burst rule.
      if (held.size >= maxPending) return record(event, new Date(at));
      group = { clicks: [], timer: setTimeout(() => release(key), windowMs) };
      held.set(key, group);
    }
    group.clicks.push({ token: row.token, at, event });
    group.timer.refresh();
    if (group.clicks.length >= 64) release(key);
  }

  function clientAddress(request: IncomingMessage): string | null {
    const socket = request.socket.remoteAddress ?? null;
    if (!options.trustProxy) return socket;
    // Our proxy appends the address it saw last; anything before it came from the client and proves nothing.
    const forwarded = String(request.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const last = forwarded[forwarded.length - 1];
    return last !== undefined && isIP(last) !== 0 ? last : socket;
  }

  function hitEvent(row: TrackingHitRow, request: IncomingMessage, at: Date): TrackingEvent {
    const kind = row.kind;
    const userAgent = request.headers['user-agent'] ?? null;
    const classification = classifyHit({ method: request.method ?? 'GET', userAgent, kind });
    const ip = clientAddress(request);
    return {
      type: kind,
      rawType: `first_party_${kind}`,
      known: true,
      notificationId: null,
      emailId: null,
      trackingId: row.tracking_id,
      messageId: null,
      recipient: row.recipient,
      recipients: [],
      url: row.url,
      userAgent,
      ip,
      bounceType: null,
      detail: null,
      occurredAt: at.toISOString(),
      timeSource: 'event',
      classification,
      fields: {
        method: request.method ?? 'GET',
        classification,
        ...(userAgent === null ? {} : { user_agent: userAgent }),
        ...(ip === null ? {} : { ip }),
      },
    };
  }

  function lookup(token: string, kind: 'open' | 'click'): TrackingHitRow | undefined {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const row = findTrackingHit(options.store, token);
    return row?.kind === kind ? row : undefined;
  }

  function pixel(request: IncomingMessage, response: ServerResponse, token: string): void {
    response.writeHead(200, {
      'Content-Type': 'image/gif',
      'Content-Length': PIXEL.length,
      'Cache-Control': 'no-store, private',
      Expires: '0',
    });
    response.end(request.method === 'HEAD' ? undefined : PIXEL);
    const at = options.now();
    let row: TrackingHitRow | undefined;
    try {
      row = lookup(token, 'open');
    } catch {
      return; // the image is served whatever the store says
    }
    if (row !== undefined && row.expires_at > at.toISOString()) record(hitEvent(row, request, at), at);
  }

  function click(request: IncomingMessage, response: ServerResponse, token: string): void {
    const at = options.now();
    const row = lookup(token, 'click');
    if (row === undefined || row.url === null) {
      response.writeHead(404, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': NOT_FOUND.length,
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : NOT_FOUND);
      return;
    }
    response.writeHead(302, {
      Location: locationOf(row.url),
      'Content-Length': 0,
      'Cache-Control': 'no-store, private',
      'Referrer-Policy': 'no-referrer',
    });
    response.end();
    // An expired token still takes old mail to its link, and records nothing.
    if (row.expires_at > at.toISOString()) holdClick(row, hitEvent(row, request, at), at.getTime());
  }

  return {
    counts,
    handle(request, response, pathname) {
      if (!pathname.startsWith(options.prefix)) return false;
      const rest = pathname.slice(options.prefix.length);
      const method = request.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0, Connection: 'close' });
        response.end();
        return true;
      }
      if (rest.startsWith('o/')) pixel(request, response, rest.slice(2).replace(/\.gif$/, ''));
      else if (rest.startsWith('c/')) click(request, response, rest.slice(2));
      else return false;
      return true;
    },
    async close() {
      for (const key of [...held.keys()]) release(key);
      await Promise.all([...inFlight]);
    },
  };
}

/** The stored link as a header value: as written when it is plain ASCII, else as the browser would encode it. */
function locationOf(url: string): string {
  return /^[\x21-\x7e]+$/.test(url) ? url : new URL(url).href;
}
