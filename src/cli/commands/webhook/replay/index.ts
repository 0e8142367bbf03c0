import { Option, type Command } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import { parseReplyId } from '../../../flag-values.js';
import type { ReplayRequest } from '../../../../operations/webhook-replay/resolve-options.js';
import type { CliContext, CliIo } from '../../../context.js';
import { collect, reportResult, runParsed } from '../../../run-command.js';
import { documentOptions, withExamples } from '../../../help.js';
import { webhookCommand } from '../index.js';
import { LISTENER_TO, renamedOption, takeRenamedFlags } from '../../../renamed-flags.js';

interface ReplayCliOptions {
  file?: string;
  fromStore?: boolean;
  reply?: string;
  type?: string[];
  since?: string;
  until?: string;
  recipient?: string;
  emailId?: string;
  listener?: string;
  sign?: 'hmac' | 'bearer' | 'none';
  secret?: string;
  rate?: string;
  concurrency: string;
  dryRun?: boolean;
}

/** Typed options; times stay text until the context's clock is known (tests inject it). */
export type ReplayCliParsed = ReplayRequest;

function toReplayOptions(o: ReplayCliOptions): ReplayCliParsed {
  if ((o.file === undefined) === (o.fromStore !== true))
    throw new UsageError(
      'give exactly one source: --file <path> or --from-store',
      'e.g. webhook replay --from-store --since 2h --listener http://127.0.0.1:8787',
    );
  if (!/^[1-9]\d{0,3}$/.test(o.concurrency))
    throw new UsageError(`--concurrency must be a whole number from 1 to 9999, not "${o.concurrency}"`);
  const rate = o.rate === undefined ? null : /^(\d+(\.\d+)?)(\/s)?$/.exec(o.rate.trim());
  if (rate === null && o.rate !== undefined)
    throw new UsageError(
      `--rate "${o.rate}" is not a number of events per second`,
      'e.g. --rate 50 or --rate 50/s',
    );
  if (rate !== null && !(Number(rate[1]) > 0)) throw new UsageError('--rate must be above 0');
  if (o.listener === undefined && (o.sign !== undefined || o.secret !== undefined || o.rate !== undefined))
    throw new UsageError(
      '--sign, --secret and --rate only apply with --listener',
      'without --listener, events are applied to the local store',
    );
  const optional = {
    replyId: o.reply === undefined ? undefined : parseReplyId(o.reply),
    types: o.type,
    since: o.since,
    until: o.until,
    recipient: o.recipient,
    emailId: o.emailId,
    to: o.listener,
    secret: o.secret,
  };
  return {
    source: o.file === undefined ? { kind: 'store' } : { kind: 'file', path: o.file },
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    sign: o.sign ?? 'hmac',
    ratePerSecond: rate === null ? null : Number(rate[1]),
    concurrency: Number(o.concurrency),
    dryRun: o.dryRun === true,
  };
}

export function registerWebhookReplay(program: Command, io: CliIo): void {
  const command = webhookCommand(program)
    .command('replay')
    .description(
      're-send webhook events from a file or the store: into the local store (idempotent) or POSTed signed to a listener (--listener)',
    )
    .option(
      '--file <path>',
      'a JSON object or array, NDJSON, or form bodies one per line (- reads standard input)',
    )
    .option('--from-store', 'stored events, byte for byte as received')
    .option('--reply <id>', "only this reply's events")
    .option(
      '--type <t...>',
      'only these event types (open, click, bounce, ...; repeat or comma-separate)',
      collect,
    )
    .option('--since <time>', 'events at or after: a duration back (2h, 3d) or an ISO-8601 date/time')
    .option('--until <time>', 'events before: a duration back (2h, 3d) or an ISO-8601 date/time')
    .option('--recipient <addr>', 'only this recipient, or @domain')
    .option('--email-id <id>', 'only this SMTP2Go email id')
    .option(
      '--listener <url>',
      'POST to this listener (a bare origin gets the listener path) instead of applying locally',
    )
    .addOption(renamedOption(LISTENER_TO))
    .addOption(
      new Option('--sign <mode>', 'with --listener: hmac (X-Smtp2go-Signature), bearer, or none').choices([
        'hmac',
        'bearer',
        'none',
      ]),
    )
    .option('--secret <s>', 'with --listener: the secret to sign with')
    .option('--rate <n/s>', 'with --listener: at most this many requests per second')
    .option('--concurrency <n>', 'with --listener: requests in flight at once', '8')
    .option('--dry-run', 'list what would be sent or applied; send and store nothing')
    .action(async (opts: ReplayCliOptions, command: Command) => {
      await runParsed(
        io,
        command,
        'webhook replay',
        toReplayOptions(takeRenamedFlags(io, command, opts, [LISTENER_TO])),
        replay,
      );
    });
  documentOptions(command, {
    '--since': { default: 'no bound' },
    '--until': { default: 'now' },
    '--sign': { default: 'hmac' },
    '--secret': { default: 'the configured webhook secret', env: 'SMTP2GO_WEBHOOK_SECRET' },
    '--rate': { default: 'no limit' },
  });
  withExamples(command, [
    'webhook replay --from-store --since 2h --dry-run',
    'webhook replay --file e.json --listener http://127.0.0.1:8787',
    'webhook replay --from-store --reply 12 --type bounce',
  ]);
}

async function replay(ctx: CliContext, parsed: ReplayCliParsed): Promise<void> {
  // `--file -` (the operation's STDIN_PATH, not imported here to keep start-up lean) on a terminal would
  // sit waiting for typed-in JSON; nobody means that.
  if (parsed.source.kind === 'file' && parsed.source.path === '-' && ctx.io.stdin.isTTY === true) {
    throw new UsageError(
      '--file - reads events from standard input, which is a terminal here',
      'pipe them in, e.g. webhook replay --file - < events.ndjson, or give a file path',
    );
  }
  const [{ runWebhookReplay }, { resolveReplayOptions }, render] = await Promise.all([
    import('../../../../operations/webhook-replay.js'),
    import('../../../../operations/webhook-replay/resolve-options.js'),
    import('./render.js'),
  ]);
  // Reading the store (--from-store, or only a secret or a reply for --to) must not create one at a mistyped --db.
  const readsOnly = parsed.source.kind === 'store' || parsed.to !== undefined;
  const { options, store } = await resolveReplayOptions(parsed, {
    env: ctx.env,
    now: ctx.now(),
    openStore: () => ctx.store({ mustExist: readsOnly }),
  });
  const view = await render.startReplayView(ctx, options);
  // Signatures carry the context's clock, so a listener checking their age agrees with this run's idea of now.
  const delivery = { clock: { now: () => ctx.now().getTime() } };
  const result = await runWebhookReplay(
    { ...options, collectEvents: ctx.json },
    {
      store,
      now: ctx.now,
      delivery,
      stdin: ctx.io.stdin as AsyncIterable<Buffer | string>,
      onEvent: view.event,
      onMalformed: view.malformed,
      onProgress: view.progress,
    },
  ).finally(() => view.stop());
  reportResult(
    ctx,
    () => render.replayDocument(result),
    () => render.renderReplaySummary(ctx, result),
    render.replayFailure(result),
  );
}
