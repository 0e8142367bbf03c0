import { Option, type Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import { parseReplyCursor } from '../../../core/reply-cursor.js';
import { REPLY_STATUSES } from '../../../core/reply-status.js';
import type { RepliesOptions, RepliesStatus } from '../../../operations/replies.js';
import type { CliContext, CliIo } from '../../context.js';
import { parsePositiveInt } from '../../flag-values.js';
import { documentOptions, withExamples } from '../../help.js';
import { runParsed } from '../../run-command.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

interface RepliesCliOptions {
  recipient?: string;
  ticket?: string;
  status?: RepliesStatus;
  transport?: 'api' | 'smtp';
  trackingId?: string;
  emailId?: string;
  messageId?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

/** Typed options; `since`/`until` stay text until the context's clock is known (tests inject it). */
export type RepliesCliParsed = Omit<RepliesOptions, 'since' | 'until'> & {
  since: string | null;
  until: string | null;
};

export function toRepliesOptions(o: RepliesCliOptions): RepliesCliParsed {
  const text = (flag: string, value: string | undefined, max: number) => {
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed === '' || trimmed.length > max)
      throw new UsageError(`--${flag} must be 1 to ${max} characters, not "${value.slice(0, 40)}"`);
    return trimmed;
  };
  const limit =
    o.limit === undefined
      ? DEFAULT_LIMIT
      : parsePositiveInt(o.limit, `--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${o.limit}"`);
  if (limit > MAX_LIMIT)
    throw new UsageError(
      `--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${o.limit}"`,
      'page through more with --cursor',
    );
  const optional = {
    recipient: text('recipient', o.recipient, 320),
    ticketId:
      o.ticket === undefined
        ? undefined
        : parsePositiveInt(
            o.ticket,
            `--ticket must be a ticket id (a positive whole number), not "${o.ticket}"`,
          ),
    status: o.status,
    transport: o.transport,
    trackingId: text('tracking-id', o.trackingId, 200),
    emailId: text('email-id', o.emailId, 200),
    messageId: text('message-id', o.messageId, 1000),
  };
  return {
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    since: o.since ?? null,
    until: o.until ?? null,
    limit,
    cursor: o.cursor === undefined ? null : parseReplyCursor(o.cursor),
  };
}

export function registerReplies(program: Command, io: CliIo): void {
  const command = program
    .command('replies')
    .description(
      'list replies newest first and find one: by recipient, ticket, status, transport, id, or time',
    )
    .option('--recipient <text>', "part of any recipient's address, any case (customer@, @example.com)")
    .option('--ticket <id>', 'replies to this ticket')
    .addOption(
      new Option(
        '--status <s>',
        'replies in this status (as stats shows it); ambiguous: pending after an ambiguous send',
      ).choices([...REPLY_STATUSES, 'ambiguous']),
    )
    .addOption(
      new Option('--transport <t>', 'replies this transport carried (api+smtp counts for both)').choices([
        'api',
        'smtp',
      ]),
    )
    .option('--tracking-id <id>', 'the reply with this tracking id')
    .option('--email-id <id>', 'the reply with this SMTP2Go email id')
    .option('--message-id <id>', 'the reply with this Message-ID (angle brackets optional)')
    .option(
      '--since <time>',
      'sent since: a duration (48h, 7d) or a date/time (2026-09-01); never-sent replies by creation time',
    )
    .option('--until <time>', 'sent before: a duration back from now or a date/time')
    .option('--limit <n>', `replies per page, 1 to ${MAX_LIMIT}`)
    .option('--cursor <c>', 'the next page: the cursor the previous page printed')
    .action(async (opts: RepliesCliOptions, command: Command) => {
      await runParsed(io, command, 'replies', toRepliesOptions(opts), replies);
    });
  documentOptions(command, { '--limit': { default: String(DEFAULT_LIMIT) } });
  withExamples(command, [
    'replies --status ambiguous',
    'replies --ticket 4521 --since 7d',
    'replies --json --limit 200',
  ]);
}

async function replies(ctx: CliContext, parsed: RepliesCliParsed): Promise<void> {
  const [{ runReplies }, { parseSince }] = await Promise.all([
    import('../../../operations/replies.js'),
    import('../../../core/since.js'),
  ]);
  const now = ctx.now();
  const { since, until, ...rest } = parsed;
  const options: RepliesOptions = {
    ...rest,
    ...(since === null ? {} : { since: parseSince(since, now) }),
    ...(until === null ? {} : { until: parseSince(until, now, '--until') }),
  };
  const result = runReplies(options, { store: await ctx.store({ mustExist: true }) });
  if (ctx.json) return ctx.output.data({ replies: result.replies, next_cursor: result.next_cursor });
  const [{ renderReplies }, { operatorZone }] = await Promise.all([
    import('./render.js'),
    import('../stats/render-format.js'),
  ]);
  renderReplies(ctx.output, result, await operatorZone(ctx.env));
}
