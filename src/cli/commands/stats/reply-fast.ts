import type { ReplyStats } from '../../../operations/stats.js';
import type { CliIo } from '../../context.js';
import type { Output } from '../../output.js';

/** The one command line the fast path serves: `[--db <path>] [--json] stats --reply <id>`, in any order. */
export interface StatsReplyArgs {
  replyId: number;
  db: string | undefined;
  json: boolean;
}

const REPLY_ID = /^[1-9]\d*$/;

/** What the fast path reports its typed options as through `CliIo.onParsed` (commander's command is `stats`). */
const STATS_REPLY_FAST = 'stats --reply (fast path)';

/**
 * Recognises exactly `stats --reply <id>` with the global `--db` and `--json` (each at most once, `--x v`
 * or `--x=v`), and nothing else: any other word, a help or version flag, a bad id or a repeated option
 * returns null and the full commander CLI handles it, usage errors included.
 */
export function matchStatsReply(args: readonly string[]): StatsReplyArgs | null {
  let command = false;
  let reply: string | undefined;
  let db: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (name === 'stats' && !command) command = true;
    else if (arg === '--json' && !json) json = true;
    else if (
      (name === '--reply' && command && reply === undefined) ||
      (name === '--db' && db === undefined)
    ) {
      const value = eq === -1 ? args[(i += 1)] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-')) return null;
      if (name === '--reply') reply = value;
      else db = value;
    } else return null;
  }
  if (!command || reply === undefined || !REPLY_ID.test(reply) || !Number.isSafeInteger(Number(reply)))
    return null;
  return { replyId: Number(reply), db, json };
}

/**
 * `stats --reply` is what agents poll, and its answer must come in about the time Node itself takes to
 * start (issue 6). Commander and every other command's modules cost more than the query, so main.ts
 * offers the command line here first. Only the success path is served: a missing reply or any other
 * failure returns false before anything is printed, and the full CLI runs the command again and renders
 * the error as always. Returns true when the answer has been printed.
 */
export async function tryStatsReplyFast(args: readonly string[], io: CliIo): Promise<boolean> {
  const match = matchStatsReply(args);
  if (match === null) return false;
  // The argv table's hook sees what this path parsed and, as for every command, may take the run.
  if (io.onParsed?.(STATS_REPLY_FAST, match) === true) return true;
  // Every module is requested at once, the renderers too (Node 20's loader reads each file asynchronously;
  // a chain of imports waits for each read in turn). A rejected prefetch is handled where it is awaited.
  const renderers = match.json
    ? null
    : Promise.all([import('./render-reply.js'), import('./render-format.js')]);
  renderers?.catch(() => undefined);
  // What the renderers import in turn, requested now too rather than after they are read.
  if (!match.json) import('./render-timeline.js').catch(() => undefined);
  const [{ resolveDbPath }, { openStore }, { runReplyStats }, { createOutput, loadPainters }] =
    await Promise.all([
      import('../../../store/db-path.js'),
      import('../../../store/open-store.js'),
      import('../../../operations/stats.js'),
      import('../../output.js'),
      // output.js imports it: requested now, it is read alongside rather than after.
      import('../../text-width.js'),
    ]);
  let stats;
  try {
    const store = openStore(resolveDbPath(match.db, io.env), { mustExist: true });
    try {
      stats = runReplyStats({ replyId: match.replyId }, { store });
    } finally {
      store.close();
    }
  } catch {
    return false;
  }
  const output = createOutput(io, match.json, await loadPainters(io, io.env, match.json));
  await printReplyStats(output, stats, io.env, renderers ?? undefined);
  return true;
}

/** Prints one reply's story (shared with the commander command): the JSON document, or the tables in the operator's zone. */
export async function printReplyStats(
  output: Output,
  stats: ReplyStats,
  env: NodeJS.ProcessEnv,
  renderers?: Promise<[typeof import('./render-reply.js'), typeof import('./render-format.js')]>,
): Promise<void> {
  if (output.json) {
    output.data({ ...stats.document });
    return;
  }
  const [{ renderReplyStats }, { operatorZone }] = await (renderers ??
    Promise.all([import('./render-reply.js'), import('./render-format.js')]));
  const zone = await operatorZone(env);
  if (zone.warning !== undefined) output.warn(zone.warning);
  renderReplyStats(output, stats, zone);
}
