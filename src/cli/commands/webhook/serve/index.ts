import type { Command } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import { parseRetentionWindow } from '../../../../core/retention.js';
import type { WebhookServeOptions } from '../../../../operations/webhook-serve.js';
import type { CliContext, CliIo } from '../../../context.js';
import { bufferedLines, survivingOutput } from './buffered-output.js';
import { firstSignal, keepInspectorClosed } from '../../../signals.js';
import { runParsed } from '../../../run-command.js';
import { toDashboardListen, type DashboardListenOptions } from '../../dashboard/start.js';
import { createAuthFailureLog } from './auth-failure-log.js';
import { documentOptions, withExamples } from '../../../help.js';
import { webhookCommand } from '../index.js';

// The listener's defaults (webhook/server.ts), spelled out so registering the command does not load it.
const DEFAULT_PATH = '/api/webhooks/smtp2go/events';
const HEALTH_PATH = '/healthz';

interface ServeCliOptions {
  host?: string;
  port?: string;
  path?: string;
  insecure?: boolean;
  retention?: string;
  trustProxy?: boolean;
  dashboard?: boolean;
  dashboardHost?: string;
  dashboardPort?: string;
}

type ServeOptions = WebhookServeOptions & { retentionMs: number | null; dashboard?: DashboardListenOptions };

function toWebhookServeOptions(o: ServeCliOptions): ServeOptions {
  const port = o.port ?? '8787';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
    throw new UsageError(
      `--port must be a port number from 0 to 65535, not "${port}"`,
      '0 picks a free port',
    );
  const path = o.path ?? DEFAULT_PATH;
  if (!/^\/[\x21-\x7e]*$/.test(path) || /[?#]/.test(path))
    throw new UsageError(`--path must be a URL path starting with "/", not "${path}"`);
  // Clients remove "." and ".." segments before they send a URL, so no request would ever reach such a path.
  if (/\/\.\.?(\/|$)/.test(path))
    throw new UsageError(
      `--path must be an absolute path without "." or ".." segments, not "${path}"`,
      `for example ${DEFAULT_PATH}`,
    );
  if (path === HEALTH_PATH)
    throw new UsageError(
      `--path ${HEALTH_PATH} is the listener's health check, so every webhook would get 405`,
      `pick another path, e.g. the default ${DEFAULT_PATH}`,
    );
  const host = o.host ?? '127.0.0.1';
  if (host.trim() === '')
    throw new UsageError(
      '--host must not be empty',
      'use 127.0.0.1, or 0.0.0.0 to listen on every interface',
    );
  const retentionMs = o.retention === undefined ? null : parseRetentionWindow(o.retention, '--retention');
  const base = {
    host,
    port: Number(port),
    path,
    insecure: o.insecure === true,
    retentionMs,
    ...(o.trustProxy === true ? { trustProxy: true } : {}),
  };
  if (o.dashboard !== true) {
    if (o.dashboardHost !== undefined || o.dashboardPort !== undefined)
      throw new UsageError('--dashboard-host and --dashboard-port need --dashboard');
    return base;
  }
  const dashboard = toDashboardListen(o.dashboardHost, o.dashboardPort, {
    host: '--dashboard-host',
    port: '--dashboard-port',
  });
  if (dashboard.port !== 0 && dashboard.port === base.port)
    throw new UsageError(
      '--dashboard-port must differ from --port: the webhook port may face the internet, the dashboard never shares it',
    );
  return { ...base, dashboard };
}

export function registerWebhookServe(program: Command, io: CliIo): void {
  const command = webhookCommand(program)
    .command('serve')
    .description('receive SMTP2Go webhooks: authenticate every request and store each event exactly once')
    .option('--host <address>', 'address to bind; 0.0.0.0 exposes it')
    .option('--port <n>', 'port to listen on; 0 picks a free one')
    .option('--path <path>', 'webhook path')
    .option('--insecure', 'accept unauthenticated requests (local testing only)')
    .option(
      '--retention <window>',
      'prune events older than this at start and then daily, e.g. 400d (at least 3d)',
    )
    .option(
      '--trust-proxy',
      "a reverse proxy sits in front: take tracking hits' client address from X-Forwarded-For",
    )
    .option('--dashboard', 'also serve the read-only web page on its own port (the URL carries its token)')
    .option('--dashboard-host <address>', 'address the page binds')
    .option('--dashboard-port <n>', 'port of the page; 0 picks a free one')
    .action(async (opts: ServeCliOptions, command: Command) => {
      await runParsed(io, command, 'webhook serve', toWebhookServeOptions(opts), serve);
    });
  documentOptions(command, {
    '--host': { default: '127.0.0.1' },
    '--port': { default: '8787' },
    '--path': { default: '/api/webhooks/smtp2go/events' },
    '--dashboard-host': { default: '127.0.0.1' },
    '--dashboard-port': { default: '8788' },
  });
  withExamples(command, [
    'webhook serve',
    'webhook serve --host 0.0.0.0 --port 8787',
    'webhook serve --json >> listener.ndjson',
  ]);
}

async function serve(ctx: CliContext, options: ServeOptions): Promise<void> {
  const { runWebhookServe } = await import('../../../../operations/webhook-serve.js');
  const page =
    options.dashboard === undefined
      ? null
      : (await import('../../dashboard/attach.js')).listenerDashboard(ctx, options.dashboard);
  const render = await import('./render.js');
  const out = survivingOutput(ctx.output, ctx.io);
  const log = bufferedLines(out);
  const refused = createAuthFailureLog({ periodMs: AUTH_LOG_PERIOD_MS, now: () => ctx.now().getTime() });
  const flushRefused = () => refused.flush().forEach((line) => out.warn(line));
  const refusedTimer = setInterval(flushRefused, AUTH_LOG_PERIOD_MS).unref();
  // Listen for signals before announcing anything: a supervisor may signal the moment it reads "ready".
  // SIGHUP (a closed terminal, or a supervisor's stop) drains like SIGTERM.
  const stop = firstSignal(['SIGINT', 'SIGTERM', 'SIGHUP']);
  const reopenInspector = keepInspectorClosed(() =>
    out.warn('SIGUSR1 ignored: webhook serve never opens the inspector (run node --inspect to debug)'),
  );
  try {
    // The page first: failing after the listener, it would leave a secret the listener generated stored but never shown.
    const dashboardUrl = page === null ? null : await page.start();
    const listening = runWebhookServe(options, {
      store: await ctx.store(),
      env: ctx.env,
      now: ctx.now,
      onEvent: (record) => {
        page?.onRequest(record);
        // A 401 is logged once per address (the first, then a count), as a warning rather than a request line.
        const line =
          record.status === 401
            ? refused.refused(record.remoteAddress ?? 'unknown', record.error ?? 'unauthorized')
            : null;
        if (line !== null) out.warn(line);
        if (ctx.json) for (const document of render.serveEventRecords(record)) log.record(document);
        else if (record.status !== 401) render.renderServeEvent(log, record, ctx.now());
      },
      // The server's own line for a 401 ("401 from <address>: <reason>") is the one the log above rations.
      onLog: (entry) =>
        entry.level === 'info'
          ? out.info(entry.message)
          : entry.message.startsWith('401 ')
            ? undefined
            : out.warn(entry.message),
    });
    const handle = await listening.catch(async (error: unknown) => {
      await page?.close();
      throw error;
    });
    if (options.insecure) out.warn(out.stderrColor.red.bold(render.insecureWarning(handle.url)));
    if (ctx.json) {
      const secret =
        handle.generatedSecret === null ? {} : { generated_webhook_secret: handle.generatedSecret };
      const dashboard = dashboardUrl === null ? {} : { dashboard_url: dashboardUrl };
      out.record({
        type: 'ready',
        url: handle.url,
        health_url: handle.healthUrl,
        insecure: handle.insecure,
        ...dashboard,
        ...secret,
      });
    } else render.renderServeStart(out, { ...handle, dashboardUrl });
    const retention =
      options.retentionMs === null
        ? null
        : await (await import('./retention.js')).startServeRetention(ctx, options.retentionMs, log);
    const signal = await stop.signal;
    const forceExit = () => {
      log.flush();
      process.exit(130);
    };
    // A second SIGINT or SIGTERM quits at once; a second SIGHUP (a shell passes on the terminal's) does not.
    const ignore = () => undefined;
    process.once('SIGINT', forceExit).once('SIGTERM', forceExit).on('SIGHUP', ignore);
    try {
      if (!ctx.json) out.info(`${signal}: finishing in-flight requests (Ctrl+C again to quit at once)…`);
      await retention?.stop();
      await page?.close();
      await handle.close();
    } finally {
      process.off('SIGINT', forceExit).off('SIGTERM', forceExit).off('SIGHUP', ignore);
    }
  } finally {
    clearInterval(refusedTimer);
    flushRefused();
    log.flush();
    stop.disarm();
    reopenInspector();
    out.release();
  }
}

/** How often the 401s counted since the last line are logged. */
const AUTH_LOG_PERIOD_MS = 60_000;
