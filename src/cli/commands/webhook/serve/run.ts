import type { CliContext } from '../../../context.js';
import { firstSignal, keepInspectorClosed } from '../../../signals.js';
import { createAuthFailureLog } from './auth-failure-log.js';
import { bufferedLines, survivingOutput } from './buffered-output.js';
import type { ServeOptions } from './index.js';

/**
 * `webhook serve` once its options are typed: the listener (and the dashboard beside it), its request log,
 * the rationed 401 lines, the daily prune, and a graceful drain on the first signal.
 */
export async function serve(ctx: CliContext, options: ServeOptions): Promise<void> {
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
