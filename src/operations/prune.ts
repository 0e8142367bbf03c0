import { formatRetentionWindow } from '../core/retention.js';
import type { Store } from '../store/open-store.js';
import {
  checkpointAfterPrune,
  deletePruneCandidates,
  maxEventId,
  scanPruneCandidates,
  type PruneCandidate,
} from '../store/prune-events.js';

export interface PruneOptions {
  /** Events whose event time (else receipt time) is older than this are deleted; at least 3 days (core/retention.ts). */
  olderThanMs: number;
  dryRun: boolean;
}

export interface PruneDeps {
  store: Store;
  now: () => Date;
  /** Milliseconds, for the batch timings (tests inject a slow one to see the batches shrink). */
  clock?: () => number;
  /** Waits between two batches so the listener's commits get the write lock (default: a real timer). */
  pause?: (ms: number) => Promise<void>;
  /** Checked between batches: the listener stops a scheduled prune when it shuts down. */
  stopped?: () => boolean;
  onProgress?: (progress: {
    deleted: number;
    scannedUpTo: number;
    lastId: number;
    batchRows: number;
    heldMs: number;
  }) => void;
  /** Tuning, for tests: the write-lock time each batch aims at (default 10 ms), and the budget (50 ms). */
  targetBatchMs?: number;
  maxBatchMs?: number;
}

export interface PruneResult {
  window: string;
  cutoff: string;
  dryRun: boolean;
  /** Events deleted (or, with dryRun, that would be). */
  events: number;
  byType: Record<string, number>;
  /** Characters of raw bodies and payloads removed: what the rows held, before the engine reuses the space. */
  bytes: number;
  oldest: string | null;
  newest: string | null;
  batches: number;
  /** The longest time one batch held the write lock, i.e. the longest the listener could have waited. */
  longestBatchMs: number;
  ms: number;
  /** True when the listener stopped the prune before it finished. */
  interrupted: boolean;
}

const FIRST_BATCH = 100;
const MIN_BATCH = 10;
const MAX_BATCH = 2_000;
/** Rowids read per scan, bounding each read however few old events there are. */
const SCAN_SPAN = 20_000;
/**
 * SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries, so a commit that started waiting
 * during a batch of under 50 ms tries again within 25 ms of its end. Pausing longer than that between
 * batches lets it in every time, rather than losing the race to the next batch until it times out (503).
 */
const MIN_PAUSE_MS = 30;

/**
 * Deletes old events in short transactions of a bounded, adaptive number of rows: each batch's lock time
 * is measured and the next batch sized to hold the lock about `targetBatchMs` (default 10 ms), halving at
 * once if one ever passes `maxBatchMs` (50 ms). Scans read outside any write transaction.
 */
export async function runPrune(options: PruneOptions, deps: PruneDeps): Promise<PruneResult> {
  const clock = deps.clock ?? (() => performance.now());
  const pause = deps.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const sizer = createBatchSizer(deps.targetBatchMs ?? 10, deps.maxBatchMs ?? 50);
  const started = clock();
  const cutoff = new Date(deps.now().getTime() - options.olderThanMs).toISOString();
  const result: PruneResult = {
    window: formatRetentionWindow(options.olderThanMs),
    cutoff,
    dryRun: options.dryRun,
    events: 0,
    byType: Object.create(null) as Record<string, number>,
    bytes: 0,
    oldest: null,
    newest: null,
    batches: 0,
    longestBatchMs: 0,
    ms: 0,
    interrupted: false,
  };
  const lastId = maxEventId(deps.store);
  let after = 0;
  while (after < lastId) {
    if (deps.stopped?.() === true) {
      result.interrupted = true;
      break;
    }
    const upto = Math.min(after + SCAN_SPAN, lastId);
    const limit = options.dryRun ? SCAN_SPAN : sizer.size();
    const found = scanPruneCandidates(deps.store, { after, upto }, cutoff, limit);
    after = found.length === limit ? (found[found.length - 1] as PruneCandidate).id : upto;
    if (found.length > 0 && !options.dryRun) {
      const { deleted, heldMs } = deletePruneCandidates(deps.store, found, cutoff, clock);
      checkpointAfterPrune(deps.store);
      tally(result, deleted);
      result.batches += 1;
      result.longestBatchMs = Math.max(result.longestBatchMs, heldMs);
      sizer.record(found.length, heldMs);
      deps.onProgress?.({
        deleted: result.events,
        scannedUpTo: after,
        lastId,
        batchRows: found.length,
        heldMs,
      });
      await pause(Math.max(MIN_PAUSE_MS, heldMs));
    } else {
      tally(result, found);
      // A scan holds no lock, but inside the listener it holds the event loop: let requests through.
      await pause(0);
    }
  }
  result.ms = clock() - started;
  return result;
}

/**
 * Sizes batches from a cautious estimate of the lock time per row: it rises at once to the slowest rate
 * just seen and comes down by a fifth per batch, because on a busy disk the same number of rows can take
 * ten times longer from one batch to the next (fsync stalls, another process on the CPU). The size at most
 * doubles per batch, and a batch over budget halves it whatever the estimate says.
 */
export function createBatchSizer(
  targetMs: number,
  budgetMs: number,
): { size(): number; record(rows: number, heldMs: number): void } {
  let size = FIRST_BATCH;
  let perRowMs = 0;
  return {
    size: () => size,
    record(rows, heldMs) {
      if (rows === 0) return;
      perRowMs = Math.max(heldMs / rows, perRowMs * 0.8);
      const scaled = perRowMs <= 0 ? size * 2 : Math.floor(targetMs / perRowMs);
      const next = heldMs > budgetMs ? Math.floor(size / 2) : Math.min(size * 2, scaled);
      size = Math.min(MAX_BATCH, Math.max(MIN_BATCH, next));
    },
  };
}

function tally(result: PruneResult, rows: PruneCandidate[]): void {
  for (const row of rows) {
    result.events += 1;
    result.bytes += row.bytes;
    result.byType[row.event_type] = (result.byType[row.event_type] ?? 0) + 1;
    if (result.oldest === null || row.occurred_at < result.oldest) result.oldest = row.occurred_at;
    if (result.newest === null || row.occurred_at > result.newest) result.newest = row.occurred_at;
  }
}
