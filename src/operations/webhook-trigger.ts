import { randomBytes } from 'node:crypto';
import { ConfigError, PortalError, UsageError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { BounceType } from '../core/tracking-event.js';
import { parseListenerTarget } from './listener-target.js';
import { ingestEvents } from '../store/ingest-events.js';
import type { Store } from '../store/open-store.js';
import {
  createDeliveryClient,
  type DeliveryClientOptions,
  type DeliveryResult,
  type SignMode,
} from '../webhook/deliver.js';
import { parseWebhookBody } from '../webhook/parse-body.js';
import { buildEvent, type TriggerEventType } from './webhook-trigger/build-event.js';
import { encodeEvent, type EventFormat } from './webhook-trigger/encode-event.js';
import type { RandomBytes } from './webhook-trigger/smtp2go-ids.js';
import { resolveTarget, type TargetChoice } from './webhook-trigger/target.js';

export interface WebhookTriggerOptions {
  event: TriggerEventType;
  /** Which email the event is about: a reply, an SMTP2Go email id, or a demo reply created now. */
  target: TargetChoice;
  recipient?: string;
  /** Allow a --recipient the reply was not sent to. */
  force?: boolean;
  url?: string;
  bounce?: BounceType;
  /** POST to this listener instead of applying locally. A bare origin gets the listener path. */
  to?: string;
  format: EventFormat;
  /** Default `hmac`; only meaningful with `to`. */
  sign?: SignMode;
  secret?: string;
}

export interface WebhookTriggerDeps {
  store: Store;
  settings: Settings;
  now: () => Date;
  random?: RandomBytes;
  /** The listener's storing code; a stand-in only in tests that need one. */
  ingest?: typeof ingestEvents;
  /** Passed to the shared delivery client (tests inject its clock and retry policy). */
  delivery?: DeliveryClientOptions;
}

export interface WebhookTriggerResult {
  event: TriggerEventType;
  /** The reply the event was built for; null for an email id no reply has. */
  replyId: number | null;
  demoReplyCreated: boolean;
  emailId: string;
  notificationId: string;
  /** `rcpt`; null for `processed`, which lists `recipients` instead. */
  recipient: string | null;
  format: EventFormat;
  contentType: string;
  body: string;
  /** Set when applied locally: what the store did with it. */
  applied: { stored: boolean; duplicate: boolean; replyId: number | null; eventId: number | null } | null;
  /** Set with `to`: the listener's final answer. */
  delivery: (DeliveryResult & { url: string; sign: SignMode }) | null;
}

/**
 * Builds one realistic SMTP2Go event for a reply and either applies it to the local store exactly as the
 * listener would (its body parser and normaliser, then ingestEvents with source `trigger`), or POSTs it
 * through the shared delivery client, signed, to a listener. A listener's refusal is returned, not
 * thrown: the caller prints it, then fails.
 */
export async function runWebhookTrigger(
  options: WebhookTriggerOptions,
  deps: WebhookTriggerDeps,
): Promise<WebhookTriggerResult> {
  checkOptions(options);
  const random = deps.random ?? randomBytes;
  const sign = options.sign ?? 'hmac';
  const to = options.to === undefined ? undefined : parseListenerTarget(options.to);
  const secret = to === undefined || sign === 'none' ? null : (options.secret ?? deps.settings.webhookSecret);
  if (to !== undefined && sign !== 'none' && secret === null) {
    throw new ConfigError(
      `--sign ${sign} needs a webhook secret and none is configured`,
      'configure --generate-webhook-secret, pass --secret, or use --sign none',
    );
  }
  const now = deps.now();
  const target = resolveTarget(options.target, {
    recipient: options.recipient,
    force: options.force === true,
    store: deps.store,
    settings: deps.settings,
    now,
    random,
  });
  const fields = buildEvent({
    type: options.event,
    target: target.target,
    now,
    random,
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.bounce === undefined ? {} : { bounce: options.bounce }),
  });
  const encoded = encodeEvent(fields, options.format);
  const result: WebhookTriggerResult = {
    event: options.event,
    replyId: target.replyId,
    demoReplyCreated: target.created,
    emailId: target.target.emailId,
    notificationId: fields.id as string,
    recipient: options.event === 'processed' ? null : target.target.recipient,
    format: options.format,
    contentType: encoded.contentType,
    body: encoded.body,
    applied: null,
    delivery: null,
  };
  if (to === undefined) {
    const receivedAt = deps.now();
    const { events } = parseWebhookBody(encoded.body, encoded.contentType, receivedAt);
    const outcome = (deps.ingest ?? ingestEvents)(deps.store, events, { receivedAt, source: 'trigger' });
    const first = outcome.results[0];
    result.applied = {
      stored: outcome.stored === 1,
      duplicate: outcome.duplicates === 1,
      replyId: first?.replyId ?? null,
      eventId: first?.eventId ?? null,
    };
    return result;
  }
  // Signatures carry the injected clock's time, so a test listener with the same clock accepts them.
  const clock = { now: () => deps.now().getTime(), ...deps.delivery?.clock };
  const client = createDeliveryClient({ url: to, sign, secret }, { concurrency: 1, ...deps.delivery, clock });
  try {
    result.delivery = {
      url: to,
      sign,
      ...(await client.deliver({ rawBody: encoded.body, contentType: encoded.contentType })),
    };
  } finally {
    await client.close();
  }
  return result;
}

function checkOptions(options: WebhookTriggerOptions): void {
  if (options.url !== undefined && options.event !== 'click')
    throw new UsageError(`--url only applies to click events, not ${options.event}`);
  if (options.bounce !== undefined && options.event !== 'bounce')
    throw new UsageError(`--bounce only applies to bounce events, not ${options.event}`);
  if (options.url !== undefined && !/^https?:\/\/\S+$/i.test(options.url))
    throw new UsageError(`--url "${options.url}" is not an http(s) link`);
  if (options.to === undefined && (options.secret !== undefined || options.sign !== undefined)) {
    throw new UsageError(
      '--sign and --secret only apply with --listener',
      'without --listener the event is applied to the local store, unsigned',
    );
  }
}

/** Thrown by the command after printing, when the listener did not take the event. */
export function deliveryFailure(result: WebhookTriggerResult): PortalError | null {
  const delivery = result.delivery;
  if (delivery === null || delivery.ok) return null;
  const why = delivery.status === null ? (delivery.error ?? 'no answer') : `HTTP ${delivery.status}`;
  return new PortalError(
    'network',
    `the listener did not take the event: ${why}${delivery.attempts > 1 ? ` after ${delivery.attempts} attempts` : ''}`,
    {
      hint:
        delivery.status === null
          ? 'is it running? start one with `webhook serve`'
          : delivery.status === 401
            ? 'the listener refused the credentials: check --sign and --secret'
            : 'see its answer above',
    },
  );
}
