import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, isPortalError } from '../core/errors.js';
import { loadDotEnv } from '../core/dotenv.js';
import type { CliIo } from './context.js';
import { createOutput, loadPainters, ReportedFailure, type Painters } from './output.js';
import { tryStatsReplyFast } from './commands/stats/reply-fast.js';

/** The only error boundary: every failure becomes one line (or one JSON error) and an exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  try {
    const dotenv = loadDotEnv(io.cwd, io.env);
    if (dotenv.warnings.length > 0) {
      const output = createOutput(io, json, await loadPainters(io, io.env, json));
      for (const warning of dotenv.warnings) output.warn(warning);
    }
    if (dotenv.filled.length > 0) io = { ...io, dotenv };
    // commander and the command registry are loaded only when needed: `stats --reply` has a start-up
    // budget of 1.5x a bare `node -e 0` (issue 6) and answers without them.
    if (await tryStatsReplyFast(args, io)) return EXIT_OK;
    const { createProgram } = await import('./program.js');
    await createProgram(io).parseAsync(args, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    const { CommanderError } = await import('commander');
    return renderFailure(error, io, json, await loadPainters(io, io.env, json), CommanderError);
  }
}

function renderFailure(
  error: unknown,
  io: CliIo,
  json: boolean,
  painters: Painters,
  CommanderError: typeof import('commander').CommanderError,
): number {
  if (error instanceof ReportedFailure) return error.exitCode;
  const output = createOutput(io, json, painters);
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT_OK;
    // No command, or a group such as `webhook` without its subcommand: commander has printed the help on
    // stderr, which says all there is to say; a usage exit, and the usual JSON error for --json.
    if (error.code === 'commander.help') {
      if (json)
        output.error({
          code: 'usage',
          message: 'no command given',
          hint: 'run with --help for the commands',
        });
      return EXIT_USAGE;
    }
    const message = error.message.replace(/^error: /, '');
    output.error({ code: 'usage', message, hint: 'run with --help for usage' });
    return EXIT_USAGE;
  }
  if (isPortalError(error)) {
    if (error.code === 'cancelled' && !json) io.stderr.write('Cancelled.\n');
    else output.error(error);
    debugStack(error, io);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.error({ code: 'runtime', message, hint: 'set DEBUG=1 for details' });
  debugStack(error, io);
  return EXIT_RUNTIME;
}

function debugStack(error: unknown, io: CliIo): void {
  if (io.env.DEBUG !== undefined && io.env.DEBUG !== '' && error instanceof Error)
    io.stderr.write(`${error.stack ?? ''}\n`);
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyWhenTheReaderGoesAway();
  process.exitCode = await runCli(argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    ...(process.stdout.columns === undefined ? {} : { columns: process.stdout.columns }),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  });
}

/**
 * `stats | head` closes the pipe early; Node then raises EPIPE on the next write, which would end in a
 * stack trace. Like any Unix tool, stop quietly: what was stored is already committed. A command that
 * listens for the stream's errors itself (`webhook serve` keeps serving without its log) handles them.
 */
function exitQuietlyWhenTheReaderGoesAway(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (stream.listenerCount('error') > 1) return;
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
