import { PortalError } from '../../../../core/errors.js';
import type {
  ReplayEventResult,
  ReplayMalformed,
  WebhookReplayOptions,
  WebhookReplayResult,
} from '../../../../operations/webhook-replay.js';
import type { SourceProgress } from '../../../../operations/webhook-replay/source.js';
import type { ReplayCounts } from '../../../../operations/webhook-replay/tally.js';
import type { CliContext } from '../../../context.js';
import { escapeControls as safe, escapeControlsDeep } from '../../../output.js';
import { wrap } from '../../../text-width.js';

export interface ReplayView {
  event: (result: ReplayEventResult) => void;
  malformed: (problem: ReplayMalformed) => void;
  /** Undefined when no bar can be drawn, so the replay does not gather progress for nobody. */
  progress: ((progress: SourceProgress & { summary: ReplayCounts }) => void) | undefined;
  stop: () => void;
}

// A short run finishes before a bar would be worth drawing: only a big source or a run still going after
// half a second gets one.
const BAR_AFTER_MS = 500;
const BIG_SOURCE = { bytes: 256 * 1024, events: 1_000 };

/**
 * Per-event lines on stdout and malformed records on stderr as they happen (none with --json, whose
 * document carries them), plus a progress bar on stderr when it is a terminal and the run is long.
 */
export async function startReplayView(ctx: CliContext, options: WebhookReplayOptions): Promise<ReplayView> {
  const started = Date.now();
  const wantBar = !ctx.json && ctx.io.stderr.isTTY === true;
  const { MultiBar, Presets } = wantBar
    ? (await import('cli-progress')).default
    : { MultiBar: null, Presets: null };
  let multi: InstanceType<NonNullable<typeof MultiBar>> | null = null;
  let bar: ReturnType<InstanceType<NonNullable<typeof MultiBar>>['create']> | null = null;
  // While the bar is drawn on a shared terminal, lines go above it instead of through it.
  const print = (text: string, toStderr = false) => {
    if (multi !== null && (toStderr || ctx.io.stdout.isTTY === true)) multi.log(`${text}\n`);
    else if (toStderr) ctx.output.info(text);
    else ctx.output.line(text);
  };
  return {
    event: (result) => (ctx.json ? undefined : print(formatReplayEvent(result, options, ctx.output.width))),
    malformed: (problem) =>
      ctx.json
        ? undefined
        : print(
            wrap(
              `${problem.positionName} ${problem.position}: skipped, malformed: ${safe(problem.message)}`,
              ctx.output.width,
              '  ',
            ).join('\n'),
            true,
          ),
    progress:
      MultiBar === null || Presets === null
        ? undefined
        : ({ done, total, unit, summary }) => {
            if (total === null) return;
            if (multi === null && total < BIG_SOURCE[unit] && Date.now() - started < BAR_AFTER_MS) return;
            if (multi === null) {
              // The cursor stays visible: a Ctrl+C mid-run must not leave the operator's terminal without one.
              multi = new MultiBar(
                {
                  stream: ctx.io.stderr,
                  format: `replay [{bar}] {percentage}% | {sent} sent, {failed} failed | ${unit === 'bytes' ? 'file read' : '{value}/{total} events'}`,
                  hideCursor: false,
                  clearOnComplete: false,
                },
                Presets.shades_classic,
              );
              bar = multi.create(total, 0, { sent: 0, failed: 0 });
            }
            bar?.update(done, { sent: summary.sent, failed: summary.failed });
          },
    stop: () => {
      // MultiBar.stop() drops lines still waiting in its log buffer; one last update writes them first.
      multi?.update();
      multi?.stop();
    },
  };
}

/** One event's line, wrapped at `width` under its position; its fields and the listener's answer come from the source and the listener, so they are escaped. */
export function formatReplayEvent(
  unsafe: ReplayEventResult,
  options: WebhookReplayOptions,
  width = Number.POSITIVE_INFINITY,
): string {
  return wrap(replayEventLine(escapeControlsDeep(unsafe), options), width, ' '.repeat(12)).join('\n');
}

function replayEventLine(result: ReplayEventResult, options: WebhookReplayOptions): string {
  const head = `${result.positionName} ${result.position}`.padEnd(11);
  const what = `${result.type.padEnd(11)} ${result.recipient ?? '-'}`;
  if (result.outcome === 'dry-run') {
    const action =
      options.target.kind === 'local'
        ? 'would apply'
        : `would POST ${result.bytes} bytes (${result.contentType})`;
    return `${head} ${what}  ${action}`;
  }
  const tries = result.attempts > 1 ? ` after ${result.attempts} attempts` : '';
  const status = result.status === null ? '' : ` HTTP ${result.status}`;
  if (result.outcome === 'failed') {
    const why = result.status === null ? ` ${result.error ?? 'no answer'}` : status;
    return `${head} ${what}  FAILED${why}${tries} ${result.ms} ms${result.body === null ? '' : `: ${result.body}`}`;
  }
  // An event no reply claims yet is kept, but is not part of any reply's story: say so.
  const stored = result.outcome === 'duplicate' ? 'already stored' : 'stored';
  const word =
    options.target.kind === 'local'
      ? `${stored}${result.unlinked === true ? ', unlinked' : ''}`
      : result.outcome;
  return `${head} ${what}  ${word}${status}${tries} ${result.ms} ms`;
}

export function renderReplaySummary(ctx: CliContext, result: WebhookReplayResult): void {
  const s = result.summary;
  const where = result.target === 'local' ? 'the local store' : safe(result.target);
  const say = (text: string) => wrap(text, ctx.output.width, '  ').forEach((line) => ctx.output.line(line));
  if (result.dryRun) {
    say(
      `dry run: ${s.matched} event(s) from ${s.read} record(s) would go to ${where}; nothing was sent or stored${s.malformed > 0 ? `; ${s.malformed} malformed` : ''}`,
    );
    return;
  }
  say(`${where}:`);
  say(
    `  sent ${s.sent}, ok ${s.ok}, duplicate ${s.duplicate}, failed ${s.failed}, retried ${s.retried}, malformed ${s.malformed}`,
  );
  if (s.p50Ms !== null) say(`  p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms`);
}

/** Exit 1 when any event finally failed or any record was skipped as malformed. */
export function replayFailure(result: WebhookReplayResult): PortalError | null {
  const s = result.summary;
  const parts = [
    s.failed > 0 ? `${s.failed} of ${s.sent} event(s) failed` : null,
    s.malformed > 0 ? `${s.malformed} malformed record(s) skipped` : null,
  ].filter((part) => part !== null);
  if (parts.length === 0) return null;
  const hint =
    s.failed > 0
      ? result.target === 'local'
        ? 'check the store and run again; replay is idempotent'
        : 'check the listener and run again; it recognises events it already has'
      : `fix the records at the ${result.malformed[0]?.positionName ?? 'line'} numbers shown and replay them`;
  return new PortalError(s.failed > 0 ? 'network' : 'runtime', parts.join('; '), { hint });
}

export function replayDocument(result: WebhookReplayResult): Record<string, unknown> {
  const s = result.summary;
  return {
    source: result.source,
    file: result.file,
    format: result.format,
    target: result.target,
    sign: result.sign,
    dry_run: result.dryRun,
    summary: {
      read: s.read,
      matched: s.matched,
      sent: s.sent,
      ok: s.ok,
      duplicate: s.duplicate,
      failed: s.failed,
      retried: s.retried,
      malformed: s.malformed,
      p50_ms: s.p50Ms,
      p95_ms: s.p95Ms,
    },
    malformed: result.malformed.map((problem) => ({
      [problem.positionName]: problem.position,
      message: problem.message,
    })),
    events: result.events.map((event) => ({
      [event.positionName]: event.position,
      type: event.type,
      recipient: event.recipient,
      email_id: event.emailId,
      occurred_at: event.occurredAt,
      content_type: event.contentType,
      bytes: event.bytes,
      outcome: event.outcome,
      status: event.status,
      ms: event.ms,
      attempts: event.attempts,
      error: event.error,
      body: event.body,
      unlinked: event.unlinked,
    })),
  };
}
