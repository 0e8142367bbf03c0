import { apiTracker, relayTracking, replyTracker, type Tracker } from '../core/first-party-tracking.js';
import type { Settings } from '../core/settings.js';
import { formatMailbox, type Mailbox } from '../mail/mailbox.js';
import type { Store } from '../store/open-store.js';
import { createReply } from '../store/replies.js';
import { finishReplySend, recordSmtp2goEmailId, type ReplyTransport } from '../store/reply-sends.js';
import { linkOrphanEvents } from '../store/link-orphans.js';
import { recordTrackers } from '../store/tracking-tokens.js';

/** Links webhook events stored before the reply had its email id (src/store/link-orphans.ts). */
export type OrphanLinker = (db: Store, replyId: number) => unknown;
import { runApiPhase, type ApiPhaseDeps, type ApiPhaseResult } from './send-test-api.js';
import { planSendTest, type SendPlan, type SendTestOptions } from './send-test-plan.js';
import {
  createSendRecorder,
  SendFailedError,
  type SendRecorder,
  type SendTestProgress,
  type SendTestResult,
} from './send-test-recorder.js';
import { runRelayPhase, type RelayPhaseDeps } from './send-test-relay.js';
import { runTrackedRelayPhase } from './send-test-tracked-relay.js';

export type { SendTestOptions } from './send-test-plan.js';
export { SendFailedError, type SendTestProgress, type SendTestResult } from './send-test-recorder.js';

export interface SendTestDeps extends Omit<ApiPhaseDeps, 'onEmailId'>, RelayPhaseDeps {
  store: Store;
  /** The effective settings (resolveSettings over env and the stored module). */
  settings: Settings;
  now: () => Date;
  hostname?: () => string;
  newTrackingId?: () => string;
  /** Links webhook events that arrived before the email id was known; defaults to store/ingest-events. */
  linkOrphanEvents?: OrphanLinker;
  onProgress?: (event: SendTestProgress) => void;
  /** Whether the relay host is SMTP2Go's own SMTP service (default: `*.smtp2go.com`); tests relay to 127.0.0.1. */
  isSmtp2goRelay?: (host: string) => boolean;
  /** First-party tracking tokens; tests make them predictable. */
  mintToken?: () => string;
}

/**
 * Sends one tracked test email the way the portal sends a ticket reply: reply row first, then the API,
 * then the SMTP relay only for recipients the API certainly did not take. Returns the result when every
 * recipient got the mail; otherwise throws `SendFailedError` (exit 1) carrying the same result.
 */
export async function runSendTest(options: SendTestOptions, deps: SendTestDeps): Promise<SendTestResult> {
  const { store: db, settings } = deps;
  const plan = planSendTest(options, settings, {
    now: deps.now(),
    ...pick(deps, 'hostname', 'newTrackingId'),
  });
  const linkOrphans = deps.linkOrphanEvents ?? linkOrphanEvents;
  const reply = createReply(
    db,
    {
      ...(options.replyId === undefined ? {} : { id: options.replyId }),
      ticketId: options.ticketId ?? null,
      subject: plan.subject,
      sender: formatMailbox((plan.useApi ? plan.apiSender : plan.relaySender) as Mailbox),
      trackingId: plan.trackingId,
      messageId: plan.messageId,
      recipients: [
        ...roles(plan.recipients.to, 'to'),
        ...roles(plan.recipients.cc, 'cc'),
        ...roles(plan.recipients.bcc, 'bcc'),
      ],
    },
    deps.now(),
  );
  const recorder = createSendRecorder(db, reply.id, {
    now: deps.now,
    secrets: [settings.apiKey, settings.smtpPassword],
    ...pick(deps, 'onProgress'),
  });
  let emailId: string | null = null;
  let api: ApiPhaseResult | null = null;
  let fallbackReason = plan.primaryRelayReason;
  let toRelay: Mailbox[] = plan.relay === 'primary' ? plan.all : [];

  if (plan.useApi) {
    deps.onProgress?.({ type: 'sending', transport: 'api', recipients: plan.all.length });
    api = await runApiPhase(plan, settings, recorder, {
      ...pick(deps, 'dispatcher', 'clock', 'retryPolicy'),
      onEmailId: (id) => {
        emailId = id;
        recordSmtp2goEmailId(db, reply.id, id, deps.now());
        linkEarlyEvents(db, reply.id, linkOrphans, deps.onProgress);
      },
    });
    const relayAllowed = plan.relay === 'fallback';
    if (api.ambiguous && relayAllowed && plan.fallbackOnTimeout) {
      toRelay = plan.all;
      fallbackReason = `${api.error ?? 'ambiguous'} (relayed anyway: fallback-on-timeout prefers a possible duplicate to a lost reply)`;
    } else if (api.refused.length > 0 && relayAllowed) {
      toRelay = api.refused;
      fallbackReason = api.error;
    }
  }

  let relayError: string | null = null;
  let relayTrackers = new Map<string, Tracker>();
  if (toRelay.length > 0) {
    deps.onProgress?.({ type: 'sending', transport: 'smtp', recipients: toRelay.length });
    const tracking = relayTracking(settings, deps.isSmtp2goRelay);
    if (tracking.warning !== null) deps.onProgress?.({ type: 'warning', message: tracking.warning });
    const relayDeps = pick(deps, 'createTransport', 'relayTls', 'relayIsLoopback');
    if (tracking.tracker === 'first_party') {
      const onWarning = (message: string) => deps.onProgress?.({ type: 'warning', message });
      const relayed = await runTrackedRelayPhase(plan, settings, toRelay, tracking, recorder, {
        ...relayDeps,
        ...pick(deps, 'mintToken'),
        store: db,
        replyId: reply.id,
        now: deps.now,
        onWarning,
      });
      relayError = relayed.error;
      relayTrackers = relayed.trackers;
    } else {
      relayError = (await runRelayPhase(plan, settings, toRelay, recorder, relayDeps)).error;
      for (const m of toRelay) relayTrackers.set(m.address.toLowerCase(), tracking.tracker);
    }
  }
  const tracker = recordCopyTrackers(db, reply.id, plan, recorder, {
    api: apiTracker(settings),
    relay: relayTrackers,
  });
  return finish(db, reply.id, plan, recorder, {
    api,
    relayError,
    emailId,
    fallbackReason,
    tracker,
    now: deps.now(),
  });
}

/** Which tracker each delivered copy had, stored per recipient and for the reply; returns the reply's. */
function recordCopyTrackers(
  db: Store,
  replyId: number,
  plan: SendPlan,
  recorder: SendRecorder,
  trackers: { api: Tracker; relay: Map<string, Tracker> },
): Tracker {
  const copies: Array<{ email: string; tracker: Tracker }> = [];
  for (const m of plan.all) {
    const state = recorder.statuses.get(m.address.toLowerCase());
    if (state === undefined || state.status === 'failed') continue;
    const tracker =
      state.via === 'smtp' ? (trackers.relay.get(m.address.toLowerCase()) ?? 'none') : trackers.api;
    copies.push({ email: m.address, tracker });
  }
  const tracker = replyTracker(copies.map((c) => c.tracker));
  recordTrackers(db, replyId, copies, tracker);
  return tracker;
}

function finish(
  db: Store,
  replyId: number,
  plan: SendPlan,
  recorder: SendRecorder,
  run: {
    api: ApiPhaseResult | null;
    relayError: string | null;
    emailId: string | null;
    fallbackReason: string | null;
    tracker: Tracker;
    now: Date;
  },
): SendTestResult {
  const entries = plan.all.map((m) => ({
    address: m.address,
    state: recorder.statuses.get(m.address.toLowerCase()),
  }));
  const where = (status: string) => entries.filter((e) => e.state?.status === status).map((e) => e.address);
  const delivered = where('sent');
  const viaApi = entries.some((e) => e.state?.via === 'api');
  const viaSmtp = entries.some((e) => e.state?.via === 'smtp');
  const ambiguous = where('ambiguous');
  const failed = entries
    .filter((e) => e.state?.status !== 'sent' && e.state?.status !== 'ambiguous')
    .map((e) => e.address);
  const outcome =
    delivered.length === plan.all.length
      ? 'sent'
      : delivered.length > 0
        ? 'partial'
        : ambiguous.length > 0
          ? 'ambiguous'
          : 'failed';
  const unattributed = run.api?.unattributed ?? 0;
  const errors = [
    run.api?.error == null ? null : `api: ${run.api.error}`,
    run.relayError === null ? null : `smtp: ${run.relayError}`,
  ];
  const reasons = errors.filter((e): e is string => e !== null);
  const lastError =
    (outcome === 'sent' && unattributed === 0) || reasons.length === 0 ? null : reasons.join(' | ');
  const transport: ReplyTransport =
    viaApi && viaSmtp
      ? 'api+smtp'
      : viaApi
        ? 'api'
        : viaSmtp
          ? 'smtp'
          : outcome === 'ambiguous'
            ? 'api'
            : 'failed';
  finishReplySend(
    db,
    replyId,
    {
      transport,
      outcome,
      fallbackReason: run.fallbackReason,
      lastError,
      sentAt: delivered.length > 0 ? run.now : null,
    },
    run.now,
  );
  const result: SendTestResult = {
    reply_id: replyId,
    tracking_id: plan.trackingId,
    message_id: plan.messageId,
    transport: viaApi ? 'api' : viaSmtp ? 'smtp' : null,
    outcome,
    smtp2go_email_id: run.emailId,
    tracker: run.tracker,
    fallback_reason: run.fallbackReason,
    attempts: recorder.attempts,
    delivered_to: delivered,
    failed_recipients: failed,
    ambiguous_recipients: ambiguous,
    last_error: lastError,
  };
  if (outcome === 'sent' && unattributed === 0) return result;
  throw failure(result, unattributed);
}

function failure(result: SendTestResult, unattributed: number): SendFailedError {
  if (result.outcome === 'ambiguous') {
    return new SendFailedError(
      `SMTP2Go may have accepted the email but did not confirm it (${result.last_error ?? 'no answer'}); not resending, to avoid a duplicate`,
      result,
      `check SMTP2Go's activity for tracking id ${result.tracking_id} before resending, or use --fallback-on-timeout to relay anyway`,
    );
  }
  if (unattributed > 0) {
    return new SendFailedError(
      `SMTP2Go refused ${unattributed} recipient(s) without saying which; nothing was resent, to avoid duplicates (${result.last_error ?? ''})`,
      result,
    );
  }
  const who = result.failed_recipients.join(', ');
  return new SendFailedError(`not delivered to ${who}: ${result.last_error ?? 'unknown error'}`, result);
}

/** A failure to link is not a failed send: the mail left, and the listener links orphans on later events. */
function linkEarlyEvents(
  db: Store,
  replyId: number,
  link: OrphanLinker | undefined,
  onProgress?: (event: SendTestProgress) => void,
): void {
  try {
    link?.(db, replyId);
  } catch (error) {
    onProgress?.({
      type: 'warning',
      message: `could not link early webhook events to reply ${replyId}: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

function roles(list: Mailbox[], role: 'to' | 'cc' | 'bcc') {
  return list.map((m) => ({ email: m.address, displayName: m.name === '' ? null : m.name, role }));
}

function pick<T extends object, K extends keyof T>(
  source: T,
  ...keys: K[]
): { [P in K]?: NonNullable<T[P]> } {
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out as { [P in K]?: NonNullable<T[P]> };
}
