/**
 * A client retrying with a wrong secret (or a scanner) would fill the log with one 401 line per request.
 * The first 401 from an address is logged with its reason; the ones after it are counted and said once
 * a period ("41 more since 09:00:00"); an address quiet for a whole period is forgotten, and logged afresh.
 */
export interface AuthFailureLog {
  /** The line to log for this 401 now, or null when it is only counted. */
  refused(source: string, reason: string): string | null;
  /** The counts since the last flush, one line per address that had any; called once a period and at shutdown. */
  flush(): string[];
}

interface SourceState {
  /** 401s since the last line about this address. */
  more: number;
  since: number;
  lastReason: string;
  lastSeen: number;
}

const OTHERS = 'other addresses';

export function createAuthFailureLog(options: {
  periodMs: number;
  now: () => number;
  maxSources?: number;
}): AuthFailureLog {
  const maxSources = options.maxSources ?? 1000;
  const sources = new Map<string, SourceState>();
  const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const period =
    options.periodMs === 60_000 ? 'once a minute' : `every ${Math.round(options.periodMs / 1000)} s`;
  return {
    refused(source, reason) {
      const now = options.now();
      // Past the limit (a flood from many addresses) every new address shares one entry, so memory stays bounded.
      const key = sources.has(source) || sources.size < maxSources ? source : OTHERS;
      const state = sources.get(key);
      if (state !== undefined) {
        state.more += 1;
        state.lastReason = reason;
        state.lastSeen = now;
        return null;
      }
      sources.set(key, { more: 0, since: now, lastReason: reason, lastSeen: now });
      return `401 from ${key}: ${reason} (repeats from this address are counted ${period})`;
    },
    flush() {
      const now = options.now();
      const lines: string[] = [];
      for (const [source, state] of sources) {
        if (state.more > 0) {
          lines.push(
            `401 from ${source}: ${state.more} more since ${clock(state.since)} (last: ${state.lastReason})`,
          );
          state.more = 0;
          state.since = now;
        } else if (now - state.lastSeen >= options.periodMs) {
          sources.delete(source);
        }
      }
      return lines;
    },
  };
}
