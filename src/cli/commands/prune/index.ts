import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import { parseRetentionWindow } from '../../../core/retention.js';
import type { PruneOptions } from '../../../operations/prune.js';
import type { CliContext, CliIo } from '../../context.js';
import { runParsed } from '../../run-command.js';

interface PruneCliOptions {
  olderThan?: string;
  dryRun?: boolean;
}

function toPruneOptions(o: PruneCliOptions): PruneOptions {
  if (o.olderThan === undefined)
    throw new UsageError('prune needs --older-than <window>', 'e.g. prune --older-than 400d (at least 3d)');
  return { olderThanMs: parseRetentionWindow(o.olderThan, '--older-than'), dryRun: o.dryRun === true };
}

export function registerPrune(program: Command, io: CliIo): void {
  program
    .command('prune')
    .description(
      'delete stored events (and their raw bodies) older than a window, in short batches the listener hardly notices; reply summaries are kept',
    )
    .option(
      '--older-than <window>',
      'event time (else receipt time) older than this: 400d, 60w, 96h; at least 3d',
    )
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .action(async (opts: PruneCliOptions, command: Command) => {
      await runParsed(io, command, 'prune', toPruneOptions(opts), prune);
    });
}

async function prune(ctx: CliContext, options: PruneOptions): Promise<void> {
  const [{ runPrune }, { pruneDocument, renderPrune }, { storeDialect }] = await Promise.all([
    import('../../../operations/prune.js'),
    import('./render.js'),
    import('../../../store/open-store.js'),
  ]);
  const store = await ctx.store({ mustExist: true });
  const result = await runPrune(options, { store, now: ctx.now });
  if (ctx.json) ctx.output.data(pruneDocument(result));
  else renderPrune(ctx.output, result, storeDialect(store));
}
