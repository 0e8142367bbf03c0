import type { Command } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import { parseRetentionWindow } from '../../../../core/retention.js';
import type { WebhookServeOptions } from '../../../../operations/webhook-serve.js';
import type { CliIo } from '../../../context.js';
import { runParsed } from '../../../run-command.js';
import { toDashboardListen, type DashboardListenOptions } from '../../dashboard/start.js';
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

export type ServeOptions = WebhookServeOptions & {
  retentionMs: number | null;
  dashboard?: DashboardListenOptions;
};

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
      await runParsed(io, command, 'webhook serve', toWebhookServeOptions(opts), async (ctx, options) =>
        (await import('./run.js')).serve(ctx, options),
      );
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
