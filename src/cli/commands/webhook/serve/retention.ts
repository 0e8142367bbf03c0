import type { Output } from '../../../output.js';
import type { CliContext } from '../../../context.js';
import type { PruneSchedule } from '../../../../operations/prune-schedule.js';

/**
 * `webhook serve --retention`: the daily prune, logged in the listener's own stream (an NDJSON
 * `{"type":"prune",…}` record with --json, else one line).
 */
export async function startServeRetention(
  ctx: CliContext,
  olderThanMs: number,
  log: Output,
): Promise<PruneSchedule> {
  const [{ startPruneSchedule }, { pruneDocument, pruneSummary }, { isPortalError }] = await Promise.all([
    import('../../../../operations/prune-schedule.js'),
    import('../../prune/render.js'),
    import('../../../../core/errors.js'),
  ]);
  return startPruneSchedule(
    { olderThanMs },
    {
      store: await ctx.store(),
      now: ctx.now,
      onResult: (result) => {
        if (ctx.json) log.record({ type: 'prune', ...pruneDocument(result) });
        else if (result.events > 0 || !result.interrupted)
          log.line(`${ctx.now().toISOString().slice(11, 19)} retention: ${pruneSummary(result)}`);
      },
      onError: (error) => {
        const message = error instanceof Error ? error.message : String(error);
        ctx.output.warn(
          `retention: the prune failed, the next one runs in a day: ${message}${isPortalError(error) && error.hint !== undefined ? ` (${error.hint})` : ''}`,
        );
      },
    },
  );
}
