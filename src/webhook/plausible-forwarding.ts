import { addPlausibleForwards, type PlausibleOutcome } from '../store/plausible-forwards.js';
import { storeDialect, type Store } from '../store/open-store.js';
import {
  createPlausibleForwarder,
  type PlausibleForwarderOptions,
  type PlausibleHit,
} from './plausible-forwarder.js';

interface PlausibleCounter {
  add(outcome: PlausibleOutcome): void;
  /** Writes what is left, waiting for the lock as long as the store's busy timeout allows. */
  close(): void;
}

/**
 * Keeps the forwarding outcomes in memory and adds them to `plausible_forwards` at most once per
 * flushMs. The listener's event loop shares the file with the commit thread, so a flush never waits for
 * its lock (busy_timeout 0 for that one statement): when the thread holds it, the counts wait for the next flush.
 */
function createPlausibleCounter(store: Store, now: () => Date, flushMs = 1_000): PlausibleCounter {
  const counts: Record<PlausibleOutcome, number> = { forwarded: 0, dropped: 0, failed: 0 };
  let timer: NodeJS.Timeout | null = null;

  function flush(wait: boolean): void {
    timer = null;
    if (counts.forwarded + counts.dropped + counts.failed === 0) return;
    // PostgreSQL locks rows, not the store: the commit thread's batch does not block this upsert for long.
    const previous =
      wait || storeDialect(store) === 'postgres'
        ? null
        : (store.pragma('busy_timeout', { simple: true }) as number);
    if (previous !== null) store.pragma('busy_timeout = 0');
    try {
      addPlausibleForwards(store, counts, now());
      counts.forwarded = counts.dropped = counts.failed = 0;
    } catch {
      if (!wait) schedule();
    } finally {
      if (previous !== null) store.pragma(`busy_timeout = ${previous}`);
    }
  }

  function schedule(): void {
    timer ??= setTimeout(() => flush(false), flushMs).unref();
  }

  return {
    add(outcome) {
      counts[outcome] += 1;
      schedule();
    },
    close() {
      if (timer !== null) clearTimeout(timer);
      flush(true);
    },
  };
}

export interface PlausibleForwardingOptions {
  store: Store;
  plausibleUrl: string;
  /** The Plausible site; by default PORTAL_URL's host. */
  domain: string | null;
  portalUrl: string | null;
  now: () => Date;
  onLog?: (entry: { level: 'info' | 'warn'; message: string }) => void;
  forwarder?: Partial<Omit<PlausibleForwarderOptions, 'plausibleUrl' | 'domain' | 'portalUrl' | 'onOutcome'>>;
  flushMs?: number;
}

export interface PlausibleForwarding {
  /** For the tracking routes' onHit: forwards the hits that count as a person's and were recorded. */
  onHit(hit: PlausibleHit & { recorded: boolean }): void;
  close(): Promise<void>;
}

/**
 * The forwarder, its counts in the store, and a log line when forwarding starts failing and when it works
 * again (not one per hit: a Plausible outage under load would flood the log). Null without a site to name.
 */
export function startPlausibleForwarding(options: PlausibleForwardingOptions): PlausibleForwarding | null {
  const domain = options.domain ?? (options.portalUrl === null ? null : new URL(options.portalUrl).hostname);
  if (domain === null) {
    options.onLog?.({
      level: 'warn',
      message: 'Plausible forwarding is off: set --plausible-domain or --portal-url to name the site',
    });
    return null;
  }
  const counter = createPlausibleCounter(options.store, options.now, options.flushMs);
  let failing = false;
  const forwarder = createPlausibleForwarder({
    ...options.forwarder,
    plausibleUrl: options.plausibleUrl,
    domain,
    portalUrl: options.portalUrl ?? `https://${domain}`,
    onOutcome(outcome, reason) {
      counter.add(outcome);
      if (outcome === 'failed' && !failing)
        options.onLog?.({
          level: 'warn',
          message: `Plausible forwarding failed: ${reason ?? 'unknown'} (events are still stored; failures are counted in stats)`,
        });
      else if (outcome !== 'failed' && failing)
        options.onLog?.({ level: 'info', message: 'Plausible forwarding works again' });
      failing = outcome === 'failed';
    },
  });
  return {
    onHit(hit) {
      if (hit.recorded && (hit.classification === 'human' || hit.classification === 'image_proxy')) {
        forwarder.enqueue({
          kind: hit.kind,
          classification: hit.classification,
          userAgent: hit.userAgent,
          ip: hit.ip,
        });
      }
    },
    async close() {
      await forwarder.close();
      counter.close();
    },
  };
}
