import { randomBytes } from 'node:crypto';
import { ConfigError, PortalError, UsageError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { BounceType, EventSource, IncomingEvent, TrackingEvent } from '../core/tracking-event.js';
import { listenerUrl } from '../smtp2go/portal-webhook.js';
import type { Store } from '../store/open-store.js';
import { buildEvent, type TriggerEventType } from '../webhook/trigger/build-event.js';
import { decodeEvent, encodeEvent, type EventFormat } from '../webhook/trigger/encode-event.js';
import { postEvent, type PostEvent } from '../webhook/trigger/post-event.js';
import { authHeaders, type SignMode } from '../webhook/trigger/sign-request.js';
import type { RandomBytes } from '../webhook/trigger/smtp2go-ids.js';
import { resolveTarget, type TargetChoice } from '../webhook/trigger/target.js';

export interface WebhookTriggerOptions {
  event: TriggerEventType;
  /** Which email the event is about: a reply, an SMTP2Go email id, or a demo reply created now. */
  target: TargetChoice;
  recipient?: string;
  url?: string;
  bounce?: BounceType;
  /** POST to this listener instead of applying locally. A bare origin gets the listener path. */
  to?: string;
  format: EventFormat;
  /** Default `hmac`; only meaningful with `to`. */
  sign?: SignMode;
  secret?: string;
  timeoutMs?: number;
}

export type NormalizeEvent = (fields: Record<string, string | string[]>, receivedAt: Date) => TrackingEvent;
export interface IngestOutcome {
  stored: number;
  duplicates: number;
  unlinked: number;
  results: Array<{ replyId: number | null; duplicate: boolean; eventId: number | null }>;
}
export type IngestEvents = (db: Store, incoming: IncomingEvent[], options: { receivedAt: Date; source: EventSource }) => IngestOutcome;

export interface WebhookTriggerDeps {
  store: Store;
  settings: Settings;
  now: () => Date;
  random?: RandomBytes;
  normalize: NormalizeEvent;
  ingest: IngestEvents;
  post?: PostEvent;
}

export interface WebhookTriggerResult {
  event: TriggerEventType;
  /** The reply the event was built for; null for an email id no reply has. */
  replyId: number | null;
  demoReplyCreated: boolean;
  emailId: string;
  notificationId: string;
  recipient: string | null;
  format: EventFormat;
  contentType: string;
  body: string;
  /** Set when applied locally: what the store did with it. */
  applied: { stored: boolean; duplicate: boolean; replyId: number | null; eventId: number | null } | null;
  /** Set with `to`: the listener's answer. */
  delivery: { url: string; sign: SignMode; status: number; ok: boolean; ms: number; response: string } | null;
}

const RESPONSE_LIMIT = 500;

/**
 * Builds one realistic SMTP2Go event for a reply and either applies it to the local store through the
 * listener's own normaliser and storing code (source `trigger`), or POSTs it, signed, to a listener.
 * A listener's non-2xx answer is returned, not thrown: the caller prints it, then fails.
 */
export async function runWebhookTrigger(options: WebhookTriggerOptions, deps: WebhookTriggerDeps): Promise<WebhookTriggerResult> {
  checkOptions(options);
  const random = deps.random ?? randomBytes;
  const sign = options.sign ?? 'hmac';
  const secret = options.to === undefined || sign === 'none' ? null : (options.secret ?? deps.settings.webhookSecret);
  if (options.to !== undefined && sign !== 'none' && secret === null) {
    throw new ConfigError(`--sign ${sign} needs a webhook secret and none is configured`, 'configure --generate-webhook-secret, pass --secret, or use --sign none');
  }
  const to = options.to === undefined ? undefined : parseTo(options.to);
  const now = deps.now();
  const target = resolveTarget(options.target, { recipient: options.recipient, store: deps.store, settings: deps.settings, now, random });
  const fields = buildEvent({
    type: options.event, target: target.target, now, random,
    ...(options.url === undefined ? {} : { url: options.url }), ...(options.bounce === undefined ? {} : { bounce: options.bounce }),
  });
  const encoded = encodeEvent(fields, options.format);
  const result: WebhookTriggerResult = {
    event: options.event, replyId: target.replyId, demoReplyCreated: target.created, emailId: target.target.emailId,
    notificationId: fields.id as string, recipient: options.event === 'processed' ? null : target.target.recipient,
    format: options.format, contentType: encoded.contentType, body: encoded.body, applied: null, delivery: null,
  };
  if (to === undefined) {
    const receivedAt = deps.now();
    const event = deps.normalize(decodeEvent(encoded), receivedAt);
    const outcome = deps.ingest(deps.store, [{ event, rawBody: encoded.body, contentType: encoded.contentType }], { receivedAt, source: 'trigger' });
    const first = outcome.results[0];
    result.applied = { stored: outcome.stored === 1, duplicate: outcome.duplicates === 1, replyId: first?.replyId ?? null, eventId: first?.eventId ?? null };
    return result;
  }
  const headers = { 'content-type': encoded.contentType, 'user-agent': 'smtp2go-portal webhook trigger', ...authHeaders(sign, encoded.body, secret, now) };
  let response;
  try {
    response = await (deps.post ?? postEvent)({ url: to, body: encoded.body, headers, timeoutMs: options.timeoutMs ?? 10_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new PortalError('network', `could not POST to ${to}: ${reason}`, { hint: 'is the listener running? start it with `webhook serve`' });
  }
  const ok = response.status >= 200 && response.status < 300;
  result.delivery = { url: to, sign, status: response.status, ok, ms: response.ms, response: response.body.slice(0, RESPONSE_LIMIT) };
  return result;
}

function checkOptions(options: WebhookTriggerOptions): void {
  if (options.url !== undefined && options.event !== 'click') throw new UsageError(`--url only applies to click events, not ${options.event}`);
  if (options.bounce !== undefined && options.event !== 'bounce') throw new UsageError(`--bounce only applies to bounce events, not ${options.event}`);
  if (options.url !== undefined && !/^https?:\/\/\S+$/i.test(options.url)) throw new UsageError(`--url "${options.url}" is not an http(s) link`);
  if (options.to === undefined && (options.secret !== undefined || options.sign !== undefined)) {
    throw new UsageError('--sign and --secret only apply with --to', 'without --to the event is applied to the local store, unsigned');
  }
}

function parseTo(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return listenerUrl(value);
  } catch {
    throw new UsageError(`--to "${value}" is not an http(s) URL`, 'e.g. --to http://127.0.0.1:8787');
  }
}
