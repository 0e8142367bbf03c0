import type { Command } from 'commander';
import type { CliContext, CliIo } from '../../context.js';
import { documentOptions, withExamples } from '../../help.js';
import { runParsed } from '../../run-command.js';
import { firstSignal } from '../../signals.js';
import { startDashboard, toDashboardListen, type DashboardListenOptions } from './start.js';

export function registerDashboard(program: Command, io: CliIo): void {
  const command = program
    .command('dashboard')
    .description(
      'serve the read-only web page (live events, replies, rates) over the store, without a listener',
    )
    .option('--host <address>', 'address to bind')
    .option('--port <n>', 'port to listen on; 0 picks a free one')
    .action(async (opts: { host?: string; port?: string }, command: Command) => {
      await runParsed(
        io,
        command,
        'dashboard',
        toDashboardListen(opts.host, opts.port, { host: '--host', port: '--port' }),
        serveDashboard,
      );
    });
  documentOptions(command, { '--host': { default: '127.0.0.1' }, '--port': { default: '8788' } });
  withExamples(command, ['dashboard', 'dashboard --port 9000']);
}

async function serveDashboard(ctx: CliContext, listen: DashboardListenOptions): Promise<void> {
  // Listen for signals before printing the URL: a supervisor may signal as soon as it reads it.
  const stop = firstSignal();
  try {
    const dashboard = await startDashboard(ctx, listen);
    if (ctx.json) ctx.output.record({ type: 'ready', url: dashboard.url });
    else {
      ctx.output.line(`Dashboard: ${ctx.output.color.bold(dashboard.url)}`);
      ctx.output.info(
        'Open it in a browser on this machine (the token in it is the key). Press Ctrl+C to stop.',
      );
    }
    await stop.signal;
    await dashboard.close();
  } finally {
    stop.disarm();
  }
}
