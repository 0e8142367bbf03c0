import { LatencyHistogram } from './latency.js';
import type { PreparedEvent } from './prepare.js';

export type ReplayOutcome = 'ok' | 'duplicate' | 'failed' | 'dry-run';

export interface ReplayEventResult {
  /** Line number in the file, or the stored event's id (see `positionName`). */
  position: number;
  positionName: 'line' | 'event';
  type: string;
  recipient: string | null;
  emailId: string | null;
  occurredAt: string | null;
  contentType: string;
  bytes: number;
  outcome: ReplayOutcome;
  /** HTTP status of the final attempt; null for a local replay, a dry run, or when no answer came. */
  status: number | null;
  /** The final attempt's round trip (or the ingest call's time for a local replay). */
  ms: number;
  attempts: number;
  error: string | null;
  /** The listener's answer, trimmed, when it failed. */
  body: string | null;
  /** Applied locally and stored (or already held) with no reply to link it to; null when not known (sent, dry run). */
  unlinked: boolean | null;
}

export interface ReplayMalformed {
  position: number;
  positionName: 'line' | 'event';
  message: string;
}

export type ReplayCounts = Omit<ReplaySummary, 'p50Ms' | 'p95Ms'>;

export interface ReplaySummary {
  /** Records read from the source (a record can hold several events). */
  read: number;
  /** Events that passed the filters. */
  matched: number;
  /** Events sent or applied (not in a dry run). */
  sent: number;
  ok: number;
  duplicate: number;
  failed: number;
  /** Events that needed more than one attempt. */
  retried: number;
  malformed: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

const MALFORMED_KEPT = 1_000;

/** Counts as events finish; keeps per-event results only when asked, so a long run stays flat. */
export class ReplayTally {
  private readonly tallies = {
    read: 0,
    matched: 0,
    sent: 0,
    ok: 0,
    duplicate: 0,
    failed: 0,
    retried: 0,
    malformed: 0,
  };
  private readonly latency = new LatencyHistogram();
  private readonly kept: ReplayEventResult[] = [];
  private readonly problems: ReplayMalformed[] = [];

  constructor(
    private readonly collect: boolean,
    private readonly positionName: 'line' | 'event',
    private readonly listeners: {
      onEvent?: (result: ReplayEventResult) => void;
      onMalformed?: (problem: ReplayMalformed) => void;
    },
  ) {}

  read(): void {
    this.tallies.read += 1;
  }

  malformed(position: number, message: string): void {
    this.tallies.malformed += 1;
    const problem = { position, positionName: this.positionName, message };
    if (this.problems.length < MALFORMED_KEPT) this.problems.push(problem);
    this.listeners.onMalformed?.(problem);
  }

  event(
    event: PreparedEvent,
    outcome: Pick<ReplayEventResult, 'outcome' | 'status' | 'ms' | 'attempts' | 'error' | 'body'> & {
      unlinked?: boolean;
    },
  ): void {
    const result: ReplayEventResult = {
      position: event.position,
      positionName: this.positionName,
      type: event.type,
      recipient: event.recipient,
      emailId: event.emailId,
      occurredAt: event.occurredAt,
      contentType: event.contentType,
      bytes: Buffer.byteLength(event.rawBody),
      ...outcome,
      unlinked: outcome.unlinked ?? null,
    };
    this.tallies.matched += 1;
    if (outcome.outcome !== 'dry-run') {
      this.tallies.sent += 1;
      if (outcome.outcome === 'ok') this.tallies.ok += 1;
      if (outcome.outcome === 'duplicate') this.tallies.duplicate += 1;
      if (outcome.outcome === 'failed') this.tallies.failed += 1;
      if (outcome.attempts > 1) this.tallies.retried += 1;
      this.latency.add(outcome.ms);
    }
    if (this.collect) this.kept.push(result);
    this.listeners.onEvent?.(result);
  }

  /** Cheap enough to call after every record (progress); percentiles only in summary(). */
  counts(): ReplayCounts {
    return { ...this.tallies };
  }

  summary(): ReplaySummary {
    return { ...this.tallies, p50Ms: this.latency.percentile(50), p95Ms: this.latency.percentile(95) };
  }

  events(): ReplayEventResult[] {
    return this.kept;
  }

  malformedList(): ReplayMalformed[] {
    return this.problems;
  }
}
