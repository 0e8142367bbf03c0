// A small HTTP load generator for the benchmarks: one keep-alive undici Pool, either a fixed number of
// requests in flight (closed loop, measures the most a server can take) or a fixed arrival rate (open
// loop, measures latency at a given load). Latencies go into a perf_hooks histogram in microseconds.
//
// In the open loop each request's latency is measured from the moment it was *scheduled*, not from when
// a connection was free to send it, so a server that falls behind is charged for the queue it causes
// (no coordinated omission).
//
// With `urls` (several servers serving the same path) the requests go to them in turn, as a round-robin
// load balancer would send them, each server over its own pool; the latencies go into one histogram.
import { createHistogram, performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * @typedef {{ headers: Record<string, string>, body?: string | Buffer, method?: string, path?: string }} LoadRequest
 * @typedef {{
 *   url: string,
 *   urls?: string[],
 *   makeRequest: (index: number) => LoadRequest,
 *   concurrency?: number,
 *   durationMs?: number,
 *   requests?: number,
 *   rate?: number,
 *   readBody?: boolean,
 *   onResponse?: (status: number, body: string | null, index: number) => void,
 * }} LoadOptions
 */

/**
 * Runs one load phase and resolves with its counts and latency percentiles (ms).
 * Stops at `requests` sent or after `durationMs`, whichever comes first (at least one must be given).
 * With `rate` (requests per second) the load is open loop; `concurrency` then caps connections only.
 * @param {LoadOptions} options
 */
export async function runLoad(options) {
  const {
    url,
    urls = [url],
    makeRequest,
    concurrency = 64,
    durationMs = Infinity,
    requests = Infinity,
    rate,
    readBody = false,
    onResponse,
  } = options;
  if (durationMs === Infinity && requests === Infinity)
    throw new Error('runLoad needs durationMs or requests');
  const target = new URL(urls[0]);
  const pools = urls.map(
    (each) =>
      new Pool(new URL(each).origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 }),
  );
  const histogram = createHistogram();
  const statuses = new Map();
  const state = { sent: 0, done: 0, ok: 0, errors: 0, firstError: null };
  const path = `${target.pathname}${target.search}`;
  const started = performance.now();
  const deadline = started + durationMs;

  async function fire(index, scheduledAt) {
    // A request may name its own method and path (a GET of a tracking pixel); by default it POSTs to `url`.
    const { headers, body, method = 'POST', path: requestPath = path } = makeRequest(index);
    try {
      const response = await pools[index % pools.length].request({
        path: requestPath,
        method,
        headers,
        body,
      });
      const text = readBody || onResponse ? await response.body.text() : (await response.body.dump(), null);
      histogram.record(Math.max(1, Math.round((performance.now() - scheduledAt) * 1000)));
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode >= 200 && response.statusCode < 300) state.ok += 1;
      onResponse?.(response.statusCode, text, index);
    } catch (error) {
      state.errors += 1;
      state.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      state.done += 1;
    }
  }

  if (rate === undefined) await closedLoop();
  else await openLoop(rate);
  const elapsedMs = performance.now() - started;
  await Promise.all(pools.map((pool) => pool.close()));
  return summarize(histogram, statuses, state, elapsedMs);

  async function closedLoop() {
    async function worker() {
      while (state.sent < requests && performance.now() < deadline) {
        const index = state.sent;
        state.sent += 1;
        await fire(index, performance.now());
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  async function openLoop(perSecond) {
    const intervalMs = 1000 / perSecond;
    const inFlight = new Set();
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        // Send every request whose scheduled time has come; timers are coarse, so several may be due at once.
        while (
          state.sent < requests &&
          started + state.sent * intervalMs <= now &&
          started + state.sent * intervalMs < deadline
        ) {
          const scheduledAt = started + state.sent * intervalMs;
          const promise = fire(state.sent, scheduledAt);
          state.sent += 1;
          inFlight.add(promise);
          promise.finally(() => inFlight.delete(promise));
        }
        if (state.sent >= requests || now >= deadline) resolve();
        else setTimeout(tick, Math.max(0, Math.min(1, started + state.sent * intervalMs - now)));
      };
      tick();
    });
    await Promise.all(inFlight);
  }
}

function summarize(histogram, statuses, state, elapsedMs) {
  const ms = (value) => Math.round((value / 1000) * 100) / 100;
  const count = histogram.count;
  return {
    sent: state.sent,
    completed: state.done,
    ok: state.ok,
    errors: state.errors,
    firstError: state.firstError,
    statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    elapsedMs: Math.round(elapsedMs),
    perSecond: Math.round((state.ok / elapsedMs) * 1000),
    p50: count > 0 ? ms(histogram.percentile(50)) : null,
    p99: count > 0 ? ms(histogram.percentile(99)) : null,
    max: count > 0 ? ms(histogram.max) : null,
  };
}
