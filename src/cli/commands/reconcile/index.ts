import type { Command } from 'commander';
import { PortalError } from '../../../core/errors.js';
import type { IngestEvents, NormalizeEvent, ReconcileResult } from '../../../operations/reconcile.js';
import type { CliContext, CliIo } from '../../context.js';
import { ReportedFailure, escapeControlsDeep } from '../../output.js';
import { parseReplyId } from '../../flag-values.js';
import { runParsed } from '../../run-command.js';
import { wrap } from '../../text-width.js';
import { documentOptions, withExamples } from '../../help.js';

interface ReconcileCliOptions {
  since?: string;
  reply?: string;
  dryRun?: boolean;
}

export interface ReconcileCliParsed {
  /** Raw `--since`; parsed against the context's clock (tests inject it). */
  since: string;
  replyId?: number;
  dryRun: boolean;
}

function toReconcileOptions(o: ReconcileCliOptions): ReconcileCliParsed {
  return {
    since: o.since ?? '7d',
    ...(o.reply === undefined ? {} : { replyId: parseReplyId(o.reply) }),
    dryRun: o.dryRun === true,
  };
}

export function registerReconcile(program: Command, io: CliIo): void {
  const command = program
    .command('reconcile')
    .description(
      "fill in events a listener outage lost: fetch incomplete replies' events from SMTP2Go's activity log and store the missing ones",
    )
    .option(
      '--since <time>',
      'replies sent since: a duration (48h, 7d) or a date/time (2026-09-01, 2026-09-01T08:00:00Z)',
    )
    .option('--reply <id>', 'reconcile this reply only, complete or not')
    .option('--dry-run', 'show what would be filled without storing anything')
    .action(async (opts: ReconcileCliOptions, command: Command) => {
      await runParsed(io, command, 'reconcile', toReconcileOptions(opts), reconcile);
    });
  documentOptions(command, { '--since': { default: '7d' } });
  withExamples(command, ['reconcile --dry-run', 'reconcile --since 48h', 'reconcile --reply 12 --json']);
}

async function reconcile(ctx: CliContext, options: ReconcileCliParsed): Promise<void> {
  const { parseSince } = await import('../../../core/since.js');
  const since = parseSince(options.since, ctx.now());
  const { runReconcile } = await import('../../../operations/reconcile.js');
  const { normalize, ingest } = await loadListenerCode();
  const store = await ctx.store();
  const settings = await ctx.settings();
  const result = await runReconcile(
    { since, ...(options.replyId === undefined ? {} : { replyId: options.replyId }), dryRun: options.dryRun },
    {
      store,
      settings,
      now: ctx.now,
      normalize,
      ingest,
      onProgress: ({ replyId, index, total }) =>
        ctx.json ? undefined : ctx.output.info(`[${index + 1}/${total}] reply ${replyId}…`),
    },
  );
  if (ctx.json) ctx.output.data(reconcileDocument(result));
  else renderReconcile(ctx, result);
  const failed = result.replies.filter((reply) => reply.error !== null);
  if (failed.length > 0) {
    const failure = new PortalError(
      'network',
      `${failed.length} of ${result.replies.length} replies could not be reconciled`,
      { hint: 'run reconcile again later; what was stored is kept' },
    );
    // With --json the document's per-reply errors are the report.
    throw ctx.json ? new ReportedFailure(failure) : failure;
  }
}

async function loadListenerCode(): Promise<{ normalize: NormalizeEvent; ingest: IngestEvents }> {
  const [{ normalizeEvent }, { ingestEvents }] = await Promise.all([
    import('../../../core/normalize-event.js'),
    import('../../../store/ingest-events.js'),
  ]);
  return { normalize: normalizeEvent, ingest: ingestEvents };
}

function reconcileDocument(result: ReconcileResult): Record<string, unknown> {
  return {
    since: result.since,
    until: result.until,
    dry_run: result.dryRun,
    requests: result.requests,
    retries: result.retries,
    replies: result.replies.map((reply) => ({
      reply_id: reply.replyId,
      email_id: reply.emailId,
      fetched: reply.fetched,
      error: reply.error,
      filled: reply.filled.map((event) => ({
        type: event.event_type,
        recipient: event.recipient,
        occurred_at: event.occurred_at,
      })),
    })),
  };
}

function renderReconcile(ctx: CliContext, unsafe: ReconcileResult): void {
  // Event names, recipients and errors come from SMTP2Go's activity log.
  const result = escapeControlsDeep(unsafe);
  const out = ctx.output;
  const say = (text: string) => wrap(text, out.width, '  ').forEach((line) => out.line(line));
  if (result.replies.length === 0) say(`No reply sent since ${result.since} has an incomplete story.`);
  for (const reply of result.replies) {
    const head = `reply ${reply.replyId} (${reply.emailId}):`;
    if (reply.error !== null) {
      wrap(`${head} failed: ${reply.error}`, out.width, '  ').forEach((line, i) =>
        out.line(i === 0 ? line.replace(`${head} failed`, `${head} ${out.color.red('failed')}`) : line),
      );
      continue;
    }
    const verb = result.dryRun ? 'would fill' : 'filled';
    say(
      `${head} ${reply.fetched} event(s) at SMTP2Go, ${reply.filled.length === 0 ? 'nothing missing' : `${verb} ${reply.filled.length}`}`,
    );
    for (const event of reply.filled)
      out.line(`  ${event.occurred_at}  ${event.event_type.padEnd(11)} ${event.recipient ?? ''}`.trimEnd());
  }
  const filled = result.replies.reduce((sum, reply) => sum + reply.filled.length, 0);
  out.info(
    `${result.replies.length} repl${result.replies.length === 1 ? 'y' : 'ies'} checked, ${filled} event(s) ${result.dryRun ? 'would be stored (dry run: nothing stored)' : 'stored'}; ${result.requests} API request(s), ${result.retries} retried`,
  );
}
