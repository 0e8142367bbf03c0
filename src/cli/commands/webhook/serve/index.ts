import type { Command } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import type { WebhookServeOptions } from '../../../../operations/webhook-serve.js';
import type { CliContext, CliIo } from '../../../context.js';
import { createAuthFailureLog } from './auth-failure-log.js';
import { bufferedLines } from './buffered-output.js';
import { firstSignal } from './signals.js';
import { runParsed } from '../../../run-command.js';
import { documentOptions, withExamples } from '../../../help.js';
import { webhookCommand } from '../index.js';

interface ServeCliOptions {
  host?: string;
  port?: string;
  path?: string;
  insecure?: boolean;
}

export function toWebhookServeOptions(o: ServeCliOptions): WebhookServeOptions {
  const port = o.port ?? '8787';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, not "${port}"`, '0 picks a free port');
  const path = o.path ?? '/api/webhooks/smtp2go/events';
  if (!/^\/[\x21-\x7e]*$/.test(path) || /[?#]/.test(path)) throw new UsageError(`--path must be a URL path starting with "/", not "${path}"`);
  const host = o.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty', 'use 127.0.0.1, or 0.0.0.0 to listen on every interface');
  return { host, port: Number(port), path, insecure: o.insecure === true };
}

export function registerWebhookServe(program: Command, io: CliIo): void {
  const command = webhookCommand(program)
    .command('serve')
    .description('receive SMTP2Go webhooks: authenticate every request and store each event exactly once')
    .option('--host <address>', 'address to bind; 0.0.0.0 exposes it')
    .option('--port <n>', 'port to listen on; 0 picks a free one')
    .option('--path <path>', 'webhook path')
    .option('--insecure', 'accept unauthenticated requests (local testing only)')
    .action(async (opts: ServeCliOptions, command: Command) => {
      await runParsed(io, command, 'webhook serve', toWebhookServeOptions(opts), serve);
    });
  documentOptions(command, { '--host': { default: '127.0.0.1' }, '--port': { default: '8787' }, '--path': { default: '/api/webhooks/smtp2go/events' } });
  withExamples(command, ['webhook serve', 'webhook serve --host 0.0.0.0 --port 8787', 'webhook serve --json >> listener.ndjson']);
}

async function serve(ctx: CliContext, options: WebhookServeOptions): Promise<void> {
  const { runWebhookServe } = await import('../../../../operations/webhook-serve.js');
  const render = await import('./render.js');
  const out = ctx.output;
  const log = bufferedLines(out);
  const refused = createAuthFailureLog({ periodMs: AUTH_LOG_PERIOD_MS, now: () => ctx.now().getTime() });
  const flushRefused = () => refused.flush().forEach((line) => out.warn(line));
  const refusedTimer = setInterval(flushRefused, AUTH_LOG_PERIOD_MS).unref();
  // Listen for signals before announcing anything: a supervisor may signal the moment it reads "ready".
  const stop = firstSignal();
  try {
    const handle = await runWebhookServe(options, {
      store: await ctx.store(),
      env: ctx.env,
      now: ctx.now,
      onEvent: (record) => {
        // A 401 is logged once per address (the first, then a count), as a warning rather than a request line.
        const line = record.status === 401 ? refused.refused(record.remoteAddress ?? 'unknown', record.error ?? 'unauthorized') : null;
        if (line !== null) out.warn(line);
        if (ctx.json) for (const document of render.serveEventRecords(record)) log.record(document);
        else if (record.status !== 401) render.renderServeEvent(log, record, ctx.now());
      },
      // The server's own line for a 401 ("401 from <address>: <reason>") is the one the log above rations.
      onLog: (entry) => (entry.level === 'info' ? out.info(entry.message) : entry.message.startsWith('401 ') ? undefined : out.warn(entry.message)),
    });
    if (options.insecure) out.warn(out.stderrColor.red.bold(render.insecureWarning(handle.url)));
    if (ctx.json) {
      const secret = handle.generatedSecret === null ? {} : { generated_webhook_secret: handle.generatedSecret };
      out.record({ type: 'ready', url: handle.url, health_url: handle.healthUrl, insecure: handle.insecure, ...secret });
    } else render.renderServeStart(out, handle);
    const signal = await stop.signal;
    const forceExit = () => {
      log.flush();
      process.exit(130);
    };
    process.once('SIGINT', forceExit).once('SIGTERM', forceExit);
    try {
      if (!ctx.json) out.info(`${signal}: finishing in-flight requests (again to quit at once)…`);
      await handle.close();
    } finally {
      process.off('SIGINT', forceExit).off('SIGTERM', forceExit);
    }
  } finally {
    clearInterval(refusedTimer);
    flushRefused();
    log.flush();
    stop.disarm();
  }
}

/** How often the 401s counted since the last line are logged. */
const AUTH_LOG_PERIOD_MS = 60_000;
