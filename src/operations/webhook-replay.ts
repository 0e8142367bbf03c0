import { ConfigError, NotFoundError, UsageError } from '../core/errors.js';
import type { TrackingEvent } from '../core/tracking-event.js';
import { findReplyForEvent } from '../store/correlate-event.js';
import { ingestEvents } from '../store/ingest-events.js';
import type { Store } from '../store/open-store.js';
import { getReply } from '../store/replies.js';
import {
  createDeliveryClient,
  type DeliveryClient,
  type DeliveryClientOptions,
  type SignMode,
} from '../webhook/deliver.js';
import { createSlots } from '../webhook/deliver-limits.js';
import { openFileSource, openStreamSource } from './webhook-replay/file-source.js';
import type { ReplayFilter } from './webhook-replay/filter.js';
import { prepareRecord, type PreparedEvent } from './webhook-replay/prepare.js';
import {
  ReplayTally,
  type ReplayCounts,
  type ReplayEventResult,
  type ReplayMalformed,
  type ReplaySummary,
} from './webhook-replay/tally.js';
import { openStoreSource } from './webhook-replay/store-source.js';
import type { ReplaySource, SourceProgress } from './webhook-replay/source.js';

export type {
  ReplayCounts,
  ReplayEventResult,
  ReplayMalformed,
  ReplaySummary,
} from './webhook-replay/tally.js';

/** `--file -`: read the events from standard input, as `curl -d @-` and `jq` do. */
const STDIN_PATH = '-';

export type ReplayTarget =
  { kind: 'local' } | { kind: 'http'; url: string; sign: SignMode; secret: string | null };

export interface WebhookReplayOptions {
  source: { kind: 'file'; path: string } | { kind: 'store' };
  filter: ReplayFilter;
  target: ReplayTarget;
  ratePerSecond: number | null;
  concurrency: number;
  dryRun: boolean;
  /** Keep every per-event result in the returned data (for --json). Off, memory stays flat however long the run. */
  collectEvents: boolean;
}

export interface WebhookReplayDeps {
  /** Needed for --from-store, for a local replay and for --reply; null when none of those apply. */
  store: Store | null;
  /** What `--file -` reads (the CLI passes standard input). */
  stdin?: AsyncIterable<Buffer | string>;
  now: () => Date;
  /** Clock, retry policy, timeouts or dispatcher for the delivery client (tests). */
  delivery?: Omit<DeliveryClientOptions, 'concurrency' | 'ratePerSecond'>;
  onEvent?: (result: ReplayEventResult) => void;
  onMalformed?: (problem: ReplayMalformed) => void;
  /** Called after each record; `summary` has the counts so far (percentiles only in the result). */
  onProgress?: (progress: SourceProgress & { summary: ReplayCounts }) => void;
}

export interface WebhookReplayResult {
  source: 'file' | 'store';
  file: string | null;
  format: string | null;
  /** `local`, or the target URL (never a secret: URLs with credentials are refused). */
  target: string;
  sign: SignMode | null;
  dryRun: boolean;
  summary: ReplaySummary;
  malformed: ReplayMalformed[];
  /** Per-event results, in completion order; empty unless `collectEvents`. */
  events: ReplayEventResult[];
}

/**
 * Replays webhook events from a file or the store, either into the local store through the listener's own
 * parse and ingest code (idempotent), or POSTed to a listener with their original bytes. Streams the source
 * with bounded concurrency, so memory holds one read chunk and `concurrency` events in flight.
 */
export async function runWebhookReplay(
  options: WebhookReplayOptions,
  deps: WebhookReplayDeps,
): Promise<WebhookReplayResult> {
  validate(options, deps);
  const source = await openSource(options, deps);
  const tally = new ReplayTally(options.collectEvents, source.positionName, deps);
  const replyOf = replyResolver(options, deps.store);
  const local = options.target.kind === 'local';
  const client =
    options.target.kind === 'http' && !options.dryRun ? deliveryClient(options, options.target, deps) : null;
  // Reading waits for a free slot, so at most `concurrency` events are held however big the source is.
  const slots = createSlots(Math.max(1, options.concurrency));
  const jobs = new Set<Promise<void>>();
  try {
    for await (const item of source.items) {
      if (item.kind === 'malformed') {
        tally.malformed(item.position, item.message);
        continue;
      }
      tally.read();
      const prepared = prepareRecord(item, {
        filter: options.filter,
        needParsed: local && !options.dryRun,
        receivedAt: deps.now,
        replyOf,
      });
      if (prepared.kind === 'malformed') {
        tally.malformed(item.position, prepared.message);
        continue;
      }
      if (prepared.events.length === 0) continue;
      if (options.dryRun)
        prepared.events.forEach((event) =>
          tally.event(event, {
            outcome: 'dry-run',
            status: null,
            ms: 0,
            attempts: 0,
            error: null,
            body: null,
          }),
        );
      else if (client === null) applyLocally(deps.store as Store, prepared.events, deps.now(), tally);
      else {
        for (const event of prepared.events) {
          await slots.acquire();
          const job: Promise<void> = send(client, event, tally).finally(
            () => (slots.release(), jobs.delete(job)),
          );
          jobs.add(job);
        }
      }
      deps.onProgress?.({ ...source.progress(), summary: tally.counts() });
    }
    await Promise.all(jobs);
  } finally {
    await client?.close();
  }
  deps.onProgress?.({ ...source.progress(), summary: tally.counts() });
  return {
    source: options.source.kind,
    file: options.source.kind === 'file' ? options.source.path : null,
    format: source.format ?? null,
    target: options.target.kind === 'local' ? 'local' : options.target.url,
    sign: options.target.kind === 'local' ? null : options.target.sign,
    dryRun: options.dryRun,
    summary: tally.summary(),
    malformed: tally.malformedList(),
    events: tally.events(),
  };
}

function validate(options: WebhookReplayOptions, deps: WebhookReplayDeps): void {
  const { since, until } = options.filter;
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime())
    throw new UsageError('--since must be before --until');
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new UsageError('--concurrency must be a whole number of at least 1');
  if (options.ratePerSecond !== null && !(options.ratePerSecond > 0))
    throw new UsageError('--rate must be a positive number of events per second');
  if (
    options.target.kind === 'http' &&
    options.target.sign !== 'none' &&
    (options.target.secret === null || options.target.secret === '')
  ) {
    throw new ConfigError(
      `--sign ${options.target.sign} needs a webhook secret`,
      'give --secret, set SMTP2GO_WEBHOOK_SECRET, run configure --generate-webhook-secret, or use --sign none',
    );
  }
  const needsStore =
    options.source.kind === 'store' ||
    options.target.kind === 'local' ||
    options.filter.replyId !== undefined;
  if (needsStore && deps.store === null)
    throw new TypeError('runWebhookReplay needs a store for this source, target or filter');
  if (
    options.filter.replyId !== undefined &&
    getReply(deps.store as Store, options.filter.replyId) === undefined
  ) {
    throw new NotFoundError(`reply ${options.filter.replyId} does not exist`);
  }
}

async function openSource(
  options: WebhookReplayOptions,
  deps: WebhookReplayDeps,
): Promise<ReplaySource & { format?: string | null }> {
  if (options.source.kind === 'store') return openStoreSource(deps.store as Store, options.filter);
  if (options.source.path === STDIN_PATH) {
    if (deps.stdin === undefined) throw new TypeError('runWebhookReplay needs deps.stdin for --file -');
    return openStreamSource(deps.stdin);
  }
  try {
    return await openFileSource(options.source.path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw new UsageError(
        `cannot read --file ${options.source.path} (${String(code)})`,
        'give a JSON, NDJSON or form-lines file',
      );
    }
    throw error;
  }
}

function replyResolver(
  options: WebhookReplayOptions,
  store: Store | null,
): (event: TrackingEvent) => number | undefined {
  if (options.filter.replyId === undefined || store === null) return () => undefined;
  return (event) => findReplyForEvent(store, event);
}

function deliveryClient(
  options: WebhookReplayOptions,
  target: Extract<ReplayTarget, { kind: 'http' }>,
  deps: WebhookReplayDeps,
): DeliveryClient {
  try {
    return createDeliveryClient(target, {
      ...deps.delivery,
      concurrency: options.concurrency,
      ratePerSecond: options.ratePerSecond,
    });
  } catch (error) {
    throw new UsageError(
      `--listener: ${error instanceof Error ? error.message : String(error)}`,
      'give an http(s) URL such as http://127.0.0.1:8787/webhooks/smtp2go',
    );
  }
}

/** One record's events in one ingest call: the listener stores one request's events in one transaction. */
function applyLocally(store: Store, events: PreparedEvent[], receivedAt: Date, tally: ReplayTally): void {
  const started = performance.now();
  try {
    const result = ingestEvents(
      store,
      events.map((event) => event.incoming!),
      { receivedAt, source: 'replay' },
    );
    const ms = Math.round(performance.now() - started);
    events.forEach((event, index) => {
      const duplicate = result.results[index]?.duplicate === true;
      const unlinked = result.results[index]?.replyId === null;
      tally.event(event, {
        outcome: duplicate ? 'duplicate' : 'ok',
        status: null,
        ms,
        attempts: 1,
        error: null,
        body: null,
        unlinked,
      });
    });
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    const message = error instanceof Error ? error.message : String(error);
    events.forEach((event) =>
      tally.event(event, { outcome: 'failed', status: null, ms, attempts: 1, error: message, body: null }),
    );
  }
}

async function send(client: DeliveryClient, event: PreparedEvent, tally: ReplayTally): Promise<void> {
  try {
    const result = await client.deliver({ rawBody: event.rawBody, contentType: event.contentType });
    const outcome = !result.ok ? 'failed' : result.duplicate ? 'duplicate' : 'ok';
    tally.event(event, {
      outcome,
      status: result.status,
      ms: result.ms,
      attempts: result.attempts,
      error: result.error,
      body: result.body,
    });
  } catch (error) {
    tally.event(event, {
      outcome: 'failed',
      status: null,
      ms: 0,
      attempts: 1,
      error: error instanceof Error ? error.message : String(error),
      body: null,
    });
  }
}
