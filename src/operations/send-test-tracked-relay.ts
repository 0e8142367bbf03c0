import type { RelayTracking, Tracker } from '../core/first-party-tracking.js';
import type { Settings } from '../core/settings.js';
import type { Mailbox } from '../mail/mailbox.js';
import { findTrackableLinks, trackHtml, type TrackableHtml } from '../mail/track-html.js';
import type { Store } from '../store/open-store.js';
import { createTrackingTokens, type NewToken } from '../store/tracking-tokens.js';
import type { SendPlan } from './send-test-plan.js';
import type { SendRecorder } from './send-test-recorder.js';
import { runRelayPhase, type RelayPhaseDeps, type RelayPhaseResult } from './send-test-relay.js';

export interface TrackedRelayDeps extends RelayPhaseDeps {
  store: Store;
  replyId: number;
  now: () => Date;
  mintToken?: () => string;
  onWarning?: (message: string) => void;
}

export interface TrackedRelayResult extends RelayPhaseResult {
  /** The tracker each relayed recipient's copy had, by lowercased address. */
  trackers: Map<string, Tracker>;
}

const DAY_MS = 86_400_000;

/** The routes `webhook serve` answers under the path of PORTAL_URL (src/webhook/tracking-routes.ts). */
function pixelUrl(portalUrl: string, token: string): string {
  return `${portalUrl}/t/o/${token}.gif`;
}

function clickUrl(portalUrl: string, token: string): string {
  return `${portalUrl}/t/c/${token}`;
}

/**
 * Relays with first-party tracking: each To and Cc recipient gets a copy of its own (same headers, same
 * Message-ID) whose pixel and links carry tokens minted for that recipient alone; Bcc recipients share one
 * untracked copy. Each copy is its own SMTP transaction, so one refusal does not stop the others.
 */
export async function runTrackedRelayPhase(
  plan: SendPlan,
  settings: Settings,
  recipients: Mailbox[],
  tracking: RelayTracking,
  recorder: SendRecorder,
  deps: TrackedRelayDeps,
): Promise<TrackedRelayResult> {
  const bcc = new Set(plan.recipients.bcc.map((m) => m.address.toLowerCase()));
  const tracked = recipients.filter((m) => !bcc.has(m.address.toLowerCase()));
  const hidden = recipients.filter((m) => bcc.has(m.address.toLowerCase()));
  const parsed = plan.html === '' ? null : await findTrackableLinks(plan.html);
  const trackers = new Map<string, Tracker>();
  const delivered: string[] = [];
  const errors: string[] = [];
  const relay = async (to: Mailbox[], html: string) => {
    const result = await runRelayPhase(plan, settings, to, recorder, deps, html);
    delivered.push(...result.delivered);
    if (result.error !== null) errors.push(result.error);
  };
  for (const recipient of tracked) {
    const copy =
      parsed === null ? null : trackedCopy(plan.html, parsed, recipient.address, settings, tracking, deps);
    trackers.set(recipient.address.toLowerCase(), copy === null ? 'none' : 'first_party');
    await relay([recipient], copy ?? plan.html);
  }
  if (hidden.length > 0) {
    for (const m of hidden) trackers.set(m.address.toLowerCase(), 'none');
    await relay(hidden, plan.html);
  }
  return { delivered, error: errors.length === 0 ? null : errors.join(' | '), trackers };
}

/** One recipient's HTML, or null (sent untracked) when its tokens cannot be stored: a link must never point at nothing. */
function trackedCopy(
  html: string,
  parsed: TrackableHtml,
  recipient: string,
  settings: Settings,
  tracking: RelayTracking,
  deps: TrackedRelayDeps,
): string | null {
  const portalUrl = settings.portalUrl as string;
  const wanted: NewToken[] = [
    ...(tracking.opens ? [{ kind: 'open' as const, url: null }] : []),
    ...(tracking.clicks ? parsed.links.map((link) => ({ kind: 'click' as const, url: link.url })) : []),
  ];
  const now = deps.now();
  let tokens: string[];
  try {
    tokens = createTrackingTokens(
      deps.store,
      {
        replyId: deps.replyId,
        recipient,
        expiresAt: new Date(now.getTime() + settings.firstPartyTrackingDays * DAY_MS),
        now,
      },
      wanted,
      deps.mintToken,
    );
  } catch (error) {
    deps.onWarning?.(
      `could not store tracking tokens for ${recipient}; that copy goes out untracked: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  }
  const pixel = tracking.opens ? pixelUrl(portalUrl, tokens.shift() as string) : null;
  return trackHtml(html, parsed, {
    pixelUrl: pixel,
    linkUrls: tracking.clicks ? tokens.map((token) => clickUrl(portalUrl, token)) : null,
  });
}
