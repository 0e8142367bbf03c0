/**
 * Exact percentiles of whole milliseconds in constant memory: a count per millisecond up to a minute
 * (anything slower lands in the last bucket). A 100,000-event replay costs 240 KB, not a growing array.
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(60_001);
  private total = 0;

  add(ms: number): void {
    const bucket = Math.min(this.counts.length - 1, Math.max(0, Math.round(ms)));
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.total += 1;
  }

  get count(): number {
    return this.total;
  }

  /** Nearest-rank percentile (p in 0..100); null when nothing was recorded. */
  percentile(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let ms = 0; ms < this.counts.length; ms += 1) {
      seen += this.counts[ms] ?? 0;
      if (seen >= rank) return ms;
    }
    return this.counts.length - 1;
  }
}
