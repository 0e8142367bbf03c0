import { Option, type Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { CliContext, CliIo } from '../../context.js';
import { parseReplyId } from '../../flag-values.js';
import { runParsed } from '../../run-command.js';
import { documentOptions, withExamples } from '../../help.js';

interface StatsCliOptions {
  reply?: string;
  since?: string;
  until?: string;
  by?: 'day' | 'transport' | 'domain';
}

export type StatsCliParsed =
  | { mode: 'reply'; replyId: number }
  /** `since`/`until` stay raw: they are read against the context's clock (tests inject it). */
  | {
      mode: 'summary';
      since: string | null;
      until: string | null;
      by: 'none' | 'day' | 'transport' | 'domain';
    };

function toStatsOptions(o: StatsCliOptions): StatsCliParsed {
  if (o.reply !== undefined) {
    const replyId = parseReplyId(o.reply);
    const extra = (['since', 'until', 'by'] as const).filter((key) => o[key] !== undefined);
    if (extra.length > 0)
      throw new UsageError(
        `--reply shows one reply; --${extra[0]} only applies to the summary`,
        'drop --reply for the summary',
      );
    return { mode: 'reply', replyId };
  }
  return { mode: 'summary', since: o.since ?? null, until: o.until ?? null, by: o.by ?? 'none' };
}

export function registerStats(program: Command, io: CliIo): void {
  const command = program
    .command('stats')
    .description(
      "the delivery story of one reply (--reply), or delivery, open and bounce rates over the portal's replies",
    )
    .option('--reply <id>', 'one reply: status, recipients, clicks and the event timeline')
    .option('--since <time>', 'replies sent since: a duration (48h, 7d) or a date/time (2026-09-01)')
    .option('--until <time>', 'replies sent before: a duration back from now or a date/time')
    .addOption(new Option('--by <group>', 'break the figures down').choices(['day', 'transport', 'domain']))
    .action(async (opts: StatsCliOptions, command: Command) => {
      await runParsed(io, command, 'stats', toStatsOptions(opts), (ctx, options) =>
        options.mode === 'reply' ? replyStats(ctx, options.replyId) : summary(ctx, options),
      );
    });
  documentOptions(command, { '--since': { default: 'the first reply' }, '--until': { default: 'now' } });
  withExamples(command, ['stats --reply 12', 'stats --since 7d --by day', 'stats --by domain --json']);
}

// main.ts usually answers `stats --reply` through ./reply-fast.ts before commander loads; this is
// the same command for every other spelling and for errors.
async function replyStats(ctx: CliContext, replyId: number): Promise<void> {
  const [{ runReplyStats }, { printReplyStats }] = await Promise.all([
    import('../../../operations/stats.js'),
    import('./reply-fast.js'),
  ]);
  await printReplyStats(
    ctx.output,
    runReplyStats({ replyId }, { store: await ctx.store({ mustExist: true }) }),
    ctx.env,
  );
}

async function summary(
  ctx: CliContext,
  options: Extract<StatsCliParsed, { mode: 'summary' }>,
): Promise<void> {
  const [{ runStatsSummary }, { parseSince }, { operatorZone }] = await Promise.all([
    import('../../../operations/stats-summary.js'),
    import('../../../core/since.js'),
    import('./render-format.js'),
  ]);
  const zone = await operatorZone(ctx.env);
  if (zone.warning !== undefined) ctx.output.warn(zone.warning);
  const now = ctx.now();
  const since = options.since === null ? null : parseSince(options.since, now);
  const until = options.until === null ? null : parseSince(options.until, now, '--until');
  const result = runStatsSummary(
    { since, until, by: options.by, timeZone: zone.name },
    { store: await ctx.store({ mustExist: true }) },
  );
  if (ctx.json) return ctx.output.data({ ...result });
  const { renderStatsSummary } = await import('./render-summary.js');
  renderStatsSummary(ctx.output, result, zone);
}
