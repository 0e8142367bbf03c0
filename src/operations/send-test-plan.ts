import { randomBytes } from 'node:crypto';
import { ConfigError, UsageError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import { messageIdHost } from '../mail/message-id.js';
import {
  assertHeaderSafe,
  dedupeRecipients,
  parseMailbox,
  parseMailboxList,
  type Mailbox,
  type RecipientLists,
} from '../mail/mailbox.js';

export type TransportChoice = 'auto' | 'api' | 'smtp';

export interface SendTestOptions {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  html?: string;
  text?: string;
  from?: string;
  replyTo?: string;
  /** Attach the send to this ticket reply (created when missing). */
  replyId?: number;
  ticketId?: number;
  transport?: TransportChoice;
  /** `--no-fallback` sets this to false. */
  fallback?: boolean;
  /** `--fallback-on-timeout`; when undefined the stored setting decides. */
  fallbackOnTimeout?: boolean;
  /** Overall budget of the API phase (all retries) and the relay's socket timeouts. */
  timeoutMs?: number;
}

const DEFAULT_SEND_TIMEOUT_MS = 20_000;
export const TRACKING_HEADER = 'X-Portal-Tracking-Id';
const MAX_RECIPIENTS_PER_FIELD = 100;

export interface SendPlan {
  recipients: RecipientLists;
  all: Mailbox[];
  apiSender: Mailbox | null;
  relaySender: Mailbox | null;
  replyTo: Mailbox | null;
  subject: string;
  html: string;
  text: string;
  trackingId: string;
  messageId: string;
  /** Whether the API is tried, and whether (and why) the relay runs first or as a fallback. */
  useApi: boolean;
  relay: 'primary' | 'fallback' | 'none';
  /** Why the relay is primary in `auto` mode (API disabled or unconfigured). */
  primaryRelayReason: string | null;
  fallbackOnTimeout: boolean;
  timeoutMs: number;
}

/** 18 random bytes as base64url: 24 URL-safe characters, also valid in a Message-ID's local part. */
export function newTrackingId(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * `senders` says which transports have a From address. In `auto` mode a missing API sender is a certain
 * failure of the API path, so a relay that has a From address sends instead, as for a disabled module.
 */
function routeFor(
  options: SendTestOptions,
  settings: Settings,
  senders: { api: boolean; relay: boolean },
): Pick<SendPlan, 'useApi' | 'relay' | 'primaryRelayReason'> {
  const choice = options.transport ?? 'auto';
  const hasRelay = settings.smtpHost !== null;
  const relayCanSend = hasRelay && senders.relay && options.fallback !== false;
  const apiProblem = !settings.enabled
    ? 'the SMTP2Go module is disabled'
    : settings.apiKey === null
      ? 'no API key is configured'
      : !senders.api && choice === 'auto' && relayCanSend
        ? 'no sender is configured for the API'
        : null;
  if (choice === 'smtp') {
    if (!hasRelay)
      throw new ConfigError(
        '--transport smtp needs an SMTP relay host',
        'configure --smtp-host (and --smtp-user/--smtp-password)',
      );
    return { useApi: false, relay: 'primary', primaryRelayReason: null };
  }
  if (choice === 'api') {
    if (apiProblem !== null)
      throw new ConfigError(`--transport api, but ${apiProblem}`, 'configure --enable --api-key');
    return { useApi: true, relay: 'none', primaryRelayReason: null };
  }
  if (apiProblem === null)
    return {
      useApi: true,
      relay: options.fallback !== false && hasRelay ? 'fallback' : 'none',
      primaryRelayReason: null,
    };
  if (options.fallback === false || !hasRelay) {
    throw new ConfigError(
      `cannot send: ${apiProblem}${hasRelay ? ' and --no-fallback forbids the SMTP relay' : ' and no SMTP relay is configured'}`,
      'configure --enable --api-key, or --smtp-host for the relay',
    );
  }
  return { useApi: false, relay: 'primary', primaryRelayReason: apiProblem };
}

function defaultBodies(trackingId: string, at: Date): { subject: string; text: string; html: string } {
  const when = at.toISOString();
  return {
    subject: `smtp2go-portal test ${trackingId}`,
    text: `This is a test message from smtp2go-portal.\nTracking id: ${trackingId}\nSent at: ${when}\n`,
    html: `<p>This is a test message from smtp2go-portal.</p><p>Tracking id: <code>${trackingId}</code><br>Sent at: ${when}</p>`,
  };
}

/** Validates everything and decides the route before anything is written or sent (exit 2 on any problem). */
export function planSendTest(
  options: SendTestOptions,
  settings: Settings,
  deps: { now: Date; hostname?: () => string; newTrackingId?: () => string },
): SendPlan {
  if (options.to.length === 0)
    throw new UsageError('--to is required', 'give at least one recipient: --to name@example.com');
  const recipients = dedupeRecipients({
    to: parseMailboxList(options.to, '--to'),
    cc: parseMailboxList(options.cc ?? [], '--cc'),
    bcc: parseMailboxList(options.bcc ?? [], '--bcc'),
  });
  for (const [flag, list] of Object.entries(recipients) as Array<[string, Mailbox[]]>) {
    if (list.length > MAX_RECIPIENTS_PER_FIELD)
      throw new UsageError(
        `--${flag}: ${list.length} addresses; SMTP2Go takes at most ${MAX_RECIPIENTS_PER_FIELD} per field`,
      );
  }
  const from = options.from === undefined ? null : parseMailbox(options.from, '--from');
  const replyTo = options.replyTo === undefined ? null : parseMailbox(options.replyTo, '--reply-to');
  if (options.subject !== undefined) assertHeaderSafe(options.subject, '--subject');
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new UsageError('--timeout must be a positive number of milliseconds');
  const configured = (value: string | null, label: string) =>
    value === null ? null : parseMailbox(value, label);
  const apiSender = from ?? configured(settings.sender, 'the configured sender');
  const relaySender = from ?? configured(settings.smtpFrom, 'the configured SMTP From') ?? apiSender;
  const route = routeFor(options, settings, { api: apiSender !== null, relay: relaySender !== null });
  if (route.useApi && apiSender === null)
    throw new ConfigError(
      'no sender address for the API',
      'pass --from or configure --sender (a verified SMTP2Go sender)',
    );
  if (route.relay === 'primary' && relaySender === null)
    throw new ConfigError('no From address for the SMTP relay', 'pass --from or configure --smtp-from');
  const trackingId = (deps.newTrackingId ?? newTrackingId)();
  const defaults = defaultBodies(trackingId, deps.now);
  return {
    recipients,
    all: [...recipients.to, ...recipients.cc, ...recipients.bcc],
    apiSender,
    relaySender,
    replyTo,
    subject: options.subject ?? defaults.subject,
    html: options.html ?? (options.text === undefined ? defaults.html : ''),
    text: options.text ?? (options.html === undefined ? defaults.text : ''),
    trackingId,
    messageId: `<${trackingId}@${messageIdHost(settings.portalUrl, deps.hostname)}>`,
    ...route,
    fallbackOnTimeout: options.fallbackOnTimeout ?? settings.fallbackOnTimeout,
    timeoutMs,
  };
}
