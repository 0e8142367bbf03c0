import type { Settings } from './settings.js';

/** Who records opens and clicks of a reply (or of one recipient's copy). */
export type Tracker = 'smtp2go' | 'first_party' | 'none';

/** What the relay copies of one send carry. */
export interface RelayTracking {
  tracker: Tracker;
  /** A pixel in each To/Cc copy. */
  opens: boolean;
  /** Each To/Cc copy's http(s) links go through the portal's redirect. */
  clicks: boolean;
  /** Set when first-party tracking would apply but cannot (no portal URL): the send warns once. */
  warning: string | null;
}

/**
 * SMTP2Go's own SMTP service tracks with the SMTP user's settings, so a copy it relays must not be
 * rewritten as well (every click would pass two redirects and count twice). A trailing dot is the same host.
 */
export function isSmtp2goHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  return name === 'smtp2go.com' || name.endsWith('.smtp2go.com');
}

function smtp2goTracks(settings: Settings): boolean {
  return settings.trackingEnabled && (settings.trackOpens || settings.trackClicks);
}

/** Mail the API sends is SMTP2Go's to track: the portal never rewrites it. */
export function apiTracker(settings: Settings): Tracker {
  return smtp2goTracks(settings) ? 'smtp2go' : 'none';
}

/**
 * The tracker of mail the relay sends. `relay` tracks where SMTP2Go does not; `always` also tracks copies
 * sent through SMTP2Go's own relay (for an SMTP user whose SMTP2Go tracking is off); `off` never does. The
 * master, opens and clicks switches apply to first-party tracking as they do to SMTP2Go's.
 */
export function relayTracking(
  settings: Settings,
  isSmtp2goRelay: (host: string) => boolean = isSmtp2goHost,
): RelayTracking {
  const none: RelayTracking = { tracker: 'none', opens: false, clicks: false, warning: null };
  const viaSmtp2go = settings.smtpHost !== null && isSmtp2goRelay(settings.smtpHost);
  if (settings.firstPartyTracking === 'off' || (settings.firstPartyTracking === 'relay' && viaSmtp2go)) {
    return viaSmtp2go && smtp2goTracks(settings) ? { ...none, tracker: 'smtp2go' } : none;
  }
  if (!smtp2goTracks(settings)) return none;
  if (settings.portalUrl === null) {
    return {
      ...none,
      warning:
        'this mail goes out through the relay untracked: first-party tracking needs a portal URL (configure --portal-url)',
    };
  }
  return { tracker: 'first_party', opens: settings.trackOpens, clicks: settings.trackClicks, warning: null };
}

/** One tracker for a reply whose recipients went different ways: the portal's own data wins, then SMTP2Go's. */
export function replyTracker(trackers: Iterable<Tracker>): Tracker {
  const seen = new Set(trackers);
  return seen.has('first_party') ? 'first_party' : seen.has('smtp2go') ? 'smtp2go' : 'none';
}
