import type { PruneResult } from '../../../operations/prune.js';
import type { Output } from '../../output.js';

export function pruneDocument(r: PruneResult): Record<string, unknown> {
  return {
    window: r.window,
    cutoff: r.cutoff,
    dry_run: r.dryRun,
    events: r.events,
    by_type: { ...r.byType },
    bytes: r.bytes,
    oldest: r.oldest,
    newest: r.newest,
    batches: r.batches,
    longest_batch_ms: round(r.longestBatchMs),
    ms: Math.round(r.ms),
    interrupted: r.interrupted,
  };
}

/** One line a scheduled prune leaves in the listener's log. */
export function pruneSummary(r: PruneResult): string {
  const verb = r.dryRun ? 'would prune' : 'pruned';
  if (r.events === 0) return `nothing to prune: no event older than ${r.window} (before ${r.cutoff})`;
  const types = Object.entries(r.byType)
    .sort(([, a], [, b]) => b - a)
    .map(([type, n]) => `${n.toLocaleString('en-US')} ${type}`)
    .join(', ');
  return `${verb} ${r.events.toLocaleString('en-US')} event${r.events === 1 ? '' : 's'} older than ${r.window} (before ${r.cutoff}): ${types}`;
}

export function renderPrune(out: Output, r: PruneResult, engine: 'sqlite' | 'postgres' = 'sqlite'): void {
  const first = pruneSummary(r);
  out.line(first.charAt(0).toUpperCase() + first.slice(1));
  if (r.events === 0) return;
  out.line(`  event times ${r.oldest} … ${r.newest}; ${formatBytes(r.bytes)} of raw bodies and payloads`);
  if (r.dryRun) return;
  out.line(
    `  ${r.batches.toLocaleString('en-US')} batch${r.batches === 1 ? '' : 'es'}, the longest ${engine === 'sqlite' ? 'held the write lock' : 'took'} ${round(r.longestBatchMs)} ms; ${(r.ms / 1000).toFixed(1)} s in all`,
  );
  out.line(
    engine === 'sqlite'
      ? '  reply summaries (status, first times, counts) are kept; the file keeps its size and SQLite reuses the freed pages'
      : "  reply summaries (status, first times, counts) are kept; PostgreSQL's autovacuum makes the freed space reusable",
  );
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
