import type { ReplyStats } from '../operations/stats.js';
import type { Output } from './output.js';

/** Prints one reply's story: the JSON document, or the tables in the operator's zone (`TZ`). */
export async function printReplyStats(output: Output, stats: ReplyStats, env: NodeJS.ProcessEnv): Promise<void> {
  if (output.json) {
    output.data({ ...stats.document });
    return;
  }
  const [{ renderReplyStats }, { operatorZone }, { resolveTimeZone }] = await Promise.all([
    import('./render-stats-reply.js'), import('./render-stats-time.js'), import('../core/time-zone.js'),
  ]);
  renderReplyStats(output, stats, operatorZone(env, resolveTimeZone));
}
