import type { HitClassification } from './tracking-event.js';

export interface Hit {
  method: string;
  userAgent: string | null;
  kind: 'open' | 'click';
}

// Link scanners and prefetchers that say what they are, and HTTP libraries no mail client uses.
// Sources: ../shared/notes/tracking.md (Safe Links, Mimecast, Proofpoint, Barracuda; gophish #973, #2115).
const SCANNER_AGENTS = [
  /bot\b|crawler|spider|slurp/i,
  /preview|prefetch|scanner|proofpoint|mimecast|barracuda|safelinks|urldefense|fortiguard|trendmicro|symantec|sophos|forcepoint|zscaler/i,
  /^(?:curl|wget|python-requests|python-urllib|go-http-client|java|okhttp|axios|node-fetch|undici|libwww-perl|apache-httpclient|ruby|php)\b/i,
  /headlesschrome|phantomjs|electron\//i,
];

/** Apple Mail Privacy Protection fetches every image through Apple's proxy with a bare `Mozilla/5.0`. */
const APPLE_PROXY = /^Mozilla\/5\.0$/;

/** Proxies that fetch an image when a person opens the mail (Gmail, Yahoo): a real open, from a machine. */
const IMAGE_PROXY = /GoogleImageProxy|ggpht\.com|YahooMailProxy/i;

/**
 * Who made a pixel or redirect request, from the request alone. A HEAD never comes from a person; no
 * user agent, or one of a scanner, prefetcher or HTTP library, is a scanner. The burst rule (several links
 * of one copy within seconds) needs the hits around it: see classifyBurst.
 */
export function classifyHit(hit: Hit): HitClassification {
  const agent = hit.userAgent?.trim() ?? '';
  if (hit.method === 'HEAD' || agent === '') return 'scanner';
  if (IMAGE_PROXY.test(agent)) return hit.kind === 'open' ? 'image_proxy' : 'scanner';
  if (SCANNER_AGENTS.some((pattern) => pattern.test(agent))) return 'scanner';
  if (APPLE_PROXY.test(agent)) return hit.kind === 'open' ? 'apple_proxy' : 'scanner';
  return 'human';
}

export const BURST_WINDOW_MS = 2_000;

/**
 * Clicks of one copy, oldest first: when two or more different links were followed each within the window
 * of the previous click, a scanner walked the mail (people follow one link, then read), so every click
 * of that run is a scanner's. Scanners often come 20-60 s after delivery, so no rule on the send time is used.
 */
export function classifyBurst(
  clicks: Array<{ token: string; at: number }>,
  windowMs = BURST_WINDOW_MS,
): boolean[] {
  const burst = clicks.map(() => false);
  let start = 0;
  for (let i = 1; i <= clicks.length; i += 1) {
    const joined = i < clicks.length && (clicks[i]?.at ?? 0) - (clicks[i - 1]?.at ?? 0) <= windowMs;
    if (joined) continue;
    const run = clicks.slice(start, i);
    if (new Set(run.map((c) => c.token)).size >= 2) for (let j = start; j < i; j += 1) burst[j] = true;
    start = i;
  }
  return burst;
}
