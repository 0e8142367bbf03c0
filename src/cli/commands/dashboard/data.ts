import { UsageError } from '../../../core/errors.js';
import { REPLY_STATUSES } from '../../../core/reply-status.js';
import { parseSince } from '../../../core/since.js';
import type { DashboardData } from '../../../dashboard/api.js';
import { createEventRollup, liveEvents, runActivity, runReplyStory } from '../../../operations/dashboard.js';
import { runReplies, type RepliesStatus } from '../../../operations/replies.js';
import { runStatsSummary } from '../../../operations/stats-summary.js';
import type { Store } from '../../../store/open-store.js';
import { toRepliesOptions } from '../replies/index.js';

export interface DashboardDataDeps {
  store: Store;
  now: () => Date;
  /** The operator's zone: the summary's days and the activity chart fold into it, as `stats --by day` does. */
  timeZone: string;
}

const STATUSES = new Set<string>([...REPLY_STATUSES, 'ambiguous']);
const GROUPINGS = new Set(['none', 'day', 'transport', 'domain']);

/**
 * The page's data from the same operations as the commands, each query read by the command's own flag
 * parser, so `/api/replies?recipient=…&status=bounced` means what `replies --recipient … --status bounced`
 * means and a bad value is the same error (answered 400).
 */
export function createDashboardData(deps: DashboardDataDeps): DashboardData {
  const { store } = deps;
  const rollup = createEventRollup(store);
  const window = (query: URLSearchParams) => {
    const since = query.get('since');
    const until = query.get('until');
    const now = deps.now();
    return {
      since: since === null ? null : parseSince(since, now),
      until: until === null ? null : parseSince(until, now, '--until'),
    };
  };
  return {
    ...liveEvents(store),
    replies(query) {
      const flags = flagsOf(query, [
        'recipient',
        'ticket',
        'status',
        'transport',
        'tracking-id',
        'email-id',
        'message-id',
        'since',
        'until',
        'limit',
        'cursor',
      ]);
      if (flags.status !== undefined && !STATUSES.has(flags.status))
        throw new UsageError(`--status must be one of ${[...STATUSES].join(', ')}, not "${flags.status}"`);
      if (flags.transport !== undefined && flags.transport !== 'api' && flags.transport !== 'smtp')
        throw new UsageError(`--transport must be api or smtp, not "${flags.transport}"`);
      const { since, until, ...rest } = toRepliesOptions({
        ...flags,
        status: flags.status as RepliesStatus | undefined,
        transport: flags.transport,
        trackingId: flags['tracking-id'],
        emailId: flags['email-id'],
        messageId: flags['message-id'],
      });
      const bounds = window(query);
      const result = runReplies(
        {
          ...rest,
          ...(since === null ? {} : { since: bounds.since as Date }),
          ...(until === null ? {} : { until: bounds.until as Date }),
        },
        { store },
      );
      return { replies: result.replies, next_cursor: result.next_cursor };
    },
    reply: (id) => ({ ...runReplyStory(id, { store }) }),
    summary(query) {
      const flags = flagsOf(query, ['since', 'until', 'by']);
      const by = flags.by ?? 'none';
      if (!GROUPINGS.has(by)) throw new UsageError(`--by must be day, transport or domain, not "${by}"`);
      const { since, until } = window(query);
      return { ...runStatsSummary({ since, until, by: by as 'none', timeZone: deps.timeZone }, { store }) };
    },
    async activity(query) {
      flagsOf(query, ['since', 'until']);
      const { since, until } = window(query);
      if (since !== null && until !== null && since >= until)
        throw new UsageError(
          `--since (${since.toISOString()}) is not before --until (${until.toISOString()})`,
        );
      return { ...(await runActivity({ since, until, timeZone: deps.timeZone }, { store, rollup })) };
    },
  };
}

/** The query as flags: each known name at most once; an unknown one is refused as commander refuses a flag. */
function flagsOf(query: URLSearchParams, names: string[]): Record<string, string | undefined> {
  const flags: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of query) {
    if (name === 'token') continue;
    if (!names.includes(name))
      throw new UsageError(`unknown parameter "${name.slice(0, 40)}"`, `use ${names.join(', ')}`);
    if (flags[name] !== undefined) throw new UsageError(`parameter "${name}" is given twice`);
    flags[name] = value;
  }
  return flags;
}
